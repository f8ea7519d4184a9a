import Foundation
import Testing
import JazzProto

@Suite("BIP39 recovery phrases")
struct BIP39Tests {
    /// The SHA-256 of the official english.txt (one word per line, trailing newline).
    static let officialWordlistSHA256 = "2f5eed53a4727b4bf8880d8f3f199efc90e58503646d9ff8eff3a2ed3b24dbda"

    /// Fixtures/bip39/vectors.json, made by Fixtures/bip39/make-vectors.py with python-mnemonic.
    static func bip39Vectors() throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Fixtures.data("bip39/vectors.json"))
        guard let dictionary = object as? [String: Any] else { throw FixtureError.notAnObject("bip39/vectors.json") }
        return dictionary
    }

    // MARK: Word list and SHA-256

    @Test func wordlistIsTheOfficialEnglishList() throws {
        let words = BIP39.englishWordlist
        #expect(words.count == 2048)
        #expect(Set(words).count == 2048)
        #expect(words == words.sorted())
        #expect(words.first == "abandon")
        #expect(words.last == "zoo")
        let file = words.joined(separator: "\n") + "\n"
        #expect(Hex.encode(SHA256.hash(Array(file.utf8))) == Self.officialWordlistSHA256)
        // Words are unique in their first four letters (the property suggestions rely on).
        #expect(Set(words.map { String($0.prefix(4)) }).count == 2048)
        let vectors = try Self.bip39Vectors()
        #expect(try vectors.object("producedBy").string("wordlistSha256") == Self.officialWordlistSHA256)
        Fixtures.report("bip39/vectors.json", "wordlist", count: words.count)
    }

    @Test func sha256KnownAnswers() {
        // FIPS 180-2 examples.
        #expect(Hex.encode(SHA256.hash([UInt8]())) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Hex.encode(SHA256.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Hex.encode(SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        // Any collection of bytes, e.g. a slice.
        let bytes: [UInt8] = Array("xabcx".utf8)
        #expect(SHA256.hash(bytes[1..<4]) == SHA256.hash(Array("abc".utf8)))
    }

    // MARK: Jazz golden vectors

    @Test func accountsSeedToPassphraseAndBack() throws {
        let accounts = try Fixtures.jazz("keys.json").objects("accounts")
        #expect(!accounts.isEmpty)
        for account in accounts {
            let seed = Hex.decode(try account.string("secretSeedHex"))
            let passphrase = try account.string("passphrase")
            #expect(seed.count == 32)
            #expect(try BIP39.phrase(fromEntropy: seed) == passphrase)
            #expect(try BIP39.secretSeed(fromPhrase: passphrase) == seed)
            #expect(try BIP39.entropy(fromPhrase: passphrase) == seed)
        }
        Fixtures.report("keys.json", "accounts", count: accounts.count)
    }

    @Test func passphraseToSeed() throws {
        let cases = try Fixtures.jazz("keys.json").objects("passphraseToSeed")
        #expect(!cases.isEmpty)
        for testCase in cases {
            let passphrase = try testCase.string("passphrase")
            let seed = try testCase.string("secretSeedHex")
            #expect(Hex.encode(try BIP39.secretSeed(fromPhrase: passphrase)) == seed)
            #expect(try BIP39.phrase(fromEntropy: Hex.decode(seed)) == passphrase)
        }
        Fixtures.report("keys.json", "passphraseToSeed", count: cases.count)
    }

    @Test func invalidPassphrases() throws {
        let cases = try Fixtures.jazz("keys.json").objects("invalidPassphrases")
        #expect(!cases.isEmpty)
        for testCase in cases {
            let passphrase = try testCase.string("passphrase")
            #expect(testCase["valid"] as? Bool == false)
            let wordCount = passphrase.split(separator: " ").count
            // Each known case: 24 × "abandon" (checksum) or 3 words (count).
            let expected: PassphraseError = wordCount == 24 ? .badChecksum : .wrongWordCount(wordCount)
            #expect(throws: expected) { try BIP39.secretSeed(fromPhrase: passphrase) }
            #expect(throws: expected) { try BIP39.entropy(fromPhrase: passphrase) }
        }
        Fixtures.report("keys.json", "invalidPassphrases", count: cases.count)
    }

    @Test func protocolDocWorkedVectors() throws {
        // jazz-protocol-core.md §7.
        let zero = [UInt8](repeating: 0, count: 32)
        let zeroPhrase = Array(repeating: "abandon", count: 23).joined(separator: " ") + " art"
        #expect(try BIP39.phrase(fromEntropy: zero) == zeroPhrase)
        #expect(try BIP39.secretSeed(fromPhrase: zeroPhrase) == zero)

        let counting = (0..<32).map { UInt8($0) }
        let countingPhrase = "abandon amount liar amount expire adjust cage candy arch gather drum bullet absurd "
            + "math era live bid rhythm alien crouch range attend journey unaware"
        #expect(try BIP39.phrase(fromEntropy: counting) == countingPhrase)
        #expect(try BIP39.secretSeed(fromPhrase: countingPhrase) == counting)
        Fixtures.report("jazz-protocol-core.md", "§7 worked vectors", count: 2)
    }

    // MARK: python-mnemonic vectors

    @Test func entropyPhraseVectors() throws {
        let vectors = try Self.bip39Vectors().objects("vectors")
        #expect(vectors.count >= 20)
        var lengths: Set<Int> = []
        for vector in vectors {
            let entropy = Hex.decode(try vector.string("entropyHex"))
            let phrase = try vector.string("phrase")
            lengths.insert(entropy.count)
            #expect(try BIP39.phrase(fromEntropy: entropy) == phrase)
            #expect(try BIP39.entropy(fromPhrase: phrase) == entropy)
            #expect(phrase.split(separator: " ").count == vector["wordCount"] as? Int)
            if entropy.count == 32 {
                #expect(try BIP39.secretSeed(fromPhrase: phrase) == entropy)
            } else {
                #expect(throws: PassphraseError.notASecretSeedLength(wordCount: entropy.count * 3 / 4)) {
                    try BIP39.secretSeed(fromPhrase: phrase)
                }
            }
        }
        #expect(lengths == [16, 20, 24, 28, 32])
        Fixtures.report("bip39/vectors.json", "vectors", count: vectors.count)
    }

    @Test func badChecksumVectors() throws {
        let cases = try Self.bip39Vectors().objects("badChecksum")
        #expect(!cases.isEmpty)
        for testCase in cases {
            let phrase = try testCase.string("phrase")
            #expect(throws: PassphraseError.badChecksum) { try BIP39.entropy(fromPhrase: phrase) }
        }
        Fixtures.report("bip39/vectors.json", "badChecksum", count: cases.count)
    }

    // MARK: Presentation leniency

    @Test func lenientPresentationDecodesToTheSameSeed() throws {
        let account = try #require(try Fixtures.jazz("keys.json").objects("accounts").first)
        let canonical = try account.string("passphrase")
        let seed = Hex.decode(try account.string("secretSeedHex"))
        let variants = [
            "  " + canonical + " \n",
            canonical.uppercased(),
            canonical.replacingOccurrences(of: " ", with: "\n"),
            canonical.replacingOccurrences(of: " ", with: " \t  "),
            canonical.prefix(1).uppercased() + canonical.dropFirst(),
        ]
        for variant in variants {
            #expect(try BIP39.secretSeed(fromPhrase: variant) == seed)
        }
        // Encoding always produces the canonical form.
        #expect(try BIP39.phrase(fromEntropy: seed) == canonical)
        Fixtures.report("keys.json", "lenient variants", count: variants.count)
    }

    // MARK: Errors

    @Test func wrongWordCount() throws {
        #expect(throws: PassphraseError.wrongWordCount(0)) { try BIP39.entropy(fromPhrase: "") }
        #expect(throws: PassphraseError.wrongWordCount(0)) { try BIP39.secretSeed(fromPhrase: "  \n ") }
        let twentyThree = Array(repeating: "abandon", count: 23).joined(separator: " ")
        #expect(throws: PassphraseError.wrongWordCount(23)) { try BIP39.secretSeed(fromPhrase: twentyThree) }
        let twentyFive = twentyThree + " art zoo"
        #expect(throws: PassphraseError.wrongWordCount(25)) { try BIP39.entropy(fromPhrase: twentyFive) }
        #expect(PassphraseError.wrongWordCount(23).description.contains("24 words"))
        #expect(PassphraseError.wrongWordCount(23).description.contains("23"))
    }

    @Test func unknownWordWithPositionAndSuggestion() throws {
        var words = Array(repeating: "abandon", count: 23) + ["art"]
        words[4] = "abandn"
        let phrase = words.joined(separator: " ")
        let error = #expect(throws: PassphraseError.self) { try BIP39.secretSeed(fromPhrase: phrase) }
        guard case .unknownWord(let position, let word, let suggestions) = error else {
            Issue.record("expected unknownWord, got \(String(describing: error))")
            return
        }
        #expect(position == 5)
        #expect(word == "abandn")
        #expect(suggestions.first == "abandon")
        let message = try #require(error).description
        #expect(message.hasPrefix("word 5 \"abandn\" is not in the BIP39 English word list; did you mean \"abandon\""))

        // The first unknown word is reported, as typed, even when several are wrong.
        words[9] = "Zooo"
        words[2] = "Qwerty"
        #expect(throws: PassphraseError.unknownWord(position: 3, word: "Qwerty", suggestions: BIP39.suggestions(for: "Qwerty"))) {
            try BIP39.entropy(fromPhrase: words.joined(separator: " "))
        }
        // An unknown word in a 12-word phrase: 12 is a BIP39 length, so entropy() reports the word,
        // while secretSeed() reports that 12 words can never be a Jazz phrase.
        let twelve = (Array(repeating: "abandon", count: 11) + ["abuot"]).joined(separator: " ")
        #expect(throws: PassphraseError.unknownWord(position: 12, word: "abuot", suggestions: BIP39.suggestions(for: "abuot"))) {
            try BIP39.entropy(fromPhrase: twelve)
        }
        #expect(throws: PassphraseError.notASecretSeedLength(wordCount: 12)) { try BIP39.secretSeed(fromPhrase: twelve) }
    }

    @Test func unknownWordMessages() {
        let none = PassphraseError.unknownWord(position: 2, word: "xq", suggestions: [])
        #expect(none.description == "word 2 \"xq\" is not in the BIP39 English word list; check its spelling")
        let two = PassphraseError.unknownWord(position: 7, word: "tee", suggestions: ["tent", "tree"])
        #expect(two.description == "word 7 \"tee\" is not in the BIP39 English word list; did you mean \"tent\" or \"tree\"?")
        let three = PassphraseError.unknownWord(position: 1, word: "b", suggestions: ["a", "c", "d"])
        #expect(three.description.hasSuffix("did you mean \"a\", \"c\" or \"d\"?"))
    }

    @Test func suggestions() {
        // A unique four-letter prefix is the strongest hint, however the rest is mangled.
        #expect(BIP39.suggestions(for: "abandn").first == "abandon")
        #expect(BIP39.suggestions(for: "aban").first == "abandon")
        #expect(BIP39.suggestions(for: "abanxxxxxxxx").first == "abandon")
        #expect(BIP39.suggestions(for: "ABANDN").first == "abandon")
        // Swapped neighbouring letters, a missing letter, an extra letter, a wrong letter.
        #expect(BIP39.suggestions(for: "abuot").first == "about")
        #expect(BIP39.suggestions(for: "zo").contains("zoo"))
        #expect(BIP39.suggestions(for: "zooo").first == "zoo")
        #expect(BIP39.suggestions(for: "liat").contains("liar"))
        // Limits and hopeless input.
        #expect(BIP39.suggestions(for: "abandn", limit: 1) == ["abandon"])
        #expect(BIP39.suggestions(for: "abandn", limit: 0).isEmpty)
        // Ranking: distance, then shared prefix, then list order ("bat" has six words at distance 1).
        #expect(BIP39.suggestions(for: "bat") == ["bag", "bar", "boat"])
        #expect(BIP39.suggestions(for: "bat", limit: 10) == ["bag", "bar", "boat", "cat", "fat", "hat"])
        #expect(BIP39.suggestions(for: "ocen") == ["ocean", "open", "oven"])
        #expect(BIP39.suggestions(for: "").isEmpty)
        #expect(BIP39.suggestions(for: "qqqqqqqqqqqq").isEmpty)
        // Every suggestion is a list word, and a list word suggests itself first.
        let list = Set(BIP39.englishWordlist)
        for word in ["tre", "abandn", "xylophone", "moon", "ocen"] {
            #expect(BIP39.suggestions(for: word).allSatisfy(list.contains))
        }
        #expect(BIP39.suggestions(for: "ocean").first == "ocean")
    }

    @Test func badChecksumBySwappingTwoWords() throws {
        let countingPhrase = try BIP39.phrase(fromEntropy: (0..<32).map { UInt8($0) })
        var words = countingPhrase.split(separator: " ").map(String.init)
        words.swapAt(1, 2)  // amount <-> liar
        #expect(throws: PassphraseError.badChecksum) { try BIP39.secretSeed(fromPhrase: words.joined(separator: " ")) }
        #expect(PassphraseError.badChecksum.description.contains("checksum"))
        #expect(PassphraseError.badChecksum.description.contains("swapped"))
    }

    @Test func validTwelveWordPhraseIsNotASecretSeed() throws {
        let twelve = try BIP39.phrase(fromEntropy: [UInt8](repeating: 0, count: 16))
        #expect(twelve == Array(repeating: "abandon", count: 11).joined(separator: " ") + " about")
        #expect(try BIP39.entropy(fromPhrase: twelve) == [UInt8](repeating: 0, count: 16))
        #expect(throws: PassphraseError.notASecretSeedLength(wordCount: 12)) { try BIP39.secretSeed(fromPhrase: twelve) }
        #expect(PassphraseError.notASecretSeedLength(wordCount: 12).description
            .hasPrefix("Jazz recovery phrases have 24 words (256 bits); this one has 12"))
    }

    @Test func invalidEntropyLengths() {
        for length in [0, 1, 15, 17, 31, 33, 64] {
            #expect(throws: PassphraseError.invalidEntropyLength(length)) {
                try BIP39.phrase(fromEntropy: [UInt8](repeating: 7, count: length))
            }
        }
        #expect(PassphraseError.invalidEntropyLength(31).description.contains("31"))
    }

    @Test func randomRoundTrips() throws {
        var generator = SystemRandomNumberGenerator()
        for length in [16, 20, 24, 28, 32] {
            for _ in 0..<50 {
                let entropy = (0..<length).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
                let phrase = try BIP39.phrase(fromEntropy: entropy)
                #expect(phrase.split(separator: " ").count == length * 3 / 4)
                #expect(try BIP39.entropy(fromPhrase: phrase) == entropy)
            }
        }
    }
}
