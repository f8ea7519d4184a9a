import Foundation
import JazzProto
import Testing

/// `caro history add|list|show` as a user runs them, and the entry JSON shape (issue 11).
@Suite("caro history add, list, show")
struct HistoryAddListShowTests {
    static let entryKeys = ["id", "createdAt", "command", "prompt", "explanation", "executed", "exitCode", "durationMs",
                            "cwd", "shell", "hostname", "deviceID", "platform", "safetyLevel", "tags"]

    @Test func addPrintsOnlyTheNewEntrysID() throws {
        let home = try TemporaryHome()
        let result = try home.caro("history", "add", "--command", "ls -la")
        Expect.success(result)
        let lines = result.stdout.split(whereSeparator: \.isNewline)
        #expect(lines.count == 1, "add prints one line: \(result.stdout)")
        let id = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(Formats.matches(id, Formats.uuid), "not a UUIDv7: \(id)")
        let shown = try home.caro("history", "show", id, "--json")
        Expect.success(shown)
        #expect(try shown.json()["command"]?.stringValue == "ls -la")
    }

    @Test func addWithEveryOptionStoresEveryFieldWithItsType() throws {
        let home = try TemporaryHome()
        let cwd = try Files.temporaryDirectory("caro-cwd")
        defer { try? FileManager.default.removeItem(atPath: cwd) }
        let entry = try home.addJSON("find . -name '*.swift' | wc -l", [
            "--prompt", "count swift files", "--explanation", "find lists the files, wc counts them",
            "--cwd", cwd, "--exit", "3", "--duration", "1234", "--shell", "zsh", "--safety", "moderate",
            "--tag", "swift", "--tag", "count", "--executed", "--at", "2026-03-04T05:06:07.089Z",
        ])
        let object = try #require(entry.objectValue, "add --json prints an object: \(entry)")
        for key in Self.entryKeys { #expect(object[key] != nil, "missing key \(key) in \(entry)") }
        let id = try #require(entry["id"]?.stringValue)
        #expect(Formats.matches(id, Formats.uuid), "id is not a UUIDv7 string: \(id)")
        #expect(entry["createdAt"]?.stringValue == "2026-03-04T05:06:07.089Z")
        #expect(entry["command"]?.stringValue == "find . -name '*.swift' | wc -l")
        #expect(entry["prompt"]?.stringValue == "count swift files")
        #expect(entry["explanation"]?.stringValue == "find lists the files, wc counts them")
        #expect(entry["executed"]?.boolValue == true)
        #expect(entry["exitCode"] == .number(3))
        #expect(entry["durationMs"] == .number(1234))
        #expect(entry["cwd"]?.stringValue == cwd)
        #expect(entry["shell"]?.stringValue == "zsh")
        #expect(entry["safetyLevel"]?.stringValue == "moderate")
        #expect(entry["tags"] == .array([.string("swift"), .string("count")]))
        #expect(entry["hostname"]?.stringValue == ProcessInfo.processInfo.hostName || entry["hostname"]?.stringValue == Self.hostname())
        let deviceID = entry["deviceID"]?.stringValue ?? ""
        let platform = entry["platform"]?.stringValue ?? ""
        #expect(!deviceID.isEmpty, "deviceID is a non-empty string: \(entry)")
        #expect(!platform.isEmpty, "platform is a non-empty string: \(entry)")
        // The same shape everywhere: show, list and search print the same object.
        let shown = try home.caro("history", "show", id, "--json")
        Expect.success(shown)
        #expect(try shown.json() == entry)
        #expect(try home.caro("history", "list", "--json").entries() == [entry])
        #expect(try home.caro("history", "search", "swift", "--json").entries() == [entry])
    }

    @Test func absentValuesAreNullAndTagsAnEmptyArray() throws {
        let home = try TemporaryHome()
        let entry = try home.addJSON("pwd")
        #expect(entry["prompt"] == .null, "prompt is null when absent: \(entry)")
        #expect(entry["exitCode"] == .null, "exitCode is null when unknown: \(entry)")
        #expect(entry["tags"] == .array([]), "tags is an array: \(entry)")
        // Demanding-user expectations (not spelled out by the issue): unknown duration and explanation are null too.
        #expect(entry["durationMs"] == .null, "durationMs is null when unknown: \(entry)")
        #expect(entry["explanation"] == .null, "explanation is null when absent: \(entry)")
        #expect(entry["executed"]?.boolValue != nil, "executed is a boolean: \(entry)")
    }

    @Test func notExecutedIsStoredAsFalse() throws {
        let home = try TemporaryHome()
        let entry = try home.addJSON("rm -rf build", ["--not-executed", "--prompt", "clean the build"])
        #expect(entry["executed"]?.boolValue == false)
    }

    @Test func cwdDefaultsToTheCurrentDirectory() throws {
        let home = try TemporaryHome()
        let directory = try Files.temporaryDirectory("caro-here")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try home.caro("history", "add", "--command", "make", "--json", currentDirectory: directory)
        Expect.success(result)
        #expect(try result.json()["cwd"]?.stringValue == directory)
    }

    @Test func createdAtIsNowInUTCWithMillisecondsAndIDsSortByTime() throws {
        let home = try TemporaryHome()
        let before = Date()
        var ids: [String] = []
        for index in 0..<5 {
            let entry = try home.addJSON("echo \(index)")
            let id = try #require(entry["id"]?.stringValue)
            let createdAt = try #require(entry["createdAt"]?.stringValue)
            #expect(Formats.matches(createdAt, Formats.createdAt), "createdAt is ISO 8601 UTC with milliseconds: \(createdAt)")
            let date = try #require(Formats.date(createdAt))
            #expect(date.timeIntervalSince(before) > -1 && date.timeIntervalSinceNow < 1, "createdAt is now: \(createdAt)")
            let milliseconds = try #require(Formats.uuidV7Milliseconds(id))
            #expect(abs(Double(milliseconds) / 1000 - date.timeIntervalSince1970) < 5, "the UUIDv7 carries the time: \(id)")
            ids.append(id)
        }
        #expect(Set(ids).count == 5)
        #expect(ids == ids.sorted(), "UUIDv7 ids sort by creation time: \(ids)")
    }

    @Test func atAcceptsISO8601WithAnOffsetAndStoresUTC() throws {
        let home = try TemporaryHome()
        let entry = try home.addJSON("date", ["--at", "2026-01-02T05:04:05+02:00"])
        #expect(entry["createdAt"]?.stringValue == "2026-01-02T03:04:05.000Z")
    }

    @Test func listIsAJSONArrayNewestFirstByTime() throws {
        let home = try TemporaryHome()
        try home.add("second", "--at", "2026-02-01T00:00:00Z")
        try home.add("first", "--at", "2026-01-01T00:00:00Z")
        try home.add("third", "--at", "2026-03-01T00:00:00Z")
        let result = try home.caro("history", "list", "--json")
        Expect.success(result)
        #expect(try result.commands() == ["third", "second", "first"])
        // Without --json the commands are listed in the same order.
        let plain = try home.caro("history", "list")
        Expect.success(plain)
        let positions = ["third", "second", "first"].compactMap { plain.stdout.range(of: $0)?.lowerBound }
        #expect(positions.count == 3 && positions == positions.sorted(), "plain list, newest first: \(plain.stdout)")
    }

    @Test func listLimitKeepsTheNewest() throws {
        let home = try TemporaryHome()
        for index in 1...6 { try home.add("cmd\(index)", "--at", "2026-01-0\(index)T12:00:00Z") }
        let result = try home.caro("history", "list", "--limit", "2", "--json")
        Expect.success(result)
        #expect(try result.commands() == ["cmd6", "cmd5"])
    }

    @Test func listOfAnEmptyHomeIsAnEmptyArray() throws {
        let home = try TemporaryHome()
        let result = try home.caro("history", "list", "--json")
        Expect.success(result)
        #expect(try result.json() == .array([]))
    }

    @Test func showPrintsTheEntryReadably() throws {
        let home = try TemporaryHome()
        let id = try home.add("git status --short", "--cwd", "/srv/app", "--exit", "0")
        let result = try home.caro("history", "show", id)
        Expect.success(result)
        #expect(result.stdout.contains("git status --short"))
        #expect(result.stdout.contains("/srv/app"))
    }

    @Test func addedTextKeepsUnicodeQuotesAndNewlines() throws {
        let home = try TemporaryHome()
        let command = "printf 'héllo \"wörld\" 🚀\\n'\necho $'tab\\there' && echo `date`"
        let entry = try home.addJSON(command, ["--tag", "ünïcode"])
        let id = try #require(entry["id"]?.stringValue)
        let shown = try home.caro("history", "show", id, "--json")
        #expect(try shown.json()["command"]?.stringValue == command)
        #expect(try shown.json()["tags"] == .array([.string("ünïcode")]))
    }

    /// A shell records whatever was typed, even text that looks like an option (`--command=VALUE` form).
    @Test func commandsThatLookLikeOptionsAreStoredVerbatim() throws {
        let home = try TemporaryHome()
        for command in ["--help", "-rf /tmp/x", "--version", "-", "--", "--command=inner"] {
            let result = try home.caro("history", "add", "--command=\(command)", "--json")
            Expect.success(result)
            #expect(try result.json()["command"]?.stringValue == command)
        }
        let withPrompt = try home.caro("history", "add", "--command=ls", "--prompt=-h", "--tag=--x", "--json")
        Expect.success(withPrompt)
        #expect(try withPrompt.json()["prompt"]?.stringValue == "-h")
        #expect(try withPrompt.json()["tags"] == .array([.string("--x")]))
        #expect(try home.allCommands().count == 7)
    }

    /// Demanding-user expectation: Enter on an empty prompt (the hook then sends "" or spaces) records nothing,
    /// so no blank rows appear in lists and stats; it is not an error either (hooks run in the background).
    @Test func blankCommandsAreNotStored() throws {
        let home = try TemporaryHome()
        try home.add("real command")
        for blank in ["", "   ", "\t", "\n"] {
            let result = try home.caro("history", "add", "--command", blank)
            #expect(!result.looksLikeACrash)
        }
        #expect(try home.allCommands() == ["real command"])
    }

    /// Issue 11: `history add` "never touches the network" (nor do the other local commands): no IP socket at all,
    /// not even a DNS lookup for the host name. Checked with strace where it is installed.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/strace"), "needs strace"))
    func localCommandsOpenNoNetworkSocket() throws {
        let home = try TemporaryHome()
        try home.add("warm")
        let trace = home.path + "/../caro-strace-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: trace) }
        for arguments in [["history", "add", "--command", "git push", "--exit", "0"], ["history", "search", "git"],
                          ["history", "list", "--json"], ["history", "stats", "--json"], ["prefs", "list"]] {
            let result = try Tool.run("/usr/bin/strace", ["-f", "-qq", "-e", "trace=socket,connect", "-o", trace,
                                                          CaroBinary.url.path, "--home", home.path] + arguments)
            Expect.success(result)
            let calls = (try? String(contentsOfFile: trace, encoding: .utf8)) ?? ""
            let network = calls.split(separator: "\n").filter { $0.contains("AF_INET") || $0.contains("AF_NETLINK") }
            #expect(network.isEmpty, "\(arguments) opened network sockets: \(network)")
        }
    }

    @Test func deviceIDStaysTheSameWithinAHomeAndDiffersBetweenHomes() throws {
        let home = try TemporaryHome()
        let first = try home.addJSON("a")["deviceID"]?.stringValue
        let second = try home.addJSON("b")["deviceID"]?.stringValue
        let other = try TemporaryHome().addJSON("c")["deviceID"]?.stringValue
        #expect(first != nil && first == second)
        #expect(first != other)
    }

    static func hostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
