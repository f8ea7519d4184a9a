import Foundation
import JazzProto
import Testing

/// `caro history delete` (by IDs and by filter) and `caro history stats` (issue 11).
@Suite("caro history delete and stats")
struct HistoryDeleteStatsTests {
    @Test func deleteByIDsRemovesExactlyThoseEntries() throws {
        let home = try TemporaryHome()
        let first = try home.add("first", "--at", "2026-01-01T00:00:00Z")
        let second = try home.add("second secret-ish", "--at", "2026-01-02T00:00:00Z")
        let third = try home.add("third", "--at", "2026-01-03T00:00:00Z")
        let result = try home.caro("history", "delete", first, third)
        Expect.success(result)
        #expect(try home.allCommands() == ["second secret-ish"])
        #expect(try home.searchCommands("first") == [])
        #expect(try home.searchCommands("third") == [])
        #expect(try home.caro("history", "show", first).status != 0, "a deleted entry cannot be shown")
        let kept = try home.caro("history", "show", second, "--json")
        Expect.success(kept)
        #expect(try kept.json()["command"]?.stringValue == "second secret-ish")
        #expect(try Self.stats(home)["entries"] == .number(1))
    }

    /// Demanding-user expectation (privacy): "I pasted a password, delete it" must remove the text from the disk,
    /// not only from the results: no copy in the database, its write-ahead log or the full-text index.
    @Test func deletedEntriesLeaveNoTraceInTheFiles() throws {
        let home = try TemporaryHome()
        for index in 1...3 { try home.add("echo filler\(index)") }
        let id = try home.add("mysql -h db -u root -pZorblaxQuux42 shop")
        let other = try home.add("echo QuuxVexWomble-by-filter", "--cwd", "/oops")
        try home.add("echo after")
        Expect.success(try home.caro("history", "delete", id))
        Expect.success(try home.caro("history", "delete", "--filter", "--cwd", "/oops", "--yes"))
        #expect(try home.caro("history", "show", other).status != 0)
        for text in ["ZorblaxQuux42", "zorblaxquux42", "QuuxVexWomble", "quuxvexwomble"] {
            let files = Files.anyFile(under: home.path, contains: text)
            #expect(files.isEmpty, "\"\(text)\" is still in \(files) after delete")
        }
        #expect(try home.allCommands() == ["echo after", "echo filler3", "echo filler2", "echo filler1"])
    }

    @Test func deletingAnUnknownIDFailsAndDeletesNothing() throws {
        let home = try TemporaryHome()
        try home.add("keep me")
        let result = try home.caro("history", "delete", "01900000-0000-7000-8000-000000000000")
        Expect.cleanFailure(result)
        #expect(try home.allCommands() == ["keep me"])
    }

    @Test func deleteByFilterWithYes() throws {
        let home = try TemporaryHome()
        try home.add("make build", "--cwd", "/proj", "--exit", "2", "--at", "2026-01-01T00:00:00Z")
        try home.add("make test", "--cwd", "/proj", "--exit", "0", "--at", "2026-01-02T00:00:00Z")
        try home.add("make build", "--cwd", "/elsewhere", "--exit", "2", "--at", "2026-01-03T00:00:00Z")
        try home.add("ls", "--cwd", "/proj", "--exit", "1", "--at", "2026-01-04T00:00:00Z")
        let result = try home.caro("history", "delete", "--filter", "--cwd", "/proj", "--exit", "nonzero", "--yes")
        Expect.success(result)
        #expect(try home.allCommands() == ["make build", "make test"])
        #expect(try home.searchCommands("--cwd", "/elsewhere") == ["make build"])
    }

    @Test func deleteByFilterWithText() throws {
        let home = try TemporaryHome()
        try home.add("curl https://internal.example/api", "--at", "2026-01-01T00:00:00Z")
        try home.add("curl https://public.example", "--at", "2026-01-02T00:00:00Z")
        try home.add("ssh internal-box", "--at", "2026-01-03T00:00:00Z")
        let result = try home.caro("history", "delete", "--filter", "internal", "--since", "2025-12-01T00:00:00Z", "--yes")
        Expect.success(result)
        #expect(try home.allCommands() == ["curl https://public.example"])
    }

    @Test func deleteByFilterWithoutYesDeletesNothing() throws {
        let home = try TemporaryHome()
        try home.add("a", "--cwd", "/x")
        try home.add("b", "--cwd", "/x")
        // Not a terminal (stdin is a closed pipe) and no --yes: nothing may be deleted.
        let result = try home.caro("history", "delete", "--filter", "--cwd", "/x", stdin: "")
        #expect(!result.looksLikeACrash)
        #expect(try home.allCommands().sorted() == ["a", "b"])
    }

    @Test func statsJSONKeysAndDefaults() throws {
        let home = try TemporaryHome()
        for command in ["git status", "ls", "git status", "make", "ls", "git status"] { try home.add(command) }
        let stats = try Self.stats(home)
        #expect(stats["entries"] == .number(6))
        #expect(stats["maxEntries"] == .number(10_000), "default max entries is 10 000: \(stats)")
        let retention = stats["retentionDays"]
        #expect(retention == .number(0) || retention == .null, "retention is unlimited by default: \(stats)")
        let top = try #require(stats["topCommands"]?.arrayValue, "topCommands is an array: \(stats)")
        let counted = top.compactMap(Self.commandAndCount)
        #expect(counted.count == top.count, "topCommands items name a command and a count: \(top)")
        #expect(counted.prefix(2).map(\.command) == ["git status", "ls"], "most used first: \(top)")
        #expect(counted.first?.count == 3)
        // Plain stats prints something readable.
        let plain = try home.caro("history", "stats")
        Expect.success(plain)
        #expect(plain.stdout.contains("6"))
    }

    @Test func statsOfAnEmptyHome() throws {
        let home = try TemporaryHome()
        let stats = try Self.stats(home)
        #expect(stats["entries"] == .number(0))
        #expect(stats["topCommands"] == .array([]))
    }

    static func stats(_ home: TemporaryHome, sourceLocation: SourceLocation = #_sourceLocation) throws -> JSONValue {
        let result = try home.caro("history", "stats", "--json")
        Expect.success(result, sourceLocation: sourceLocation)
        let value = try result.json(sourceLocation: sourceLocation)
        try #require(value.objectValue != nil, "stats --json prints an object: \(value)", sourceLocation: sourceLocation)
        return value
    }

    /// A `topCommands` item: an object with a command string and a count, or a `[command, count]` pair.
    static func commandAndCount(_ item: JSONValue) -> (command: String, count: Int)? {
        if let object = item.objectValue {
            guard let command = object.values.compactMap(\.stringValue).first,
                let count = object.values.compactMap(\.doubleValue).first
            else { return nil }
            return (command, Int(count))
        }
        if let pair = item.arrayValue, pair.count == 2, let command = pair[0].stringValue, let count = pair[1].doubleValue {
            return (command, Int(count))
        }
        return nil
    }
}
