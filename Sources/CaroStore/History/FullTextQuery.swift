/// What the text of a search becomes: prefix terms for plain words, FTS5 syntax as typed, or (when
/// FTS5 cannot use the text) a literal substring.
public enum FullTextQuery: Sendable, Equatable {
    /// Plain words (letters, digits, `_`): each a quoted prefix (`"git"*`), all required.
    case match(String)
    /// Text with FTS5 syntax (`"a phrase"`, `kube*`, `a OR b`, `-la`, `/etc/hosts`): tried as typed; if
    /// FTS5 rejects it, it is searched as a literal substring instead.
    case raw(String)
    /// A literal substring of the command, prompt or explanation (case-insensitive for ASCII).
    case substring(String)

    /// Translates what a user typed. Blank text gives nil (no text filter).
    public init?(_ text: String) {
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty else { return nil }
        let words = trimmed.split(whereSeparator: \.isWhitespace)
        guard words.allSatisfy(Self.isPlainWord) else {
            self = .raw(trimmed)
            return
        }
        self = .match(words.map { "\"\($0)\"*" }.joined(separator: " "))
    }

    /// A word FTS5 reads as one bare term: letters, digits, `_` and non-ASCII only, and not an operator.
    static func isPlainWord(_ word: Substring) -> Bool {
        guard !["AND", "OR", "NOT", "NEAR"].contains(word) else { return false }
        return word.unicodeScalars.allSatisfy { scalar in
            scalar.value >= 0x80 || scalar == "_" || (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar))
        }
    }
}

extension String {
    func trimmingWhitespace() -> String {
        guard let first = firstIndex(where: { !$0.isWhitespace }), let last = lastIndex(where: { !$0.isWhitespace }) else {
            return ""
        }
        return String(self[first...last])
    }
}
