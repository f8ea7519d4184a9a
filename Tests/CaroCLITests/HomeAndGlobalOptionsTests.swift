import Foundation
import JazzProto
import Testing

/// Where a home lives (`--home`, `CARO_HOME`, XDG), the global options (`--json`, `--quiet`, `--verbose`), exit
/// codes, and twenty shells adding at once (issue 11).
@Suite("caro home and global options")
struct HomeAndGlobalOptionsTests {
    /// An environment with no caro or XDG variables and `HOME` in a scratch directory.
    static func isolatedEnvironment(home: String, _ extra: [String: String?] = [:]) -> [String: String?] {
        var environment: [String: String?] = ["CARO_HOME": nil, "XDG_DATA_HOME": nil, "XDG_CONFIG_HOME": nil, "HOME": home]
        for (key, value) in extra { environment[key] = value }
        return environment
    }

    @Test func caroHomeHoldsTheWholeHome() throws {
        let scratch = try Files.temporaryDirectory("caro-env")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let environment = Self.isolatedEnvironment(home: scratch + "/user", [
            "CARO_HOME": scratch + "/carohome", "XDG_DATA_HOME": scratch + "/xdg-data", "XDG_CONFIG_HOME": scratch + "/xdg-config",
        ])
        Expect.success(try CaroBinary.run(["history", "add", "--command", "via CARO_HOME"], environment: environment))
        Expect.success(try CaroBinary.run(["prefs", "set", "max-entries", "77"], environment: environment))
        #expect(Files.regularFiles(under: scratch + "/carohome").contains(where: Files.isSQLite))
        #expect(Files.regularFiles(under: scratch + "/xdg-data").isEmpty)
        #expect(Files.regularFiles(under: scratch + "/xdg-config").isEmpty)
        #expect(Files.regularFiles(under: scratch + "/user").isEmpty)
        let list = try CaroBinary.run(["history", "list", "--json"], environment: environment)
        #expect(try list.commands() == ["via CARO_HOME"])
        let prefs = try CaroBinary.run(["prefs", "get", "max-entries"], environment: environment)
        #expect(prefs.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "77")
        // --home wins over CARO_HOME.
        let other = try TemporaryHome()
        let overridden = try CaroBinary.run(["--home", other.path, "history", "list", "--json"], environment: environment)
        #expect(try overridden.commands() == [])
    }

    /// Where things live without `--home` (the lead's decision on finding T3, see Docs/cli.md): the database, with
    /// the synced preferences and exclusion patterns, in `$XDG_DATA_HOME/caro`; `$XDG_CONFIG_HOME/caro` is for the
    /// device-local config file of a later issue; nothing is written anywhere else.
    @Test func xdgDirectoriesWithoutAHome() throws {
        let scratch = try Files.temporaryDirectory("caro-xdg")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let cwd = scratch + "/cwd"
        try FileManager.default.createDirectory(atPath: cwd, withIntermediateDirectories: true)
        let environment = Self.isolatedEnvironment(home: scratch + "/user", [
            "XDG_DATA_HOME": scratch + "/data", "XDG_CONFIG_HOME": scratch + "/config",
        ])
        func run(_ arguments: String...) throws -> CaroBinary.Result {
            try CaroBinary.run(arguments, environment: environment, currentDirectory: cwd)
        }
        Expect.success(try run("history", "add", "--command", "via XDG"))
        Expect.success(try run("prefs", "set", "retention-days", "12"))
        Expect.success(try run("exclude", "add", "xdg-secret"))
        let database = Files.regularFiles(under: scratch + "/data/caro").filter(Files.isSQLite)
        #expect(database.count == 1, "the database is in $XDG_DATA_HOME/caro: \(Files.regularFiles(under: scratch))")
        #expect(!Files.anyFile(under: scratch + "/data/caro", contains: "xdg-secret").isEmpty,
                "exclusion patterns live with the data: \(Files.regularFiles(under: scratch))")
        #expect(!Files.regularFiles(under: scratch + "/config/caro").contains(where: Files.isSQLite))
        let elsewhere = Files.regularFiles(under: scratch).filter {
            !$0.hasPrefix(scratch + "/data/caro/") && !$0.hasPrefix(scratch + "/config/caro/")
        }
        #expect(elsewhere.isEmpty, "files outside the XDG directories (HOME, current directory): \(elsewhere)")
        // Everything survives across processes.
        #expect(try run("history", "list", "--json").commands() == ["via XDG"])
        #expect(try run("prefs", "get", "retention-days").stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "12")
        #expect(try run("exclude", "list").stdout.contains("xdg-secret"))
        _ = try run("history", "add", "--command", "echo xdg-secret")
        #expect(try run("history", "list", "--json").commands() == ["via XDG"])
    }

    @Test func xdgDefaultsUnderHOMEWhenUnset() throws {
        let scratch = try Files.temporaryDirectory("caro-xdg-default")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let environment = Self.isolatedEnvironment(home: scratch)
        Expect.success(try CaroBinary.run(["history", "add", "--command", "via defaults"], environment: environment))
        Expect.success(try CaroBinary.run(["prefs", "set", "max-entries", "99"], environment: environment))
        #expect(Files.regularFiles(under: scratch + "/.local/share/caro").contains(where: Files.isSQLite),
                "database in ~/.local/share/caro: \(Files.regularFiles(under: scratch))")
        let elsewhere = Files.regularFiles(under: scratch).filter {
            !$0.hasPrefix(scratch + "/.local/share/caro/") && !$0.hasPrefix(scratch + "/.config/caro/")
        }
        #expect(elsewhere.isEmpty, "files outside the XDG directories: \(elsewhere)")
        #expect(try CaroBinary.run(["history", "list", "--json"], environment: environment).commands() == ["via defaults"])
        #expect(try CaroBinary.run(["prefs", "get", "max-entries"], environment: environment)
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "99")
    }

    @Test func globalOptionsAlsoWorkAfterTheSubcommand() throws {
        let home = try TemporaryHome()
        let added = try CaroBinary.run(["history", "add", "--command", "uname -a", "--home", home.path, "--json"])
        Expect.success(added)
        #expect(try added.json()["command"]?.stringValue == "uname -a")
        #expect(try CaroBinary.run(["history", "list", "--home", home.path, "--json"]).commands() == ["uname -a"])
        #expect(try CaroBinary.run(["--json", "--home", home.path, "history", "list"]).commands() == ["uname -a"])
    }

    @Test func aBadFlagOrSubcommandExits2() throws {
        let home = try TemporaryHome()
        for arguments in [["history", "add", "--command", "ls", "--bogus"], ["history", "frobnicate"], ["--bogus", "history", "list"],
                          ["history", "search", "--limit"], ["prefs", "set", "max-entries"], ["exclude", "nope"]] {
            let result = try home.caro(arguments: arguments)
            #expect(result.status == 2, "\(arguments) exits \(result.status): \(result.stderr.prefix(300))")
            #expect(!result.errorLines.isEmpty && !result.looksLikeACrash)
        }
        #expect(try home.allCommands() == [])
    }

    @Test func quietSilencesConfirmationsButNotResultsOrErrors() throws {
        let home = try TemporaryHome()
        let id = try home.add("to delete")
        for arguments in [["--quiet", "prefs", "set", "max-entries", "9"], ["-q", "exclude", "add", "quiet-pattern"],
                          ["--quiet", "history", "delete", id], ["-q", "exclude", "builtin", "on"]] {
            let result = try home.caro(arguments: arguments)
            Expect.success(result)
            #expect(result.stdout.isEmpty && result.stderr.isEmpty, "\(arguments) printed \(result.stdout)\(result.stderr)")
        }
        #expect(try home.caro("prefs", "get", "max-entries").stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "9")
        #expect(try home.allCommands() == [])
        let add = try home.caro("--quiet", "history", "add", "--command", "quiet add")
        Expect.success(add)
        #expect(add.stderr.isEmpty)
        let list = try home.caro("history", "list", "--json", "--quiet")
        #expect(try list.commands() == ["quiet add"], "results are still printed under --quiet")
        let failure = try home.caro("--quiet", "history", "show", "0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b")
        Expect.cleanFailure(failure)
    }

    @Test func verboseKeepsStdoutMachineReadable() throws {
        let home = try TemporaryHome()
        try home.add("echo verbose")
        for flag in ["--verbose", "-v"] {
            let list = try home.caro(flag, "history", "list", "--json")
            Expect.success(list)
            #expect(try list.commands() == ["echo verbose"])
            let stats = try home.caro(flag, "history", "stats", "--json")
            #expect(try stats.json()["entries"] == .number(1))
        }
    }

    @Test func helpListsTheHistoryCommands() throws {
        let result = try CaroBinary.run(["history", "--help"])
        Expect.success(result)
        for command in ["add", "list", "search", "show", "delete", "import", "stats"] {
            #expect(result.stdout.contains(command), "history --help lists \(command)")
        }
        for command in ["history", "prefs", "exclude"] {
            #expect(try CaroBinary.run(["--help"]).stdout.contains(command))
        }
    }

    /// Twenty shells adding at once: every entry kept, never "database is locked".
    @Test func twentyProcessesAddingFiftyEachAtOnce() throws {
        let home = try TemporaryHome()
        // A brand-new home: the twenty also race to create the database and run its migrations.
        let errors = try Self.addConcurrently(home: home, workers: 20, each: 50)
        #expect(!errors.localizedCaseInsensitiveContains("locked"), "\(errors.prefix(1000))")
        #expect(errors.isEmpty, "\(errors.prefix(1000))")
        let commands = try home.allCommands()
        #expect(commands.count == 1000)
        let expected = Set((0..<20).flatMap { worker in (0..<50).map { "worker \(worker) entry \($0)" } })
        #expect(Set(commands) == expected)
        #expect(try HistoryDeleteStatsTests.stats(home)["entries"] == .number(1000))
        let list = try home.caro("history", "list", "--json", "--limit", "2000")
        let ids = try list.entries().compactMap { $0["id"]?.stringValue }
        #expect(Set(ids).count == 1000, "every entry has its own ID")
        #expect(try Tool.integrityIsOK(try home.databaseFile()))
    }

    /// Retention under the same race: whatever order the adds commit in, exactly max-entries stay.
    @Test func concurrentAddsKeepExactlyMaxEntries() throws {
        let home = try TemporaryHome()
        Expect.success(try home.caro("prefs", "set", "max-entries", "40"))
        let errors = try Self.addConcurrently(home: home, workers: 10, each: 20)
        #expect(errors.isEmpty, "\(errors.prefix(1000))")
        #expect(try home.allCommands().count == 40)
        #expect(try HistoryDeleteStatsTests.stats(home)["entries"] == .number(40))
        #expect(try Tool.integrityIsOK(try home.databaseFile()))
    }

    /// Starts `workers` shells at once, each running `caro history add` `each` times ("worker W entry I");
    /// returns what they wrote to stderr (plus a line per non-zero exit).
    static func addConcurrently(home: TemporaryHome, workers: Int, each: Int) throws -> String {
        let scratch = try Files.temporaryDirectory("caro-concurrent")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let script = """
            i=0
            while [ $i -lt \(each) ]; do
              "$CARO" --home "$CARO_TEST_HOME" history add --command "worker $W entry $i" --cwd /w$W >/dev/null 2>>"$ERR" \\
                || echo "exit $? for worker $W entry $i" >>"$ERR"
              i=$((i + 1))
            done
            """
        var processes: [Process] = []
        for worker in 0..<workers {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", script]
            var environment = ProcessInfo.processInfo.environment
            environment["CARO"] = CaroBinary.url.path
            environment["CARO_TEST_HOME"] = home.path
            environment["W"] = String(worker)
            environment["ERR"] = scratch + "/err\(worker)"
            process.environment = environment
            processes.append(process)
        }
        for process in processes { try process.run() }
        for process in processes { process.waitUntilExit() }
        return (0..<workers).compactMap { try? String(contentsOfFile: scratch + "/err\($0)", encoding: .utf8) }.joined()
    }
}
