/// One built-in secret filter: its name (as `caro exclude test` reports it), what it does, and a
/// hand-written matcher over UTF-8 bytes (no regular expression to compile on every `history add`).
public struct SecretRule: Sendable {
    /// What a rule does with an entry whose text it matches.
    public enum Action: String, Sendable, Codable {
        /// The entry is not recorded at all.
        case drop
        /// The secret is replaced by `****` (keeping a recognisable prefix); the rest is recorded.
        case redact
    }

    public let name: String
    public let action: Action
    /// What it matches, for `caro exclude list` and `Docs/privacy.md`.
    public let summary: String
    /// The byte ranges to replace by `****` in `text` (for a `drop` rule: any non-empty result means a match).
    let find: @Sendable (_ text: ScannedText) -> [Range<Int>]
    /// The rule can match only a text that has every byte of one of these sets (ASCII case ignored): most
    /// texts skip most rules with a few bit operations, without calling `find`.
    let triggers: [ByteSet]

    init(name: String, action: Action, summary: String, literals: [[UInt8]], find: @escaping @Sendable (_ text: ScannedText) -> [Range<Int>]) {
        self.name = name
        self.action = action
        self.summary = summary
        self.find = find
        triggers = literals.map { literal in
            var set = ByteSet()
            for byte in literal { set.insert(SecretScan.lower(byte)) }
            return set
        }
    }

    /// False when `text` lacks a byte of every literal the rule needs (it cannot match).
    func mayMatch(_ text: ScannedText) -> Bool { triggers.contains { text.mayContain($0) } }

    /// Every built-in rule, in the order they are applied.
    public static let all: [SecretRule] = [
        SecretRule(name: "private-key", action: .drop, summary: "PEM private-key blocks (-----BEGIN … PRIVATE KEY-----)",
                   literals: [SecretScan.pemBegin]) { text in
            guard text.mayContain(SecretScan.pemBegin), let begin = SecretScan.find(SecretScan.pemBegin, in: text.bytes, from: 0),
                SecretScan.find(SecretScan.pemPrivateKey, in: text.bytes, from: begin) != nil
            else { return [] }
            return [begin..<text.bytes.count]
        },
        tokenRule("aws-access-key", summary: "AWS access key IDs (AKIA…, ASIA… + 16 characters)",
                  prefixes: ["AKIA", "ASIA"], minimum: 16, maximum: 16, characters: SecretScan.upperAlphanumeric),
        tokenRule("github-token", summary: "GitHub tokens (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_)",
                  prefixes: ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"], minimum: 30, characters: SecretScan.alphanumeric),
        tokenRule("github-token", summary: "", prefixes: ["github_pat_"], minimum: 22, characters: SecretScan.tokenCharacters),
        tokenRule("gitlab-token", summary: "GitLab personal access tokens (glpat-…)", prefixes: ["glpat-"], minimum: 20,
                  characters: SecretScan.tokenCharacters),
        tokenRule("slack-token", summary: "Slack tokens (xoxa-, xoxb-, xoxp-, xoxr-)", prefixes: ["xoxa-", "xoxb-", "xoxp-", "xoxr-"],
                  minimum: 10, characters: SecretScan.tokenCharacters),
        tokenRule("stripe-key", summary: "Stripe live secret keys (sk_live_…, rk_live_…)", prefixes: ["sk_live_", "rk_live_"],
                  minimum: 16, characters: SecretScan.alphanumeric),
        tokenRule("openai-key", summary: "OpenAI-style API keys (sk-… with 20+ characters, sk-proj-…)", prefixes: ["sk-"],
                  minimum: 20, characters: SecretScan.tokenCharacters),
        SecretRule(name: "bearer-token", action: .redact, summary: "Authorization: Bearer tokens", literals: [SecretScan.bearer]) { text in
            SecretScan.valuesAfter(keyword: SecretScan.bearer, separators: [UInt8(ascii: " "), UInt8(ascii: "\t")], in: text,
                                   requireSeparator: true)
        },
        SecretRule(name: "password-assignment", action: .redact,
                   summary: "password=…, PASSWORD=… (PGPASSWORD, DB_PASSWORD, …), MYSQL_PWD=…, passwd=…",
                   literals: [SecretScan.passwordAssignment, SecretScan.passwdAssignment, SecretScan.mysqlPassword]) { text in
            SecretScan.valuesAfter(keyword: SecretScan.passwordAssignment, separators: [], in: text)
                + SecretScan.valuesAfter(keyword: SecretScan.passwdAssignment, separators: [], in: text)
                + SecretScan.valuesAfter(keyword: SecretScan.mysqlPassword, separators: [], in: text)
        },
        SecretRule(name: "password-option", action: .redact,
                   summary: "--password VALUE, --passwd VALUE, and -pVALUE in mysql/mariadb commands",
                   literals: [SecretScan.shortPasswordOption, SecretScan.passwordOption, SecretScan.passwdOption]) { text in
            SecretScan.mysqlShortPasswords(in: text)
                + SecretScan.valuesAfter(keyword: SecretScan.passwordOption, separators: [UInt8(ascii: " ")], in: text, requireSeparator: true)
                + SecretScan.valuesAfter(keyword: SecretScan.passwdOption, separators: [UInt8(ascii: " ")], in: text,
                                         requireSeparator: true)
        },
        SecretRule(name: "url-credentials", action: .redact, summary: "passwords in URLs (scheme://user:PASSWORD@host)",
                   literals: [SecretScan.schemeSeparator]) { text in
            text.mayContain(SecretScan.schemeSeparator) ? SecretScan.urlPasswords(in: text.bytes) : []
        },
    ]

    /// A rule that redacts `prefix` + at least `minimum` (at most `maximum`) token characters, keeping
    /// the prefix (`ghp_****`).
    static func tokenRule(
        _ name: String, summary: String, prefixes: [String], minimum: Int, maximum: Int = .max, characters: SecretScan.CharacterSet
    ) -> SecretRule {
        let literals = prefixes.map { Array($0.utf8) }
        return SecretRule(name: name, action: .redact, summary: summary, literals: literals) { text in
            literals.flatMap { literal in
                text.mayContain(literal)
                    ? SecretScan.tokens(after: literal, in: text.bytes, minimum: minimum, maximum: maximum, characters: characters) : []
            }
        }
    }
}

/// A text as the rules scan it: its UTF-8 bytes, and an ASCII-lower-cased copy for the keywords that
/// match in any case (made once per text).
struct ScannedText {
    let bytes: [UInt8]
    /// Which byte values occur in the lower-cased text: a literal with a byte that does not occur cannot
    /// match, so most rules skip most commands without scanning them.
    private let present: ByteSet

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        var present = ByteSet()
        for byte in bytes { present.insert(SecretScan.lower(byte)) }
        self.present = present
    }

    /// The text with ASCII letters in lower case, for the keywords that match in any case. Made when a
    /// rule gets past ``mayContain(_:)`` (rarely), not for every text.
    var lowered: [UInt8] { bytes.map(SecretScan.lower) }

    /// False when `literal` cannot occur in the text (compared ignoring ASCII case): some byte is missing.
    func mayContain(_ literal: [UInt8]) -> Bool {
        literal.allSatisfy { present.contains(SecretScan.lower($0)) }
    }

    /// False when some byte of `bytes` (lower-cased) does not occur in the text.
    func mayContain(_ bytes: ByteSet) -> Bool { present.isSuperset(of: bytes) }
}

/// A set of byte values, as 256 bits.
struct ByteSet: Sendable {
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    mutating func insert(_ byte: UInt8) {
        let bit = UInt64(1) << UInt64(byte & 63)
        switch byte >> 6 {
        case 0: words.0 |= bit
        case 1: words.1 |= bit
        case 2: words.2 |= bit
        default: words.3 |= bit
        }
    }

    /// True when every byte of `other` is in this set.
    func isSuperset(of other: ByteSet) -> Bool {
        words.0 & other.words.0 == other.words.0 && words.1 & other.words.1 == other.words.1
            && words.2 & other.words.2 == other.words.2 && words.3 & other.words.3 == other.words.3
    }

    func contains(_ byte: UInt8) -> Bool {
        let bit = UInt64(1) << UInt64(byte & 63)
        switch byte >> 6 {
        case 0: return words.0 & bit != 0
        case 1: return words.1 & bit != 0
        case 2: return words.2 & bit != 0
        default: return words.3 & bit != 0
        }
    }
}
