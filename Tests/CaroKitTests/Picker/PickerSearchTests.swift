import CaroKit
import CaroStore
import Foundation
import Testing

/// The picker's reads from a real home database: the mode filters, prompts searched, and commands
/// from the current directory kept as candidates under many newer entries from elsewhere.
@Suite("Picker search")
struct PickerSearchTests {
    static let now: Int64 = 1_800_000_000_000

    static func withStore(_ body: (HistoryStore) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("caro-picker-\(UUID().uuidString)").path
        try CaroKitTestFiles.makeDirectory(directory)
        defer { CaroKitTestFiles.remove(directory) }
        try body(try HistoryStore(path: directory + "/caro.db"))
    }

    static func row(_ index: Int, _ command: String, cwd: String, host: String = "laptop", prompt: String? = nil,
                    minutesAgo: Int64) -> HistoryRow {
        let time = now - minutesAgo * 60_000
        return HistoryRow(id: UUIDv7.make(milliseconds: time) + "-\(index)", createdAt: time, command: command, prompt: prompt,
                          exitCode: 0, cwd: cwd, hostname: host)
    }

    @Test func modesFilterAndPromptsAreSearched() throws {
        try Self.withStore { store in
            _ = try store.insert([
                Self.row(1, "git status", cwd: "/work/app", prompt: "what changed", minutesAgo: 10),
                Self.row(2, "git push", cwd: "/work/app/sub", host: "desktop", minutesAgo: 20),
                Self.row(3, "git fetch", cwd: "/elsewhere", minutesAgo: 30),
                Self.row(4, "docker ps", cwd: "/elsewhere", prompt: "list containers", minutesAgo: 40),
            ], retention: .unlimited, now: Self.now)
            let context = PickerContext(directory: "/work/app", workspace: "/work/app", hostname: "laptop", now: Self.now)
            let search = PickerSearch(store: store, context: context)
            func commands(_ text: String, _ mode: PickerMode) throws -> Set<String> {
                Set(try search.commands(matching: text, mode: mode).map(\.command))
            }
            #expect(try commands("git", .all) == ["git status", "git push", "git fetch"])
            #expect(try commands("git", .host) == ["git status", "git fetch"])
            #expect(try commands("git", .directory) == ["git status"])
            #expect(try commands("git", .workspace) == ["git status", "git push"])
            #expect(try commands("contain", .all) == ["docker ps"])
            #expect(try search.commands(matching: "contain", mode: .all).first?.prompt == "list containers")
            #expect(try commands("&&", .all).isEmpty)  // no letters: a substring search, never an error
            #expect(try commands("", .all).count == 4)
            // Filters from the command line (caro history search -i --shell …) hold in every mode.
            let onlyLaptop = PickerSearch(store: store, base: HistoryQuery(hostname: "laptop"), context: context)
            #expect(Set(try onlyLaptop.commands(matching: "git", mode: .workspace).map(\.command)) == ["git status"])
        }
    }

    @Test func commandsFromHereStayCandidatesUnderManyNewerEntries() throws {
        try Self.withStore { store in
            var rows = [Self.row(0, "make release", cwd: "/work/app", minutesAgo: 100_000)]
            rows += (1...(PickerSearch.recentLimit + 50)).map { Self.row($0, "echo \($0)", cwd: "/tmp", minutesAgo: Int64($0)) }
            _ = try store.insert(rows, retention: .unlimited, now: Self.now)
            let context = PickerContext(directory: "/work/app", workspace: nil, hostname: "laptop", now: Self.now)
            let ranked = try PickerSearch(store: store, context: context).commands(matching: "", mode: .all)
            #expect(ranked.first?.command == "make release")
            #expect(ranked.count == PickerSearch.recentLimit + 1)
        }
    }
}
