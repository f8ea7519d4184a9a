import CaroKit
import CaroStore

/// The search-query parsers on a real (in-memory) history: the search text (words → FTS5 prefix terms,
/// FTS5 syntax, or the literal-substring fallback), `--since`/`--until` time expressions, `--exit`,
/// `--cwd`/`--under`, host and shell, as `caro history search` and the interactive picker use them.
///
/// Input: one flags byte, then fields separated by line feeds: text, since, until, exit, cwd, under,
/// host, shell. Invalid options must be refused with ``CaroError``; a valid query must run (SQLite never
/// rejects what the user typed) and return only live entries inside its time range and limit.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSearchQuery(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let flags = bytes.first else { return 0 }
    let fields = bytes.dropFirst().split(separator: 0x0A, omittingEmptySubsequences: false).map {
        String(decoding: $0, as: UTF8.self)
    }
    func field(_ index: Int) -> String? { index < fields.count && !fields[index].isEmpty ? fields[index] : nil }

    var filters = HistoryFilters()
    filters.text = field(0)
    filters.since = field(1)
    filters.until = field(2)
    filters.exit = field(3)
    filters.cwd = field(4)
    filters.under = field(5)
    filters.host = field(6)
    filters.shell = field(7)
    filters.executedOnly = flags & 1 != 0
    filters.reverse = flags & 2 != 0
    filters.unique = flags & 4 != 0
    filters.limit = flags & 8 != 0 ? Int(flags >> 4) : nil

    let query: HistoryQuery
    do {
        query = try filters.query(now: SearchFixture.now, currentDirectory: "/home/u/src/caro")
    } catch {
        guard !error.description.isEmpty else { fatalError("empty error message for \(filters)") }
        return 0
    }
    let rows: [HistoryRow]
    do {
        rows = try SearchFixture.store.entries(matching: query)
    } catch {
        fatalError("a valid query failed in SQLite: \(error) (filters: \(filters))")
    }
    if let limit = query.limit, rows.count > limit { fatalError("\(rows.count) rows beyond the limit \(limit) for \(filters)") }
    for row in rows {
        guard row.isLive, query.since.map({ row.createdAt >= $0 }) ?? true, query.until.map({ row.createdAt <= $0 }) ?? true else {
            fatalError("row \(row) does not match \(query)")
        }
    }
    if let text = filters.text {
        let picker = PickerSearch(
            store: SearchFixture.store, base: query,
            context: PickerContext(directory: "/home/u/src/caro", workspace: "/home/u/src", hostname: "laptop", now: SearchFixture.now))
        for mode in PickerMode.allCases {
            do {
                _ = try picker.commands(matching: text, mode: mode)
            } catch {
                fatalError("the picker's query failed: \(error) (text: \(text.debugDescription), mode: \(mode))")
            }
        }
    }
    return 0
}

/// One in-memory history with a few varied entries, shared by every run.
enum SearchFixture {
    static let now: Int64 = 1_780_000_000_000

    nonisolated(unsafe) static let store: HistoryStore = {
        do {
            let store = try HistoryStore(path: ":memory:")
            let commands = [
                "git status", "git commit -m \"fix: the parser\"", "ls -la /etc/hosts", "kubectl get pods -n prod",
                "echo 'a OR b' | grep -i NEAR", "cd ~/src/caro && swift build", "cargo test -- --nocapture",
                "rm -rf ./build*", "ssh user@host \"uptime\"", "printf '%s\\n' \"é ü 日本語\"",
                "make AND install", "docker run --rm -it alpine:3 sh", "vim \"notes (draft).md\"", "curl -sS https://x/?q=1&r=2",
            ]
            var rows: [HistoryRow] = []
            for (index, command) in commands.enumerated() {
                rows.append(HistoryRow(
                    id: "0190000\(index)-0000-7000-8000-000000000000", createdAt: now - Int64(index) * 3_600_000 * 7,
                    command: command, prompt: index % 3 == 0 ? "how do I \(command)" : nil,
                    explanation: index % 4 == 0 ? "runs \(command)" : nil, executed: index % 5 != 0,
                    exitCode: index % 3 == 1 ? 1 : 0, durationMs: Int64(index) * 10,
                    cwd: ["/home/u/src/caro", "/home/u/src", "/tmp", "/"][index % 4], shell: ["bash", "zsh", "fish"][index % 3],
                    hostname: ["laptop", "server"][index % 2], tags: index % 2 == 0 ? ["t\(index)"] : [],
                    deletedAt: index == 7 ? now - 1 : nil))
            }
            _ = try store.insert(rows, retention: .unlimited, now: now)
            return store
        } catch {
            fatalError("cannot set up the in-memory history: \(error)")
        }
    }()
}
