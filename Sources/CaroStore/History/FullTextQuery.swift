/// What the words of a search become: an FTS5 expression, or (when FTS5 could not use them) a literal
/// substring to look for.
public enum FullTextQuery: Sendable, Equatable {
    /// An FTS5 MATCH expression: each bare word a quoted prefix (`"git"*`), each `"…"` a phrase, all required.
    case match(String)
    /// Text with nothing FTS5 indexes (only punctuation, e.g. `&&` or `|`): searched as a literal substring.
    case substring(String)

    /// Translates what a user typed. Blank text gives nil (no text filter). Never fails: text FTS5
    /// cannot use becomes a substring search.
    public init?(_ text: String) {
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty else { return nil }
        var terms: [String] = []
        for term in Self.terms(of: trimmed) {
            let body = term.text.replacing("\"", with: "\"\"")
            guard term.text.contains(where: { $0.isLetter || $0.isNumber }) else {
                self = .substring(trimmed)
                return
            }
            terms.append(term.phrase ? "\"\(body)\"" : "\"\(body)\"*")
        }
        self = terms.isEmpty ? .substring(trimmed) : .match(terms.joined(separator: " "))
    }

    /// The words and quoted phrases of `text`; an unclosed quote runs to the end.
    static func terms(of text: String) -> [(text: String, phrase: Bool)] {
        var terms: [(text: String, phrase: Bool)] = []
        var current = ""
        var inQuotes = false
        func flush(phrase: Bool) {
            if !current.isEmpty { terms.append((current, phrase)) }
            current = ""
        }
        for character in text {
            if character == "\"" {
                flush(phrase: inQuotes)
                inQuotes.toggle()
            } else if character.isWhitespace && !inQuotes {
                flush(phrase: false)
            } else {
                current.append(character)
            }
        }
        flush(phrase: inQuotes)
        return terms
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
