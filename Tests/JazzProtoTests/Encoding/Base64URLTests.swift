import Testing
@testable import JazzProto

@Suite struct Base64URLTests {
    /// RFC 4648 §10 test vectors (identical in the URL alphabet) and the example from cojson's
    /// base64url.test.ts quoted in jazz-protocol-core.md §2.2.
    @Test(arguments: [
        ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy"),
        ("What does 2 + 2.1 equal?? ~ 4", "V2hhdCBkb2VzIDIgKyAyLjEgZXF1YWw_PyB-IDQ="),
    ])
    func publishedVectors(text: String, encoded: String) throws {
        #expect(Base64URL.encode(Array(text.utf8)) == encoded)
        #expect(try Base64URL.decode(encoded) == Array(text.utf8))
        #expect(try Base64URL.decode(encoded, requirePadding: true) == Array(text.utf8))
    }

    @Test func urlAlphabetNotStandard() throws {
        #expect(Base64URL.encode([0xFB, 0xFF]) == "-_8=")
        #expect(try Base64URL.decode("-_8=") == [0xFB, 0xFF])
        #expect(throws: EncodingError.invalidBase64URLCharacter("+", offset: 0)) { try Base64URL.decode("+/8=") }
        #expect(throws: EncodingError.invalidBase64URLCharacter("/", offset: 1)) { try Base64URL.decode("-/8=") }
    }

    @Test func randomRoundTripsPaddedAndUnpadded() throws {
        var generator = SeededRandom(seed: 64)
        for length in 0...200 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let encoded = Base64URL.encode(bytes)
            #expect(encoded.utf8.count == (length + 2) / 3 * 4)
            #expect(try Base64URL.decode(encoded, requirePadding: true) == bytes)
            #expect(try Base64URL.decode(encoded) == bytes)
            let unpadded = encoded.prefix { $0 != "=" }
            #expect(try Base64URL.decode(unpadded) == bytes, "unpadded, length \(length)")
            #expect(Base64URL.encode(bytes[...]) == encoded)
            #expect(Base64URL.encode(bytes.lazy.map { $0 }) == encoded)
        }
    }

    @Test(arguments: [
        ("Z", 1), ("Zm9vY", 5), ("Zg=", 3), ("Zm9v=", 5), ("Zm9vYg=", 7),
    ])
    func rejectsImpossibleLengths(input: String, length: Int) {
        #expect(throws: EncodingError.invalidBase64URLLength(length)) { try Base64URL.decode(input) }
        #expect(throws: EncodingError.invalidBase64URLLength(length)) { try Base64URL.decode(input, requirePadding: true) }
    }

    @Test func atMostTwoPaddingCharacters() {
        // Only two '=' can be padding; an earlier one is an invalid character.
        #expect(throws: EncodingError.invalidBase64URLCharacter("=", offset: 1)) { try Base64URL.decode("Z===") }
        #expect(throws: EncodingError.invalidBase64URLCharacter("=", offset: 2)) { try Base64URL.decode("Zg===") }
    }

    @Test func requirePaddingRejectsUnpaddedInput() throws {
        #expect(throws: EncodingError.missingBase64URLPadding) { try Base64URL.decode("Zg", requirePadding: true) }
        #expect(throws: EncodingError.missingBase64URLPadding) { try Base64URL.decode("Zm8", requirePadding: true) }
        // The cojson observation in §2.2: "encrypted_UAA" fails to decode in Rust.
        #expect(throws: EncodingError.missingBase64URLPadding) { try Base64URL.decode("AA", requirePadding: true) }
        #expect(try Base64URL.decode("AA") == [0])
        #expect(try Base64URL.decode("Zg") == Array("f".utf8))
        #expect(try Base64URL.decode("Zm8") == Array("fo".utf8))
    }

    @Test func requirePaddingRejectsNonZeroTrailingBits() throws {
        // "Zh==" carries the bits of "f" plus a stray 1 bit in the unused part.
        #expect(throws: EncodingError.nonCanonicalBase64URLTrailingBits) { try Base64URL.decode("Zh==", requirePadding: true) }
        #expect(throws: EncodingError.nonCanonicalBase64URLTrailingBits) { try Base64URL.decode("Zm9=", requirePadding: true) }
        // The lenient (JavaScript) decoder ignores them.
        #expect(try Base64URL.decode("Zh==") == Array("f".utf8))
        #expect(try Base64URL.decode("Zm9=") == Array("fo".utf8))
    }

    @Test(arguments: [
        ("Zm9v Zg==", Character(" "), 4),
        ("Zm9v\nZg==", Character("\n"), 4),
        ("Z=g=", Character("="), 1),
        ("====", Character("="), 0),
        ("Zm9vé===", Character("é"), 4),
        ("Zm9vYé", Character("é"), 5),
        ("Zé9v", Character("é"), 1),
        ("Zm9v.", Character("."), 4),
        ("\u{1F600}Zm9", Character("\u{1F600}"), 0),
    ])
    func rejectsInvalidCharacters(input: String, character: Character, offset: Int) {
        #expect(throws: EncodingError.invalidBase64URLCharacter(character, offset: offset)) { try Base64URL.decode(input) }
    }

    @Test func errorDescriptionsExplain() {
        #expect(EncodingError.missingBase64URLPadding.description.contains("padding"))
        #expect(EncodingError.invalidBase64URLLength(5).description.contains("5"))
        #expect(EncodingError.invalidBase64URLCharacter("+", offset: 3).description.contains("offset 3"))
        #expect(EncodingError.nonCanonicalBase64URLTrailingBits.description.contains("bits"))
    }
}
