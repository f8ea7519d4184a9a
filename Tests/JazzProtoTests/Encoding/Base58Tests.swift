import Testing
@testable import JazzProto

@Suite struct Base58Tests {
    @Test func leadingZeroBytesBecomeOnes() throws {
        #expect(Base58.encode([UInt8](repeating: 0, count: 32)) == String(repeating: "1", count: 32))
        #expect(try Base58.decode(String(repeating: "1", count: 5)) == [UInt8](repeating: 0, count: 5))
        #expect(Base58.encode([0, 0, 57]) == "11z")
        #expect(Base58.encode([58]) == "21")
        #expect(try Base58.decode("11z") == [0, 0, 57])
    }

    @Test func emptyInput() throws {
        #expect(Base58.encode([UInt8]()) == "")
        #expect(try Base58.decode("") == [])
    }

    @Test func acceptsAnyByteCollectionAndSubstring() throws {
        let bytes: [UInt8] = [0, 1, 2, 250, 251, 252]
        let encoded = Base58.encode(bytes)
        #expect(Base58.encode(bytes[...]) == encoded)
        #expect(Base58.encode(bytes.lazy.map { $0 }) == encoded)  // not contiguous
        let prefixed = "co_z" + encoded
        #expect(try Base58.decode(prefixed.dropFirst(4)) == bytes)
    }

    @Test func randomRoundTrips() throws {
        var generator = SeededRandom(seed: 58)
        for length in 0...130 {
            for _ in 0..<4 {
                var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
                // Some inputs start with zero bytes.
                let zeros = Int.random(in: 0...min(3, length), using: &generator)
                for index in 0..<zeros { bytes[index] = 0 }
                let encoded = Base58.encode(bytes)
                #expect(encoded.utf8.allSatisfy { Base58.alphabet.contains($0) })
                #expect(try Base58.decode(encoded) == bytes, "length \(length)")
            }
        }
    }

    /// A slow, obviously-correct reference (repeated division of the whole number by 58).
    private static func referenceEncode(_ bytes: [UInt8]) -> String {
        let alphabet = Array("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz")
        var number = Array(bytes.drop { $0 == 0 })
        var digits: [Character] = []
        while !number.isEmpty {
            var remainder = 0
            var quotient: [UInt8] = []
            for byte in number {
                let accumulator = remainder * 256 + Int(byte)
                let digit = accumulator / 58
                remainder = accumulator % 58
                if !quotient.isEmpty || digit != 0 { quotient.append(UInt8(digit)) }
            }
            digits.append(alphabet[remainder])
            number = quotient
        }
        let ones = String(repeating: "1", count: bytes.prefix { $0 == 0 }.count)
        return ones + String(digits.reversed())
    }

    @Test func matchesReferenceEncoder() {
        var generator = SeededRandom(seed: 1958)
        for length in [1, 2, 3, 4, 5, 8, 12, 19, 32, 33, 64, 100] {
            for _ in 0..<20 {
                var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
                if Bool.random(using: &generator) { bytes[0] = 0 }
                #expect(Base58.encode(bytes) == Self.referenceEncode(bytes))
            }
        }
    }

    @Test(arguments: [
        ("0OIl", Character("0"), 0),
        ("abcO", Character("O"), 3),
        ("zzIzz", Character("I"), 2),
        ("1l", Character("l"), 1),
        ("abc def", Character(" "), 3),
        ("ab+", Character("+"), 2),
        ("ab_z", Character("_"), 2),
        ("abé", Character("é"), 2),
        ("ab\u{1F600}c", Character("\u{1F600}"), 2),
        ("abe\u{301}", Character("e\u{301}"), 2),  // one Character: e + combining accent
        ("abc\n", Character("\n"), 3),
    ])
    func rejectsCharactersOutsideTheAlphabet(input: String, character: Character, offset: Int) {
        #expect(throws: EncodingError.invalidBase58Character(character, offset: offset)) {
            try Base58.decode(input)
        }
    }

    @Test func errorDescriptionsExplain() {
        let error = EncodingError.invalidBase58Character("0", offset: 7)
        #expect(error.description.contains("offset 7"))
        #expect(error.description.contains("'0'"))
        #expect(EncodingError.invalidBase58Character("\n", offset: 0).description.contains("U+000A"))
    }
}
