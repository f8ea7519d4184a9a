/// Reads the option tokens of well-formed command lines for the hot-path readers (``FastAdd``,
/// ``FastSearch``): `--name=value` is split, and a value may also be the next argument unless that looks
/// like an option (then the reader gives nil and the full parser takes over, as argument-parser would).
struct FastOptionReader {
    private let arguments: [String]
    private var index: Int

    init(_ arguments: [String], from index: Int) {
        self.arguments = arguments
        self.index = index
    }

    /// The next token — an option's name with its inline `=value` split off, or a plain word — or nil at the end.
    mutating func next() -> (name: String, inlineValue: String?)? {
        guard index < arguments.count else { return nil }
        let token = arguments[index]
        index += 1
        if token.hasPrefix("--"), let equals = token.firstIndex(of: "=") {
            return (String(token[..<equals]), String(token[token.index(after: equals)...]))
        }
        return (token, nil)
    }

    /// The value of the option just read: its inline value, else the next argument unless it looks like an option.
    mutating func value(_ inlineValue: String?) -> String? {
        if let inlineValue { return inlineValue }
        guard index < arguments.count, !arguments[index].hasPrefix("-") else { return nil }
        index += 1
        return arguments[index - 1]
    }
}
