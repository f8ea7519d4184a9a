import Foundation
import JazzProto
import Testing

/// `caro history import bash|zsh|fish [FILE]` end to end: the built binary, a temporary home per test.
@Suite("caro history import")
struct HistoryImportTests {
    static let fixtures = CaroBinary.packageRoot.appendingPathComponent("Fixtures/history")

    /// A temporary file with `bytes`, removed by the caller.
    static func file(_ bytes: [UInt8]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("caro-import-\(UUID().uuidString)").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func file(_ text: String) throws -> String { try file(Array(text.utf8)) }

    /// Runs `caro history import … --json` and returns the four counts.
    static func importCounts(_ home: TemporaryHome, _ arguments: String..., environment: [String: String?] = [:],
                             sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Int] {
        let result = try home.caro(arguments: ["history", "import"] + arguments + ["--json"], environment: environment)
        #expect(result.status == 0, "exit \(result.status): \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.isEmpty, "stderr: \(result.stderr)", sourceLocation: sourceLocation)
        let line = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(line.range(of: #"^\{"imported":\d+,"duplicates":\d+,"excluded":\d+,"unparseable":\d+\}$"#,
                           options: .regularExpression) != nil, "not the import JSON shape: \(line)", sourceLocation: sourceLocation)
        let object = try #require(try JSONValue(parsing: line).objectValue, sourceLocation: sourceLocation)
        return object.reduce(into: [:]) { counts, pair in counts[pair.key] = pair.value.int64Value.map { Int($0) } }
    }

    static func counts(_ imported: Int, _ duplicates: Int = 0, _ excluded: Int = 0, _ unparseable: Int = 0) -> [String: Int] {
        ["imported": imported, "duplicates": duplicates, "excluded": excluded, "unparseable": unparseable]
    }

    /// All entries (`history list --json`), oldest first.
    static func entries(_ home: TemporaryHome, sourceLocation: SourceLocation = #_sourceLocation) throws -> [JSONValue] {
        let result = try home.caro("history", "list", "--limit", "1000", "--reverse", "--json")
        #expect(result.status == 0, "\(result.stderr)", sourceLocation: sourceLocation)
        return try #require(try JSONValue(parsing: result.stdout).arrayValue, sourceLocation: sourceLocation)
    }

    static func commands(_ home: TemporaryHome) throws -> [String] {
        try entries(home).map { $0["command"]?.stringValue ?? "<none>" }
    }

    @Test func zshExtendedHistoryTwiceAddsNothingTheSecondTime() throws {
        let home = try TemporaryHome()
        let path = Self.fixtures.appendingPathComponent("zsh_extended_real").path
        #expect(try Self.importCounts(home, "zsh", path) == Self.counts(5))
        #expect(try Self.importCounts(home, "zsh", path) == Self.counts(0, 5))
        let entries = try Self.entries(home)
        #expect(entries.map { $0["command"]?.stringValue } == [
            "setopt EXTENDED_HISTORY; HISTFILE=/tmp/zexp/hist; SAVEHIST=100; HISTSIZE=100", "echo \"a\nb\"",
            "echo 你好 ; echo x\\\ny", "echo \"c\\\\\nd\"", "fc -W",
        ])
        #expect(entries.allSatisfy { $0["shell"]?.stringValue == "zsh" && $0["executed"]?.boolValue == true })
        #expect(entries.allSatisfy { $0["durationMs"]?.int64Value == 0 && $0["exitCode"]?.isNull == true })
        // `: 1796506848:0;…` is 2026-12-05T21:40:48Z; two commands of one second stay in file order.
        #expect(entries.first?["createdAt"]?.stringValue == "2026-12-05T21:40:48.000Z")
        #expect(entries[2]["createdAt"]?.stringValue == "2026-12-05T21:40:49.000Z")
        #expect(entries[3]["createdAt"]?.stringValue == "2026-12-05T21:40:49.001Z")
    }

    @Test func bashTimedAndPlainFiles() throws {
        let home = try TemporaryHome()
        let timed = Self.fixtures.appendingPathComponent("bash_timed_real").path
        let plain = Self.fixtures.appendingPathComponent("bash_plain").path
        #expect(try Self.importCounts(home, "bash", timed) == Self.counts(4))
        #expect(try Self.importCounts(home, "bash", plain) == Self.counts(4))
        #expect(try Self.importCounts(home, "bash", plain) == Self.counts(0, 4))
        #expect(try Self.importCounts(home, "bash", timed) == Self.counts(0, 4))
        let commands = try Self.commands(home)
        #expect(commands.contains("for i in 1; do\necho $i\ndone"))
        // A Latin-1 byte is kept as U+FFFD; untimed commands are newer than the timed file's and in file order.
        #expect(Array(commands.suffix(4)) == ["ls -la", "cd /tmp", "echo caf\u{FFFD}", "git status"])
    }

    @Test func fishHistoryWithEscapesTwice() throws {
        let home = try TemporaryHome()
        let path = try Self.file(#"""
            - cmd: echo "a\nb"
              when: 1700000000
            - cmd: printf '%s\\n' x
              when: 1700000001
              paths:
                - x
            - cmd: echo corrupt when
              when: 99999999999999999999
            - cmd: ls
              when: 1700000003

            """#)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try Self.importCounts(home, "fish", path) == Self.counts(4))
        #expect(try Self.importCounts(home, "fish", path) == Self.counts(0, 4))
        let entries = try Self.entries(home)
        #expect(entries.map { $0["command"]?.stringValue } == ["echo \"a\nb\"", #"printf '%s\n' x"#, "echo corrupt when", "ls"])
        #expect(entries.map { $0["createdAt"]?.stringValue } == [
            "2023-11-14T22:13:20.000Z", "2023-11-14T22:13:21.000Z", "2023-11-14T22:13:21.001Z", "2023-11-14T22:13:23.000Z",
        ])
        #expect(entries.allSatisfy { $0["shell"]?.stringValue == "fish" })
    }

    @Test func exclusionsApplyBeforeAnythingIsStored() throws {
        let home = try TemporaryHome()
        #expect(try home.caro("exclude", "add", "^vault ").status == 0)
        let path = try Self.file("""
            : 1700000000:0;vault login -method=userpass
            : 1700000001:0;git clone https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/me/repo
            : 1700000002:0;echo '-----BEGIN RSA PRIVATE KEY-----\\
            MIIEowIBAAKCAQEA\\
            -----END RSA PRIVATE KEY-----'
            : 1700000003:0;ls

            """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try Self.importCounts(home, "zsh", path) == Self.counts(2, 0, 2))
        #expect(try Self.importCounts(home, "zsh", path) == Self.counts(0, 2, 2))
        let stored = try Self.commands(home).joined(separator: "\n")
        #expect(!stored.contains("vault"))
        #expect(!stored.contains("PRIVATE KEY"))
        #expect(!stored.contains("ghp_abcdefghijklmnopqrstuvwxyz0123456789"))
        #expect(stored.contains("git clone"))
    }

    @Test func retentionKeepsOnlyTheNewestAndReimportStaysEmpty() throws {
        let home = try TemporaryHome()
        #expect(try home.caro("prefs", "set", "max-entries", "3").status == 0)
        #expect(try home.caro("history", "add", "--command", "newest, already there").status == 0)
        let path = try Self.file((0..<6).map { ": \(1_700_000_000 + $0):0;echo \($0)\n" }.joined())
        defer { try? FileManager.default.removeItem(atPath: path) }
        let first = try home.caro("history", "import", "zsh", path)
        #expect(first.stdout == "imported: 2\nduplicates: 0\nexcluded: 0\nunparseable: 0\n")
        #expect(first.stderr.contains("4 older commands were not imported"), "\(first.stderr)")
        #expect(try Self.commands(home) == ["echo 4", "echo 5", "newest, already there"])
        #expect(try Self.importCounts(home, "zsh", path, "--quiet") == Self.counts(0, 2))
        #expect(try Self.commands(home) == ["echo 4", "echo 5", "newest, already there"])
    }

    @Test func unparseableLinesAreCountedAndListedWithVerbose() throws {
        let home = try TemporaryHome()
        let bytes = Array("echo one\n".utf8) + [0x00, 0xFF, 0x01, 0x0A] + Array("echo two\n#12x\necho three\n".utf8)
        let path = try Self.file(bytes)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try home.caro("history", "import", "bash", path, "--verbose")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "imported: 3\nduplicates: 0\nexcluded: 0\nunparseable: 2\nunparseable lines: 2, 4\n")
        #expect(try Self.commands(home) == ["echo one", "echo two", "echo three"])
    }

    @Test func theDefaultFileIsHISTFILE() throws {
        let home = try TemporaryHome()
        let path = try Self.file("echo from histfile\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try Self.importCounts(home, "bash", environment: ["HISTFILE": path]) == Self.counts(1))
        #expect(try Self.commands(home) == ["echo from histfile"])
        let empty = try TemporaryHome()
        let missing = try empty.caro(arguments: ["history", "import", "fish"],
                                     environment: ["HOME": empty.path, "XDG_DATA_HOME": nil, "fish_history": nil])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("\(empty.path)/.local/share/fish/fish_history"))
        #expect(missing.stdout.isEmpty)
    }

    @Test(arguments: ["bash", "zsh", "fish"])
    func garbageIsRefusedWithOneSentenceAndNothingStored(shell: String) throws {
        let home = try TemporaryHome()
        #expect(try home.caro("history", "add", "--command", "kept").status == 0)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let garbage = (0..<20_000).map { _ -> UInt8 in
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        }
        var utf16: [UInt8] = [0xFF, 0xFE]
        for unit in "ls -la\ncd /tmp\n".utf16 { utf16 += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        for (bytes, hint) in [(garbage, "does not look like"), (utf16, "iconv")] {
            let path = try Self.file(bytes)
            defer { try? FileManager.default.removeItem(atPath: path) }
            let result = try home.caro("history", "import", shell, path)
            #expect(result.status == 1)
            #expect(result.stdout.isEmpty)
            #expect(result.stderr.contains(hint) && result.stderr.contains(path), "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        }
        #expect(try Self.commands(home) == ["kept"])
    }

    @Test func missingFileAndDirectoryAreClearErrors() throws {
        let home = try TemporaryHome()
        let missing = try home.caro("history", "import", "zsh", home.path + "/no-such-file")
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("No file at \(home.path)/no-such-file"))
        let directory = try home.caro("history", "import", "bash", home.path)
        #expect(directory.status == 1)
        #expect(directory.stderr.contains("is a directory"))
        let json = try home.caro("history", "import", "bash", home.path, "--json")
        #expect(json.status == 1)
        #expect(json.stdout.isEmpty)
        #expect(try JSONValue(parsing: json.stderr.trimmingCharacters(in: .whitespacesAndNewlines))["error"] != nil)
    }

    @Test func aFileOfAnotherShellIsRefusedWithTheRightCommand() throws {
        let home = try TemporaryHome()
        let zsh = Self.fixtures.appendingPathComponent("zsh_extended_real").path
        let result = try home.caro("history", "import", "bash", zsh)
        #expect(result.status == 1)
        #expect(result.stderr.contains("looks like a zsh history file") && result.stderr.contains("caro history import zsh \(zsh)"),
                "\(result.stderr)")
        let fish = try home.caro("history", "import", "zsh", Self.fixtures.appendingPathComponent("fish_real").path)
        #expect(fish.status == 1 && fish.stderr.contains("looks like a fish history file"), "\(fish.stderr)")
        #expect(try Self.commands(home).isEmpty)
    }

    /// On a terminal (`script` gives it one) a progress bar is drawn on stderr and cleared; `--quiet` draws none.
    @Test func aProgressBarOnlyOnATerminal() throws {
        let home = try TemporaryHome()
        let path = try Self.file((0..<2_500).map { ": \(1_700_000_000 + $0):0;echo \($0)\n" }.joined())
        defer { try? FileManager.default.removeItem(atPath: path) }
        func onTerminal(_ extra: String) throws -> String {
            let command = [CaroBinary.url.path, "--home", home.path, "history", "import", "zsh", path, extra]
                .map { "'" + $0 + "'" }.joined(separator: " ")
            let result = try ExternalProcess.run("/usr/bin/script", ["-qefc", command, "/dev/null"])
            #expect(result.status == 0)
            return result.stdout
        }
        let shown = try onTerminal("--verbose")
        #expect(shown.contains("importing [") && shown.contains("100% 2500/2500"), "\(shown)")
        #expect(shown.contains("\r\u{1B}[K"), "the bar is not cleared: \(shown)")
        #expect(shown.contains("imported: 2500"))
        let quiet = try onTerminal("--quiet")
        #expect(!quiet.contains("importing"), "\(quiet)")
        #expect(quiet.contains("duplicates: 2500"))
    }

    @Test func aDeviceIsRefusedAndAPipeIsRead() throws {
        let home = try TemporaryHome()
        let device = try home.caro("history", "import", "bash", "/dev/zero")
        #expect(device.status == 1 && device.stderr.contains("is a device"), "\(device.stderr)")
        // A pipe, as `caro history import zsh <(…)` passes it.
        let fifo = home.path + "/fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        DispatchQueue.global().async {
            if let handle = FileHandle(forWritingAtPath: fifo) {
                handle.write(Data(": 1700000000:0;echo through a pipe\n".utf8))
                try? handle.close()
            }
        }
        #expect(try Self.importCounts(home, "zsh", fifo) == Self.counts(1))
        #expect(try Self.commands(home) == ["echo through a pipe"])
    }

    @Test func anEmptyFileImportsNothing() throws {
        let home = try TemporaryHome()
        let path = try Self.file("")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try Self.importCounts(home, "zsh", path) == Self.counts(0))
    }
}
