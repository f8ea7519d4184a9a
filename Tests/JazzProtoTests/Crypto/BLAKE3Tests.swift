import Foundation
import Testing
@testable import JazzProto

/// BLAKE3 against vectors from the official implementation (`Fixtures/blake3/vectors.json`, made by
/// `Fixtures/blake3/make-vectors.sh` with `b3sum`) and against cojson's golden `hashing.json`.
@Suite("BLAKE3")
struct BLAKE3Tests {
    /// One case of `Fixtures/blake3/vectors.json`.
    struct Vector {
        let inputLength: Int
        let hash: String
        let keyedHash: String
        let deriveKey: String

        /// The official test input: byte i is i mod 251.
        var input: [UInt8] { (0..<inputLength).map { UInt8($0 % 251) } }
    }

    struct VectorFile {
        let key: [UInt8]
        let context: String
        let cases: [Vector]
    }

    static func loadVectors() throws -> VectorFile {
        let object = try JSONSerialization.jsonObject(with: Fixtures.data("blake3/vectors.json"))
        let root = try #require(object as? [String: Any])
        let cases = try root.objects("cases").map { entry in
            Vector(
                inputLength: try #require(entry["inputLen"] as? Int),
                hash: try entry.string("hash"),
                keyedHash: try entry.string("keyedHash"),
                deriveKey: try entry.string("deriveKey"))
        }
        return VectorFile(key: Array(try root.string("key").utf8), context: try root.string("context"), cases: cases)
    }

    /// The three modes, each with the vector field it must reproduce.
    static func modes(_ file: VectorFile) throws -> [(name: String, make: () -> BLAKE3, expected: (Vector) -> String)] {
        let keyed = try BLAKE3(key: file.key)
        let derive = BLAKE3(deriveKeyContext: file.context)
        return [
            ("hash", { BLAKE3() }, { $0.hash }),
            ("keyed_hash", { keyed }, { $0.keyedHash }),
            ("derive_key", { derive }, { $0.deriveKey }),
        ]
    }

    /// Deterministic pseudo-random numbers (SplitMix64), so failures reproduce.
    struct SplitMix64 {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func next(below bound: Int) -> Int { Int(next() % UInt64(bound)) }
    }

    @Test("official-style vectors: hash, keyed_hash, derive_key with 131-byte output")
    func officialVectors() throws {
        let file = try Self.loadVectors()
        #expect(file.key.count == 32)
        #expect(file.cases.count == 35)
        #expect(file.cases.map(\.inputLength).max() == 102_400)
        for (mode, make, expected) in try Self.modes(file) {
            for vector in file.cases {
                var hasher = make()
                hasher.update(vector.input)
                let output = hasher.finalize(byteCount: 131)
                #expect(Hex.encode(output) == expected(vector), "\(mode), input length \(vector.inputLength)")
                // Shorter outputs are prefixes of the extended output.
                for length in [0, 1, 31, 32, 63, 64, 65, 128] {
                    #expect(hasher.finalize(byteCount: length) == Array(output.prefix(length)),
                            "\(mode), length \(vector.inputLength), \(length) output bytes")
                }
                #expect(hasher.finalize() == Array(output.prefix(BLAKE3.outputByteCount)))
            }
        }
        for vector in file.cases {
            #expect(Hex.encode(BLAKE3.hash(vector.input)) == String(vector.hash.prefix(64)),
                    "BLAKE3.hash, input length \(vector.inputLength)")
        }
        Fixtures.report("blake3/vectors.json", "cases (x3 modes)", count: file.cases.count)
    }

    @Test("streaming in random-sized pieces equals the one-shot output")
    func streamingRandomPieces() throws {
        let file = try Self.loadVectors()
        var random = SplitMix64(state: 0xB1A4E3)
        var checked = 0
        for (mode, make, expected) in try Self.modes(file) {
            for vector in file.cases where vector.inputLength > 0 {
                let input = vector.input
                for round in 0..<3 {
                    var hasher = make()
                    var offset = 0
                    var pieces = 0
                    while offset < input.count {
                        // Mix tiny pieces, block/chunk-sized ones and large ones (incl. empty updates).
                        let limits = [1, 8, 65, 1025, 5000]
                        let size = min(random.next(below: limits[random.next(below: limits.count)] + 1),
                                       input.count - offset)
                        let piece = input[offset..<(offset + size)]
                        if round == 1 {
                            piece.withUnsafeBytes { hasher.update($0) }
                        } else {
                            hasher.update(piece)
                        }
                        offset += size
                        pieces += 1
                    }
                    #expect(Hex.encode(hasher.finalize(byteCount: 131)) == expected(vector),
                            "\(mode), length \(vector.inputLength), round \(round), \(pieces) pieces")
                    checked += 1
                }
            }
        }
        #expect(checked == 3 * 3 * (file.cases.count - 1))
    }

    @Test("finalize does not disturb later updates")
    func finalizeDoesNotConsume() throws {
        let file = try Self.loadVectors()
        var random = SplitMix64(state: 42)
        for (mode, make, expected) in try Self.modes(file) {
            for vector in file.cases where [64, 1025, 4097, 8193, 31_744].contains(vector.inputLength) {
                let input = vector.input
                var hasher = make()
                var reference = make()
                var offset = 0
                while offset < input.count {
                    let size = min(1 + random.next(below: 700), input.count - offset)
                    hasher.update(input[offset..<(offset + size)])
                    reference.update(input[offset..<(offset + size)])
                    offset += size
                    // An intermediate finalize is the output of the prefix so far and changes nothing.
                    let intermediate = hasher.finalize(byteCount: 40)
                    var prefixHasher = make()
                    prefixHasher.update(input[0..<offset])
                    #expect(intermediate == prefixHasher.finalize(byteCount: 40), "\(mode), prefix \(offset)")
                }
                #expect(Hex.encode(hasher.finalize(byteCount: 131)) == expected(vector), "\(mode), \(vector.inputLength)")
                #expect(hasher.finalize(byteCount: 131) == reference.finalize(byteCount: 131))
            }
        }
    }

    @Test("a copied hasher is an independent fork of the stream")
    func copyForks() throws {
        let file = try Self.loadVectors()
        let vector = try #require(file.cases.first { $0.inputLength == 3073 })
        let input = vector.input
        var first = BLAKE3()
        first.update(input[0..<2000])
        var second = first
        first.update(input[2000...])
        second.update([0xFF])
        #expect(Hex.encode(first.finalize(byteCount: 131)) == vector.hash)
        var expectedSecond = BLAKE3()
        expectedSecond.update(input[0..<2000] + [0xFF])
        #expect(second.finalize() == expectedSecond.finalize())
        #expect(second.finalize() != first.finalize())
    }

    @Test("sequences without contiguous storage hash like arrays")
    func nonContiguousSequences() throws {
        let file = try Self.loadVectors()
        for vector in file.cases where [0, 1, 1023, 1024, 1025, 2049, 5121].contains(vector.inputLength) {
            let lazyInput = (0..<vector.inputLength).lazy.map { UInt8($0 % 251) }
            #expect(Hex.encode(BLAKE3.hash(lazyInput)) == String(vector.hash.prefix(64)), "length \(vector.inputLength)")
            var hasher = BLAKE3()
            hasher.update(AnySequence(lazyInput))
            #expect(Hex.encode(hasher.finalize(byteCount: 131)) == vector.hash, "length \(vector.inputLength)")
        }
        // Data, String.UTF8View and ArraySlice take the contiguous path.
        #expect(BLAKE3.hash(Data("abc".utf8)) == BLAKE3.hash("abc".utf8))
        #expect(BLAKE3.hash(Array("xabc".utf8).dropFirst()) == BLAKE3.hash(Array("abc".utf8)))
    }

    @Test("keyed_hash rejects keys that are not 32 bytes")
    func invalidKeyLength() throws {
        for length in [0, 1, 16, 31, 33, 64] {
            #expect(throws: BLAKE3Error.invalidKeyLength(length)) {
                _ = try BLAKE3(key: [UInt8](repeating: 7, count: length))
            }
        }
        let description = BLAKE3Error.invalidKeyLength(31).description
        #expect(description.contains("32"))
        #expect(description.contains("31"))
        #expect(throws: Never.self) { _ = try BLAKE3(key: [UInt8](repeating: 7, count: 32)) }
    }

    @Test("finalize with a non-positive byte count returns no bytes")
    func emptyOutput() {
        var hasher = BLAKE3()
        hasher.update([1, 2, 3])
        #expect(hasher.finalize(byteCount: 0).isEmpty)
        #expect(hasher.finalize(byteCount: -5).isEmpty)
        #expect(hasher.finalize(byteCount: 1).count == 1)
        #expect(hasher.finalize(byteCount: 1000).count == 1000)
        #expect(BLAKE3.outputByteCount == 32)
    }

    // MARK: - cojson golden vectors (Fixtures/jazz/hashing.json)

    @Test("hashing.json blake3: UTF-8 inputs")
    func jazzBlake3() throws {
        let vectors = try Fixtures.jazz("hashing.json").objects("blake3")
        #expect(!vectors.isEmpty)
        for vector in vectors {
            let text = try vector.string("inputUtf8")
            let expected = try vector.string("blake3Hex")
            #expect(Hex.encode(BLAKE3.hash(text.utf8)) == expected, "\((vector["description"] as? String) ?? text)")
            if let inputHex = vector["inputHex"] as? String {
                #expect(Hex.decode(inputHex) == Array(text.utf8))
                #expect(Hex.encode(BLAKE3.hash(Hex.decode(inputHex))) == expected)
            }
        }
        Fixtures.report("hashing.json", "blake3", count: vectors.count)
    }

    @Test("hashing.json blake3RawBytes")
    func jazzBlake3RawBytes() throws {
        let vectors = try Fixtures.jazz("hashing.json").objects("blake3RawBytes")
        #expect(!vectors.isEmpty)
        for vector in vectors {
            let inputHex = try vector.string("inputHex")
            let expected = try vector.string("blake3Hex")
            #expect(Hex.encode(BLAKE3.hash(Hex.decode(inputHex))) == expected, "input \(inputHex)")
        }
        Fixtures.report("hashing.json", "blake3RawBytes", count: vectors.count)
    }

    @Test("hashing.json blake3WithContext: plain BLAKE3(context ‖ data), not derive_key")
    func jazzBlake3WithContext() throws {
        let vectors = try Fixtures.jazz("hashing.json").objects("blake3WithContext")
        #expect(!vectors.isEmpty)
        for vector in vectors {
            let context = try vector.string("contextUtf8")
            let data = Hex.decode(try vector.string("dataHex"))
            let expected = try vector.string("resultHex")
            let plain = try vector.string("equalsPlainBlake3OfContextThenData")
            #expect(plain == expected)

            #expect(Hex.encode(BLAKE3.hash(Array(context.utf8) + data)) == expected, "context \(context)")
            var streamed = BLAKE3()
            streamed.update(context.utf8)
            streamed.update(data)
            #expect(Hex.encode(streamed.finalize()) == expected, "context \(context), streamed")

            // BLAKE3's derive_key mode gives the trap value instead, which must differ.
            var derive = BLAKE3(deriveKeyContext: context)
            derive.update(data)
            let deriveHex = Hex.encode(derive.finalize())
            let trap = try vector.string("notThis_blake3DeriveKeyMode")
            #expect(deriveHex == trap, "context \(context), derive_key")
            #expect(deriveHex != expected)
        }
        Fixtures.report("hashing.json", "blake3WithContext", count: vectors.count)
    }
}
