/// BIP39 mnemonics (English wordlist) as jazz-tools' passphrase login uses them: the phrase encodes the raw secret seed.
///
/// jazz-tools' `PassphraseAuth` shows `entropyToMnemonic(secretSeed, english)` as the recovery phrase and logs in
/// with `mnemonicToEntropy(phrase, english)`: the 32-byte secret seed *is* the BIP39 entropy (24 words). The BIP39
/// PBKDF2 "seed" and BIP39 passphrases are never used.
///
/// Encoding: the entropy bits followed by the first `entropyBits / 32` bits of SHA-256(entropy) are cut into
/// 11-bit groups, most significant bit first; each group is an index into the 2048-word list.
public enum BIP39: Sendable {
    /// The 2048 BIP39 English words in list order (a word's position is its 11-bit value).
    public static var englishWordlist: [String] { BIP39Wordlist.english }

    /// Word -> 11-bit index, built on first use.
    private static let englishIndex: [String: Int] = {
        var index: [String: Int] = [:]
        index.reserveCapacity(BIP39Wordlist.english.count)
        for (position, word) in BIP39Wordlist.english.enumerated() { index[word] = position }
        return index
    }()

    /// Entropy lengths BIP39 defines, in bytes (128…256 bits in steps of 32).
    private static let entropyByteCounts: Set<Int> = [16, 20, 24, 28, 32]

    /// Phrase lengths BIP39 defines, in words.
    private static let wordCounts: Set<Int> = [12, 15, 18, 21, 24]

    /// The byte length of a Jazz secret seed, and the word count of its phrase.
    private static let secretSeedByteCount = 32
    private static let secretSeedWordCount = 24

    /// 16/20/24/28/32 bytes of entropy -> 12..24 words joined by single spaces.
    public static func phrase(fromEntropy entropy: [UInt8]) throws(PassphraseError) -> String {
        guard entropyByteCounts.contains(entropy.count) else {
            throw .invalidEntropyLength(entropy.count)
        }
        // The checksum is at most 8 bits (256 / 32), so the first digest byte always suffices.
        let bits = entropy + [SHA256.hash(entropy)[0]]
        let wordCount = (entropy.count * 8 + entropy.count / 4) / 11
        let words = BIP39Wordlist.english
        var phraseWords: [String] = []
        phraseWords.reserveCapacity(wordCount)
        for wordIndex in 0..<wordCount {
            phraseWords.append(words[readBits(bits, from: wordIndex * 11, count: 11)])
        }
        return phraseWords.joined(separator: " ")
    }

    /// Words -> entropy. Lenient on presentation only: trims, splits on any run of whitespace, lowercases
    /// (the canonical phrase decodes to the same entropy). Checks word count (12,15,18,21,24), each word, checksum.
    ///
    /// Errors come in that order: a wrong word count first, then the first word not in the list, then the checksum.
    public static func entropy(fromPhrase phrase: String) throws(PassphraseError) -> [UInt8] {
        let words = splitWords(phrase)
        guard wordCounts.contains(words.count) else {
            throw .wrongWordCount(words.count)
        }
        var indices: [Int] = []
        indices.reserveCapacity(words.count)
        for (offset, word) in words.enumerated() {
            guard let index = englishIndex[word.lowercased()] else {
                throw .unknownWord(position: offset + 1, word: word, suggestions: suggestions(for: word))
            }
            indices.append(index)
        }

        let totalBits = indices.count * 11
        let checksumBits = totalBits / 33  // ENT + ENT/32 = 33 * ENT/32
        let entropyBytes = (totalBits - checksumBits) / 8
        var bits = [UInt8](repeating: 0, count: (totalBits + 7) / 8)
        for (wordIndex, index) in indices.enumerated() {
            writeBits(&bits, value: index, at: wordIndex * 11, count: 11)
        }
        let entropy = Array(bits[0..<entropyBytes])
        let storedChecksum = readBits(bits, from: entropyBytes * 8, count: checksumBits)
        let expectedChecksum = Int(SHA256.hash(entropy)[0] >> (8 - checksumBits))
        guard storedChecksum == expectedChecksum else {
            throw .badChecksum
        }
        return entropy
    }

    /// The 24-word phrase -> 32-byte Jazz secret seed (rejects 12–21 word phrases with a clear error:
    /// Jazz needs exactly 32 bytes).
    ///
    /// A 12, 15, 18 or 21 word phrase is rejected with ``PassphraseError/notASecretSeedLength(wordCount:)``
    /// before its words are checked: whatever it decodes to, it cannot be a Jazz recovery phrase.
    public static func secretSeed(fromPhrase phrase: String) throws(PassphraseError) -> [UInt8] {
        let wordCount = splitWords(phrase).count
        if wordCounts.contains(wordCount), wordCount != secretSeedWordCount {
            throw .notASecretSeedLength(wordCount: wordCount)
        }
        let seed = try entropy(fromPhrase: phrase)
        guard seed.count == secretSeedByteCount else {
            // Unreachable given the word-count check above; kept so a future change cannot return a short seed.
            throw .notASecretSeedLength(wordCount: wordCount)
        }
        return seed
    }

    /// Up to `limit` wordlist words closest to `word` (edit distance, then shared prefix), for error messages.
    ///
    /// BIP39 English words are unique in their first four letters, so when `word` has at least four letters and
    /// they start exactly one list word, that word comes first. The rest are ranked by edit distance (insertions,
    /// deletions, substitutions and swaps of neighbouring letters each cost 1), then by the length of the prefix
    /// shared with `word`, then by list order; words too far away to be a plausible typo are left out.
    public static func suggestions(for word: String, limit: Int = 3) -> [String] {
        guard limit > 0 else { return [] }
        let typed = Array(word.lowercased().filter { !$0.isWhitespace })
        guard !typed.isEmpty else { return [] }

        var result: [String] = []
        if typed.count >= 4 {
            let prefix = typed.prefix(4)
            let matches = BIP39Wordlist.english.filter { Array($0).prefix(4) == prefix }
            if matches.count == 1, let strong = matches.first {
                result.append(strong)
            }
        }

        // Allow roughly one edit per three letters, at least 1 and at most 3.
        let maximumDistance = min(3, max(1, (typed.count + 2) / 3))
        var candidates: [(distance: Int, sharedPrefix: Int, position: Int, word: String)] = []
        for (position, candidate) in BIP39Wordlist.english.enumerated() where !result.contains(candidate) {
            let letters = Array(candidate)
            guard abs(letters.count - typed.count) <= maximumDistance else { continue }
            let distance = editDistance(typed, letters)
            guard distance <= maximumDistance else { continue }
            candidates.append((distance, sharedPrefixLength(typed, letters), position, candidate))
        }
        candidates.sort { lhs, rhs in
            if lhs.distance != rhs.distance { return lhs.distance < rhs.distance }
            if lhs.sharedPrefix != rhs.sharedPrefix { return lhs.sharedPrefix > rhs.sharedPrefix }
            return lhs.position < rhs.position
        }
        for candidate in candidates where result.count < limit {
            result.append(candidate.word)
        }
        return Array(result.prefix(limit))
    }

    // MARK: - Helpers

    /// The phrase's words: split on any run of whitespace, with leading and trailing whitespace ignored.
    private static func splitWords(_ phrase: String) -> [String] {
        phrase.split(whereSeparator: { $0.isWhitespace }).map(String.init)
    }

    /// Reads `count` (≤ 63) bits starting at bit `start` (MSB-first) as an unsigned integer.
    private static func readBits(_ bytes: [UInt8], from start: Int, count: Int) -> Int {
        var value = 0
        for bit in start..<(start + count) {
            value = value << 1 | Int(bytes[bit / 8] >> (7 - UInt8(bit % 8)) & 1)
        }
        return value
    }

    /// Writes the low `count` bits of `value` at bit `start` (MSB-first) into `bytes`, which must be zeroed there.
    private static func writeBits(_ bytes: inout [UInt8], value: Int, at start: Int, count: Int) {
        for offset in 0..<count where (value >> (count - 1 - offset)) & 1 == 1 {
            let bit = start + offset
            bytes[bit / 8] |= 0x80 >> UInt8(bit % 8)
        }
    }

    /// Optimal-string-alignment distance: Levenshtein plus transposition of adjacent letters.
    private static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previousPrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var best = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    best = min(best, previousPrevious[j - 2] + 1)
                }
                current[j] = best
            }
            (previousPrevious, previous, current) = (previous, current, previousPrevious)
        }
        return previous[b.count]
    }

    /// The number of leading letters `a` and `b` share.
    private static func sharedPrefixLength(_ a: [Character], _ b: [Character]) -> Int {
        var length = 0
        while length < a.count, length < b.count, a[length] == b[length] { length += 1 }
        return length
    }
}

/// Why a recovery phrase (or entropy) was rejected.
public enum PassphraseError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The phrase does not have 12, 15, 18, 21 or 24 words (the associated value is the count found).
    case wrongWordCount(Int)
    /// The word at 1-based `position` (as typed) is not in the BIP39 English list; `suggestions` are close words.
    case unknownWord(position: Int, word: String, suggestions: [String])
    /// Every word is in the list but the checksum bits do not match the entropy: a word is wrong or misplaced.
    case badChecksum
    /// A valid-length BIP39 phrase that is shorter than the 24 words a 32-byte Jazz secret seed needs.
    case notASecretSeedLength(wordCount: Int)
    /// Entropy to encode was not 16, 20, 24, 28 or 32 bytes long (the associated value is the length given).
    case invalidEntropyLength(Int)

    public var description: String {
        switch self {
        case .wrongWordCount(let count):
            return "the recovery phrase has \(count) word\(count == 1 ? "" : "s"); a Jazz recovery phrase has "
                + "exactly 24 words separated by spaces — check that the whole phrase was copied"
        case .unknownWord(let position, let word, let suggestions):
            let base = "word \(position) \"\(word)\" is not in the BIP39 English word list"
            guard let last = suggestions.last else {
                return base + "; check its spelling"
            }
            let quoted = suggestions.map { "\"\($0)\"" }
            let alternatives = suggestions.count == 1
                ? quoted[0]
                : quoted.dropLast().joined(separator: ", ") + " or \"\(last)\""
            return base + "; did you mean \(alternatives)?"
        case .badChecksum:
            return "all words are valid but the checksum does not match — a word is wrong or two are swapped; "
                + "check the phrase"
        case .notASecretSeedLength(let wordCount):
            return "Jazz recovery phrases have 24 words (256 bits); this one has \(wordCount) — it cannot encode "
                + "a 32-byte secret seed"
        case .invalidEntropyLength(let count):
            return "BIP39 entropy must be 16, 20, 24, 28 or 32 bytes (a Jazz secret seed is 32); got \(count) bytes"
        }
    }
}
