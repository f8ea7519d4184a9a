/// What caro keeps out of history, applied before anything is stored (so nothing excluded can sync):
/// the user's patterns (regular expressions; a match drops the entry) and the built-in secret rules
/// (``SecretRule/all``; on unless turned off), which drop or redact.
///
/// Patterns are compiled once, when the value is made, and only if there are any.
public struct Exclusions {
    /// What happens to one text (or one entry).
    public enum Verdict: Equatable, Sendable {
        /// Nothing matched: stored as is.
        case keep
        /// Secrets were replaced by `****`; `rules` names the rules that matched.
        case redact(rules: [String])
        /// Not stored; `rule` is the user pattern (`pattern '…'`) or built-in rule that matched.
        case drop(rule: String)

        /// True unless nothing matched.
        public var matched: Bool { self != .keep }
    }

    /// The result of screening one text: the verdict and the text to store (nil when dropped).
    public struct Screened: Equatable, Sendable {
        public var verdict: Verdict
        public var text: String?
    }

    private let patterns: [(source: String, regex: Regex<AnyRegexOutput>)]
    private let builtins: [SecretRule]

    /// Compiles `patterns`; throws ``CaroError/invalidArgument(_:)`` for the first that does not compile.
    public init(patterns: [String], builtinRules: Bool) throws(CaroError) {
        var compiled: [(String, Regex<AnyRegexOutput>)] = []
        for pattern in patterns { compiled.append((pattern, try Self.compile(pattern))) }
        self.patterns = compiled
        builtins = builtinRules ? SecretRule.all : []
    }

    /// Compiles one user pattern, or explains why it does not compile.
    public static func compile(_ pattern: String) throws(CaroError) -> Regex<AnyRegexOutput> {
        guard !pattern.isEmpty else {
            throw .invalidArgument("The exclusion pattern is empty: give a regular expression, e.g. 'secret|token'.")
        }
        do {
            return try Regex(pattern)
        } catch {
            throw .invalidArgument(
                "The exclusion pattern '\(pattern)' is not a valid regular expression (\(error)): fix it and try again; nothing was stored.")
        }
    }

    /// Screens one text (a command, prompt or explanation).
    public func screen(_ text: String) -> Screened {
        for (source, regex) in patterns where (try? regex.firstMatch(in: text)) != nil {
            return Screened(verdict: .drop(rule: "pattern '\(source)'"), text: nil)
        }
        guard !builtins.isEmpty else { return Screened(verdict: .keep, text: text) }
        let bytes = Array(text.utf8)
        let scanned = ScannedText(bytes)
        var ranges: [Range<Int>] = []
        var names: [String] = []
        for rule in builtins where rule.mayMatch(scanned) {
            let found = rule.find(scanned)
            guard !found.isEmpty else { continue }
            if rule.action == .drop { return Screened(verdict: .drop(rule: rule.name), text: nil) }
            ranges += found
            if !names.contains(rule.name) { names.append(rule.name) }
        }
        guard !ranges.isEmpty else { return Screened(verdict: .keep, text: text) }
        return Screened(verdict: .redact(rules: names), text: String(decoding: SecretScan.redact(bytes, ranges: ranges), as: UTF8.self))
    }

    /// Screens every text field of an entry (command, prompt, explanation, each tag): dropped if any
    /// field is dropped, otherwise each field redacted where needed. Returns the verdict for the whole entry.
    public func screen(_ entry: inout NewHistoryEntry) -> Verdict {
        var redacted: [String] = []
        var dropped: Verdict?
        // The screened text, or nil when the field drops the entry (`dropped` says why).
        func screened(_ text: String) -> String? {
            let result = screen(text)
            switch result.verdict {
            case .drop:
                dropped = result.verdict
                return nil
            case .redact(let rules): redacted += rules.filter { !redacted.contains($0) }
            case .keep: break
            }
            return result.text ?? text
        }
        if let prompt = entry.prompt {
            guard let text = screened(prompt) else { return dropped ?? .keep }
            entry.prompt = text
        }
        if let explanation = entry.explanation {
            guard let text = screened(explanation) else { return dropped ?? .keep }
            entry.explanation = text
        }
        if !entry.tags.isEmpty {
            var tags: [String] = []
            for tag in entry.tags {
                guard let text = screened(tag) else { return dropped ?? .keep }
                tags.append(text)
            }
            entry.tags = tags
        }
        guard let command = screened(entry.command) else { return dropped ?? .keep }
        entry.command = command
        return redacted.isEmpty ? .keep : .redact(rules: redacted)
    }
}
