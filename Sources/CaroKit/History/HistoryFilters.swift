import CaroStore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The search filters as typed on the command line; ``query(now:currentDirectory:)`` checks them and
/// turns them into one ``HistoryQuery``.
public struct HistoryFilters: Sendable, Equatable {
    public var text: String?
    public var cwd: String?
    public var under: String?
    /// Limit to the git work tree containing the current directory.
    public var workspace = false
    public var host: String?
    public var device: String?
    public var shell: String?
    public var since: String?
    public var until: String?
    /// `0`, `nonzero`, or a number.
    public var exit: String?
    public var executedOnly = false
    public var limit: Int?
    public var reverse = false
    public var unique = false

    public init() {}

    /// The query, or ``CaroError/invalidArgument(_:)`` naming the option that is wrong.
    public func query(now: Int64, currentDirectory: String? = HistoryFilters.currentDirectory()) throws(CaroError) -> HistoryQuery {
        var query = HistoryQuery(text: text, hostname: host, deviceID: device, shell: shell, reverse: reverse, unique: unique)
        query.cwd = cwd.map { Self.absolute($0, from: currentDirectory) }
        query.under = under.map { Self.absolute($0, from: currentDirectory) }
        if workspace {
            guard let currentDirectory, let root = Self.gitWorkTree(containing: currentDirectory) else {
                throw .invalidArgument("--workspace: the current directory is not inside a git work tree; cd into one, or use --under DIR.")
            }
            query.under = root
        }
        query.since = try since.map { text throws(CaroError) in try TimeExpression.parse(text, option: "--since", now: now) }
        query.until = try until.map { text throws(CaroError) in try TimeExpression.parse(text, option: "--until", now: now) }
        if let exit {
            switch exit.lowercased() {
            case "nonzero", "non-zero", "failed", "failure": query.exit = .failure
            default:
                guard let code = Int(exit) else {
                    throw .invalidArgument("--exit '\(exit)' is not an exit status: use 0, nonzero, or a number such as 127.")
                }
                query.exit = code == 0 ? .success : .code(code)
            }
        }
        if executedOnly { query.executed = true }
        if let limit {
            guard limit > 0 else { throw .invalidArgument("--limit must be at least 1 (leave it out for all entries).") }
            query.limit = limit
        }
        return query
    }

    /// The process's current directory.
    public static func currentDirectory() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `path` made absolute against `base`, with `.`/`..` segments and repeated or trailing `/` removed.
    public static func absolute(_ path: String, from base: String?) -> String {
        let joined = path.hasPrefix("/") ? path : (base ?? "/") + "/" + path
        var parts: [Substring] = []
        for part in joined.split(separator: "/") {
            if part == "." { continue }
            if part == ".." {
                _ = parts.popLast()
                continue
            }
            parts.append(part)
        }
        // Appended by hand: `joined(separator:)` looks a protocol witness up at run time (a scan of every
        // conformance in the binary) on the `history add` path.
        var result = ""
        for part in parts {
            result += "/"
            result += String(part)
        }
        return result.isEmpty ? "/" : result
    }

    /// The nearest directory at or above `directory` holding `.git` (a directory, or a file for
    /// worktrees and submodules). No process is started.
    public static func gitWorkTree(containing directory: String) -> String? {
        var current = absolute(directory, from: nil)
        while true {
            var info = stat()
            if stat(current == "/" ? "/.git" : current + "/.git", &info) == 0 { return current }
            guard current != "/" else { return nil }
            let parent = current.split(separator: "/").dropLast().joined(separator: "/")
            current = "/" + parent
        }
    }
}
