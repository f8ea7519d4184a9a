import CSodium
import Foundation
import Testing

@testable import JazzProto

/// The pure-Swift XSalsa20 (`FastXSalsa20`) against libsodium's `crypto_stream_xsalsa20_xor`, known-answer
/// vectors from libsodium's and NaCl's test suites, and cojson's golden encryptions.
@Suite struct FastXSalsa20Tests {
    init() { _ = sodium_init() }

    // MARK: Helpers

    private static func randomBytes(_ count: Int, using generator: inout SeededRandom) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    /// libsodium's answer (out of place); `[]` if it reported an error.
    private static func sodiumXor(_ input: [UInt8], key: [UInt8], nonce: [UInt8]) -> [UInt8] {
        // One spare byte so the pointers are never null (libsodium writes only `input.count` bytes).
        var output = [UInt8](repeating: 0, count: input.count + 1)
        let source = input + [0]
        let status = output.withUnsafeMutableBufferPointer { out in
            source.withUnsafeBufferPointer { inp in
                crypto_stream_xsalsa20_xor(out.baseAddress!, inp.baseAddress!, UInt64(input.count), nonce, key)
            }
        }
        output.removeLast()
        // It always returns 0; a failure would show up as a mismatch (an empty answer).
        return status == 0 ? output : []
    }

    /// `FastXSalsa20.xorInPlace` on a copy of `input` placed at byte `offset` of a larger buffer whose other
    /// bytes are canaries; returns the result, whether the call succeeded, and whether the canaries survived.
    private static func fastXorInPlace(
        _ input: [UInt8], key: [UInt8], nonce: [UInt8], offset: Int
    ) -> (bytes: [UInt8], ok: Bool, canariesIntact: Bool) {
        let canary: UInt8 = 0xC3
        var buffer = [UInt8](repeating: canary, count: offset + input.count + 32)
        buffer.replaceSubrange(offset..<offset + input.count, with: input)
        let ok = buffer.withUnsafeMutableBufferPointer { all in
            key.withUnsafeBytes { k in
                nonce.withUnsafeBytes { n in
                    FastXSalsa20.xorInPlace(UnsafeMutableBufferPointer(rebasing: all[offset..<offset + input.count]), key: k, nonce: n)
                }
            }
        }
        let intact = buffer[..<offset].allSatisfy { $0 == canary } && buffer[(offset + input.count)...].allSatisfy { $0 == canary }
        return (Array(buffer[offset..<offset + input.count]), ok, intact)
    }

    /// `FastXSalsa20.xor(_:into:)` into a separate buffer at byte `offset`; returns the result, success,
    /// whether the output canaries survived, and whether the input was left unchanged.
    private static func fastXorOutOfPlace(
        _ input: [UInt8], key: [UInt8], nonce: [UInt8], offset: Int
    ) -> (bytes: [UInt8], ok: Bool, canariesIntact: Bool, inputUnchanged: Bool) {
        let canary: UInt8 = 0x5A
        var source = [UInt8](repeating: 0, count: offset + input.count)
        source.replaceSubrange(offset..<offset + input.count, with: input)
        let sourceBefore = source
        var output = [UInt8](repeating: canary, count: input.count + 7 + 32)
        let ok = output.withUnsafeMutableBytes { out in
            source.withUnsafeBytes { src in
                key.withUnsafeBytes { k in
                    nonce.withUnsafeBytes { n in
                        FastXSalsa20.xor(
                            UnsafeRawBufferPointer(rebasing: src[offset...]),
                            into: UnsafeMutableRawBufferPointer(rebasing: out[7..<7 + input.count]), key: k, nonce: n)
                    }
                }
            }
        }
        let intact = output[..<7].allSatisfy { $0 == canary } && output[(7 + input.count)...].allSatisfy { $0 == canary }
        return (Array(output[7..<7 + input.count]), ok, intact, source == sourceBefore)
    }

    // MARK: Against libsodium

    @Test func matchesLibsodiumForEveryLengthUpTo1100() {
        var generator = SeededRandom(seed: 0x5A15_A20F_A57)
        var inPlaceMismatches: [Int] = []
        var outOfPlaceMismatches: [Int] = []
        var failedCalls: [Int] = []
        var damagedCanaries: [Int] = []
        var changedInputs: [Int] = []
        var checked = 0
        for length in 0...1100 {
            let key = Self.randomBytes(32, using: &generator)
            let nonce = Self.randomBytes(24, using: &generator)
            let input = Self.randomBytes(length, using: &generator)
            let offset = length % 16  // exercises unaligned loads and stores
            let expected = Self.sodiumXor(input, key: key, nonce: nonce)

            let inPlace = Self.fastXorInPlace(input, key: key, nonce: nonce, offset: offset)
            if inPlace.bytes != expected { inPlaceMismatches.append(length) }
            if !inPlace.ok { failedCalls.append(length) }
            if !inPlace.canariesIntact { damagedCanaries.append(length) }

            let outOfPlace = Self.fastXorOutOfPlace(input, key: key, nonce: nonce, offset: offset)
            if outOfPlace.bytes != expected { outOfPlaceMismatches.append(length) }
            if !outOfPlace.ok { failedCalls.append(length) }
            if !outOfPlace.canariesIntact { damagedCanaries.append(length) }
            if !outOfPlace.inputUnchanged { changedInputs.append(length) }
            checked += 1
        }
        #expect(checked == 1101)
        #expect(inPlaceMismatches.count == 0, "in-place differs from libsodium at lengths \(inPlaceMismatches.prefix(20))")
        #expect(outOfPlaceMismatches.count == 0, "out-of-place differs from libsodium at lengths \(outOfPlaceMismatches.prefix(20))")
        #expect(failedCalls.count == 0, "returned false at lengths \(failedCalls.prefix(20))")
        #expect(damagedCanaries.count == 0, "wrote outside the message at lengths \(damagedCanaries.prefix(20))")
        #expect(changedInputs.count == 0, "out-of-place changed its input at lengths \(changedInputs.prefix(20))")
        print("[vectors] FastXSalsa20 vs libsodium: \(checked) lengths (0…1100) × in-place and out-of-place")
    }

    /// Many nonces with one key at the transaction-sized lengths of the hot path.
    @Test func matchesLibsodiumForManyNoncesAtShortLengths() {
        var generator = SeededRandom(seed: 0xD00D_FEED)
        let key = Self.randomBytes(32, using: &generator)
        var mismatches: [String] = []
        var checked = 0
        for length in [1, 63, 64, 65, 150, 199, 200, 255, 256, 257, 300, 319, 320, 321, 400] {
            for _ in 0..<40 {
                let nonce = Self.randomBytes(24, using: &generator)
                let input = Self.randomBytes(length, using: &generator)
                let expected = Self.sodiumXor(input, key: key, nonce: nonce)
                if Self.fastXorInPlace(input, key: key, nonce: nonce, offset: 0).bytes != expected {
                    mismatches.append("length \(length) nonce \(Hex.encode(nonce))")
                }
                checked += 1
            }
        }
        #expect(checked == 600)
        #expect(mismatches.count == 0, "\(mismatches.count) mismatches, first: \(mismatches.prefix(3))")
    }

    @Test func inPlaceAndOutOfPlaceAgree() {
        var generator = SeededRandom(seed: 42)
        for length in [0, 1, 15, 16, 17, 64, 200, 256, 300, 513, 1024] {
            let key = Self.randomBytes(32, using: &generator)
            let nonce = Self.randomBytes(24, using: &generator)
            let input = Self.randomBytes(length, using: &generator)
            let inPlace = Self.fastXorInPlace(input, key: key, nonce: nonce, offset: 3)
            let outOfPlace = Self.fastXorOutOfPlace(input, key: key, nonce: nonce, offset: 5)
            #expect(inPlace.bytes == outOfPlace.bytes, "length \(length)")
            // XOR twice gives the input back.
            let back = Self.fastXorInPlace(inPlace.bytes, key: key, nonce: nonce, offset: 0)
            #expect(back.bytes == input, "length \(length)")
            if length > 0 { #expect(inPlace.bytes != input, "length \(length): keystream had no effect") }
        }
    }

    // MARK: Known answers

    /// libsodium test/default/stream3.c (from NaCl): the first 32 keystream bytes.
    private static let naclKey: [UInt8] = Hex.decode("1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389")
    private static let naclNonce: [UInt8] = Hex.decode("69696ee955b62b73cd62bda875fc73d68219e0036b7a0b37")

    @Test func libsodiumStream3KnownAnswer() {
        let zeros = [UInt8](repeating: 0, count: 32)
        let result = Self.fastXorInPlace(zeros, key: Self.naclKey, nonce: Self.naclNonce, offset: 0)
        #expect(result.ok)
        #expect(Hex.encode(result.bytes) == "eea6a7251c1e72916d11c2cb214d3c252539121d8e234e652d651fa4c8cff880")
    }

    /// libsodium test/default/stream.c (from NaCl): SHA-256 of the first 4 MiB of keystream
    /// (65,536 blocks, so the counter's carry paths and every pass shape are exercised).
    @Test func libsodiumStreamFourMebibyteKnownAnswer() {
        var stream = [UInt8](repeating: 0, count: 4_194_304)
        let ok = stream.withUnsafeMutableBufferPointer { buffer in
            Self.naclKey.withUnsafeBytes { k in
                Self.naclNonce.withUnsafeBytes { n in FastXSalsa20.xorInPlace(buffer, key: k, nonce: n) }
            }
        }
        #expect(ok)
        var digest = [UInt8](repeating: 0, count: 32)
        _ = crypto_hash_sha256(&digest, stream, UInt64(stream.count))
        #expect(Hex.encode(digest) == "662b9d0e3463029156069b12f918691a98f7dfb2ca0393c96bbfc6b1fbd630a2")
    }

    /// cojson's golden encryptions (Fixtures/jazz/crypto.json `encrypt[]`): XSalsa20 of the UTF-8
    /// plaintext with the key secret's bytes and the vector's nonce.
    @Test func cojsonEncryptVectors() throws {
        let vectors = try Fixtures.jazz("crypto.json").objects("encrypt")
        #expect(!vectors.isEmpty)
        for vector in vectors {
            let keySecret = try vector.string("keySecret")
            let key = try Base58.decode(keySecret.dropFirst("keySecret_z".count))
            let nonce = Hex.decode(try vector.string("nonceHex"))
            let plaintext = Array(try vector.string("plaintextUtf8").utf8)
            let encrypted = try vector.string("encrypted")
            let expected = try Base64URL.decode(encrypted.dropFirst("encrypted_U".count))
            let result = Self.fastXorInPlace(plaintext, key: key, nonce: nonce, offset: 1)
            #expect(result.ok)
            #expect(result.bytes == expected, "vector \(encrypted)")
        }
        Fixtures.report("crypto.json", "encrypt (FastXSalsa20)", count: vectors.count)
    }

    // MARK: Bad sizes

    @Test func wrongKeyOrNonceSizesReturnFalseAndTouchNothing() {
        let message: [UInt8] = Array(0..<100)
        for (keyCount, nonceCount) in [(31, 24), (33, 24), (0, 24), (32, 23), (32, 25), (32, 0)] {
            let key = [UInt8](repeating: 7, count: keyCount)
            let nonce = [UInt8](repeating: 9, count: nonceCount)
            var bytes = message
            let ok = bytes.withUnsafeMutableBufferPointer { buffer in
                key.withUnsafeBytes { k in nonce.withUnsafeBytes { n in FastXSalsa20.xorInPlace(buffer, key: k, nonce: n) } }
            }
            #expect(!ok, "key \(keyCount) nonce \(nonceCount)")
            #expect(bytes == message, "key \(keyCount) nonce \(nonceCount)")

            var output = [UInt8](repeating: 0xEE, count: 100)
            let outOk = output.withUnsafeMutableBytes { out in
                message.withUnsafeBytes { input in
                    key.withUnsafeBytes { k in nonce.withUnsafeBytes { n in FastXSalsa20.xor(input, into: out, key: k, nonce: n) } }
                }
            }
            #expect(!outOk, "key \(keyCount) nonce \(nonceCount)")
            #expect(output.allSatisfy { $0 == 0xEE }, "key \(keyCount) nonce \(nonceCount)")
        }
    }

    @Test func outputShorterThanInputReturnsFalse() {
        let key = [UInt8](repeating: 1, count: 32)
        let nonce = [UInt8](repeating: 2, count: 24)
        let input = [UInt8](repeating: 3, count: 50)
        var output = [UInt8](repeating: 0xEE, count: 49)
        let ok = output.withUnsafeMutableBytes { out in
            input.withUnsafeBytes { inp in
                key.withUnsafeBytes { k in nonce.withUnsafeBytes { n in FastXSalsa20.xor(inp, into: out, key: k, nonce: n) } }
            }
        }
        #expect(!ok)
        #expect(output.allSatisfy { $0 == 0xEE })
    }

    @Test func emptyMessageSucceeds() {
        let key = [UInt8](repeating: 1, count: 32)
        let nonce = [UInt8](repeating: 2, count: 24)
        let ok = key.withUnsafeBytes { k in
            nonce.withUnsafeBytes { n in FastXSalsa20.xorInPlace(UnsafeMutableBufferPointer(start: nil, count: 0), key: k, nonce: n) }
        }
        #expect(ok)
    }
}
