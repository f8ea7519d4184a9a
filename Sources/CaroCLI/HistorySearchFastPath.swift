import CaroKit

/// The fast path of `caro history list|search` (like ``FastAdd``): reads well-formed filters directly,
/// skipping argument-parser's reflection; anything else (`--help`, unknown options, a word that starts
/// with `-`, a non-numeric `--limit`) returns nil and the full parser handles it.
enum FastSearch {
    struct Parsed {
        var filters = HistoryFilters()
        var home: String?
        var json = false
        var verbose = false
    }

    static func parse(_ arguments: [String]) -> Parsed? {
        guard arguments.count >= 2, arguments[0] == "history", arguments[1] == "search" || arguments[1] == "list" else {
            return nil
        }
        let acceptsWords = arguments[1] == "search"
        var parsed = Parsed()
        var words: [String] = []
        var reader = FastOptionReader(arguments, from: 2)
        while let (name, value) = reader.next() {
            guard name.hasPrefix("-") else {
                guard acceptsWords else { return nil }
                words.append(name)
                continue
            }
            switch name {
            case "--json", "--quiet", "-q", "--verbose", "-v", "--workspace", "--executed", "--reverse", "--unique":
                guard value == nil else { return nil }
                switch name {
                case "--json": parsed.json = true
                case "--quiet", "-q": break
                case "--verbose", "-v": parsed.verbose = true
                case "--workspace": parsed.filters.workspace = true
                case "--executed": parsed.filters.executedOnly = true
                case "--reverse": parsed.filters.reverse = true
                default: parsed.filters.unique = true
                }
            case "--limit":
                guard let text = reader.value(value), let number = Int(text) else { return nil }
                parsed.filters.limit = number
            case "--home", "--cwd", "--under", "--host", "--device", "--shell", "--since", "--until", "--exit":
                guard let text = reader.value(value) else { return nil }
                switch name {
                case "--home": parsed.home = text
                case "--cwd": parsed.filters.cwd = text
                case "--under": parsed.filters.under = text
                case "--host": parsed.filters.host = text
                case "--device": parsed.filters.device = text
                case "--shell": parsed.filters.shell = text
                case "--since": parsed.filters.since = text
                case "--until": parsed.filters.until = text
                default: parsed.filters.exit = text
                }
            default:
                return nil
            }
        }
        if acceptsWords { parsed.filters.text = words.joined(separator: " ") }
        return parsed
    }
}
