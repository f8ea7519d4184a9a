import Foundation
import JazzProto
import Testing

/// Issue 11's bad-input list: one clear sentence on stderr, a non-zero exit, and what was stored before intact.
@Suite("caro history bad input")
struct BadInputTests {
    /// A home holding three entries, its database file and their commands.
    static func seededHome() throws -> (TemporaryHome, String, [String]) {
        let home = try TemporaryHome()
        try home.add("first", "--at", "2026-01-01T00:00:00Z")
        try home.add("second", "--at", "2026-01-02T00:00:00Z")
        try home.add("third", "--at", "2026-01-03T00:00:00Z")
        let database = try home.databaseFile()
        // Everything in the main file, whatever caro's checkpoint policy, before the tests remove -wal/-shm.
        try Tool.run("/usr/bin/sqlite3", [database, "PRAGMA wal_checkpoint(TRUNCATE);"])
        return (home, database, ["third", "second", "first"])
    }

    /// The database's path relative to a home (found by adding one entry to a scratch home).
    static func databaseRelativePath() throws -> String {
        let probe = try TemporaryHome()
        try probe.add("probe")
        let file = try probe.databaseFile()
        return String(file.dropFirst(probe.path.count + 1))
    }

    @Test func aFileThatIsNotSQLite() throws {
        let (home, database, _) = try Self.seededHome()
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: database + suffix) }
        let garbage = Data("these are my notes, not a database\n".utf8) + Data((0..<8000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try garbage.write(to: URL(fileURLWithPath: database))
        for arguments in [["history", "list"], ["history", "add", "--command", "ls"], ["history", "search", "x"], ["history", "stats"]] {
            let result = try home.caro(arguments: arguments)
            Expect.cleanFailure(result, mentioning: [URL(fileURLWithPath: database).lastPathComponent])
        }
        #expect(FileManager.default.contents(atPath: database) == garbage, "caro must not overwrite a file it cannot read")
    }

    @Test func aCorruptDatabase() throws {
        let (home, database, _) = try Self.seededHome()
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: database + suffix) }
        // Scribble over everything after the 100-byte header: the schema page and the rows.
        var bytes = try #require(FileManager.default.contents(atPath: database))
        try #require(bytes.count > 4096)
        for index in 100..<bytes.count { bytes[index] = UInt8(truncatingIfNeeded: index &* 131 &+ 7) }
        try bytes.write(to: URL(fileURLWithPath: database))
        for arguments in [["history", "list"], ["history", "add", "--command", "ls"], ["history", "search", "first"]] {
            let result = try home.caro(arguments: arguments)
            Expect.cleanFailure(result, mentioning: [URL(fileURLWithPath: database).lastPathComponent])
        }
        #expect(FileManager.default.contents(atPath: database) == bytes, "caro must not touch a corrupt database")
    }

    @Test func aDirectoryWhereTheDatabaseShouldBe() throws {
        let relative = try Self.databaseRelativePath()
        let home = try TemporaryHome()
        let directory = home.path + "/" + relative
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "mine".write(toFile: directory + "/keep.txt", atomically: true, encoding: .utf8)
        for arguments in [["history", "add", "--command", "ls"], ["history", "list"]] {
            let result = try home.caro(arguments: arguments)
            Expect.cleanFailure(result, mentioning: [URL(fileURLWithPath: relative).lastPathComponent])
        }
        #expect((try? String(contentsOfFile: directory + "/keep.txt", encoding: .utf8)) == "mine")
    }

    @Test(.enabled(if: Mounts.tmpfsAvailable, "needs root to mount a tmpfs"))
    func aReadOnlyHome() throws {
        let (mount, home) = try Mounts.homeOnTmpfs(size: "4m")
        defer { Mounts.unmount(mount) }
        try Mounts.remount(mount, readOnly: true)
        var remountedReadWrite = false
        defer { if !remountedReadWrite { try? Mounts.remount(mount, readOnly: false) } }

        let add = try home.caro("history", "add", "--command", "ls")
        Expect.cleanFailure(add)
        #expect(["read-only", "readonly", "read only"].contains { add.stderr.localizedCaseInsensitiveContains($0) },
                "says the home is read-only: \(add.stderr)")
        Expect.cleanFailure(try home.caro("prefs", "set", "max-entries", "3"))
        // Demanding-user expectation: reading a read-only home still works.
        let list = try home.caro("history", "list", "--json")
        #expect(list.status == 0, "listing a read-only home: \(list.stderr)")
        if list.status == 0 { #expect(try list.commands() == ["second", "first"]) }

        try Mounts.remount(mount, readOnly: false)
        remountedReadWrite = true
        #expect(try home.allCommands() == ["second", "first"])
        #expect(try Tool.integrityIsOK(try home.databaseFile()))
        try home.add("third")
        #expect(try home.allCommands().count == 3)
    }

    @Test(.enabled(if: Mounts.tmpfsAvailable, "needs root to mount a tmpfs"))
    func aFullDisk() throws {
        let (mount, home) = try Mounts.homeOnTmpfs(size: "2m")
        defer { Mounts.unmount(mount) }
        // Fill the file system.
        let filler = mount + "/filler"
        FileManager.default.createFile(atPath: filler, contents: nil)
        let handle = try #require(FileHandle(forWritingAtPath: filler))
        let chunk = Data(repeating: 0x41, count: 4096)
        while (try? handle.write(contentsOf: chunk)) != nil {}
        try? handle.close()

        let long = (0..<4000).map { "arg\($0)" }.joined(separator: " ")  // ~30 KB: needs new pages
        let add = try home.caro("history", "add", "--command", "echo " + long)
        Expect.cleanFailure(add)
        #expect(add.stderr.localizedCaseInsensitiveContains("full") || add.stderr.localizedCaseInsensitiveContains("space"),
                "says the disk is full: \(add.stderr)")
        let prefs = try home.caro("prefs", "set", "max-entries", "7")
        #expect(!prefs.looksLikeACrash)

        try FileManager.default.removeItem(atPath: filler)
        #expect(try home.allCommands() == ["second", "first"])
        #expect(try Tool.integrityIsOK(try home.databaseFile()))
        try home.add("after the disk was freed")
        #expect(try home.allCommands().count == 3)
    }

    @Test func aRegexThatDoesNotCompile() throws {
        let home = try TemporaryHome()
        Expect.success(try home.caro("exclude", "add", "^vault "))
        for pattern in ["([unclosed", "*star", "a{2,1}"] {
            let result = try home.caro("exclude", "add", pattern)
            Expect.cleanFailure(result, singleLine: false)
            #expect(result.stderr.contains(pattern), "names the pattern: \(result.stderr)")
        }
        let list = try home.caro("exclude", "list")
        #expect(list.stdout.contains("^vault "))
        #expect(!list.stdout.contains("([unclosed"))
        _ = try home.caro("history", "add", "--command", "vault read secret/x")
        try home.add("echo still works")
        #expect(try home.allCommands() == ["echo still works"])
    }

    @Test func showOfAnUnknownID() throws {
        let home = try TemporaryHome()
        try home.add("kept")
        let unknown = "0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b"
        let result = try home.caro("history", "show", unknown)
        Expect.cleanFailure(result, mentioning: [unknown])
        #expect(result.status == 1, "an unknown ID is an error (1), not a usage error")
        let malformed = try home.caro("history", "show", "not-an-id")
        Expect.cleanFailure(malformed, singleLine: false)
        #expect(try home.allCommands() == ["kept"])
    }

    /// Documented in Docs/cli.md: under `--json`, an error is one JSON object on stderr.
    @Test func errorsUnderJSONAreOneJSONObjectOnStderr() throws {
        let home = try TemporaryHome()
        let unknown = "0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b"
        let result = try home.caro("history", "show", unknown, "--json")
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        let error = try JSONValue(parsing: result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(error["error"]?.stringValue?.contains(unknown) == true, "\(result.stderr)")
        #expect(error["exitCode"] == .number(1))
    }

    @Test func anAtThatIsNotADate() throws {
        let home = try TemporaryHome()
        try home.add("kept", "--at", "2026-01-01T00:00:00Z")
        for value in ["next tuesday", "2026-13-45T99:00:00Z", "", "1700000000x"] {
            let result = try home.caro("history", "add", "--command", "ls", "--at", value)
            Expect.cleanFailure(result, singleLine: false)
        }
        for option in ["--since", "--until"] {
            Expect.cleanFailure(try home.caro("history", "search", option, "last blue moon"), singleLine: false)
        }
        #expect(try home.allCommands() == ["kept"])
    }

    /// A hook may pass bytes that are not UTF-8 (a Latin-1 file name): stored with U+FFFD or refused, never a crash.
    @Test func aCommandThatIsNotUTF8() throws {
        let home = try TemporaryHome()
        try home.add("kept")
        let result = try Tool.run("/bin/sh", ["-c", #""$0" --home "$1" history add --command "$(printf 'cat caf\351.txt')""#,
                                              CaroBinary.url.path, home.path])
        #expect(!result.looksLikeACrash, "\(result.stderr)")
        let commands = try home.allCommands()
        if result.status == 0 {
            #expect(commands.count == 2)
            #expect(commands.first?.hasPrefix("cat caf") == true, "\(commands)")
        } else {
            Expect.cleanFailure(result, singleLine: false)
            #expect(commands == ["kept"])
        }
    }

    /// The longest single argument Linux passes (128 KiB): stored whole and found.
    @Test func aVeryLongCommand() throws {
        let home = try TemporaryHome()
        let long = "echo " + (0..<12_000).map { "w\($0)" }.joined(separator: " ") + " needle-at-the-end"
        try #require(long.utf8.count < 131_072)
        let id = try home.add(long)
        let shown = try home.caro("history", "show", id, "--json")
        #expect(try shown.json()["command"]?.stringValue == long)
        #expect(try home.searchCommands("needle-at-the-end") == [long])
    }

    @Test func badNumbersAreUsageErrors() throws {
        let home = try TemporaryHome()
        try home.add("kept")
        for arguments in [["history", "add", "--command", "ls", "--exit", "ok"],
                          ["history", "add", "--command", "ls", "--duration", "fast"],
                          ["history", "list", "--limit", "many"],
                          ["history", "search", "--exit", "sometimes"]] {
            let result = try home.caro(arguments: arguments)
            Expect.cleanFailure(result, singleLine: false)
            #expect(result.status == 2, "usage errors exit 2: \(arguments) → \(result.status)")
        }
        #expect(try home.allCommands() == ["kept"])
    }

    @Test func addWithoutACommandIsAUsageError() throws {
        let home = try TemporaryHome()
        let result = try home.caro("history", "add")
        Expect.cleanFailure(result, singleLine: false)
        #expect(result.status == 2)
    }
}
