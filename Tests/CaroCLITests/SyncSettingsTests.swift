import Foundation
import Testing

/// What sync carries besides history, and where its own settings live: exclusion patterns synced like
/// preferences; `config.toml` as the one source of the relay (and of `auto-sync`), with `sync.json`
/// holding credentials only. Real `caro relay` processes on 127.0.0.1, two device homes.
@Suite("caro sync settings", .serialized)
struct SyncSettingsTests {
    typealias Pair = SyncTests.Pair

    static func patterns(_ home: TemporaryHome) throws -> String {
        let listed = try home.caro("exclude", "list")
        #expect(listed.status == 0, "\(listed.stderr)")
        return listed.stdout
    }

    static func searchCount(_ home: TemporaryHome, _ text: String) throws -> Int {
        let found = try home.caro("history", "search", text, "--json")
        #expect(found.status == 0, "\(found.stderr)")
        return (try JSONSerialization.jsonObject(with: Data(found.stdout.utf8)) as? [[String: Any]] ?? []).count
    }

    @Test func anExclusionPatternAddedOnAStopsRecordingMatchingCommandsOnB() throws {
        let pair = try Pair()
        // Before the pattern syncs, B records such a command.
        _ = try pair.b.caro("history", "add", "--command", "vault login -method=userpass before")
        #expect(try Self.searchCount(pair.b, "vault") == 1)

        #expect(try pair.a.caro("exclude", "add", "^vault login").status == 0)
        try SyncTests.syncNow(pair.a)
        try SyncTests.syncNow(pair.b)
        #expect(try Self.patterns(pair.b).contains("^vault login"))
        let added = try pair.b.caro("history", "add", "--command", "vault login -method=userpass after")
        #expect(added.status == 0, "\(added.stderr)")
        #expect(try Self.searchCount(pair.b, "vault") == 1, "B recorded a command A's pattern excludes")
        #expect(try pair.b.caro("exclude", "test", "vault login -method=oidc").status == 0)

        // Patterns added on both devices while offline both survive; a removal wins over the older add.
        #expect(try pair.a.caro("exclude", "add", "^op signin").status == 0)
        #expect(try pair.b.caro("exclude", "add", "^gcloud auth").status == 0)
        #expect(try pair.b.caro("exclude", "remove", "^vault login").status == 0)
        try SyncTests.syncNow(pair.a)
        try SyncTests.syncNow(pair.b)
        try SyncTests.syncNow(pair.a)
        for home in [pair.a, pair.b] {
            let patterns = try Self.patterns(home)
            #expect(patterns.contains("^op signin") && patterns.contains("^gcloud auth"), "\(patterns)")
            #expect(!patterns.contains("^vault login"), "the removal on B did not win: \(patterns)")
        }
        #expect(try pair.a.caro("exclude", "test", "vault login -method=oidc").status == 1)
    }

    @Test func theRelayIsReadFromConfigTomlAndSyncJsonHoldsCredentialsOnly() throws {
        let pair = try Pair()
        for home in [pair.a, pair.b] {
            let credentials = try String(contentsOfFile: home.path + "/sync.json", encoding: .utf8)
            #expect(!credentials.contains("relay") && !credentials.contains("127.0.0.1"), "\(credentials)")
            #expect(try home.caro("config", "get", "relay").stdout.trimmingCharacters(in: .whitespacesAndNewlines) == pair.relay.url)
        }
        // Pointing config.toml elsewhere moves sync there: a closed port is unreachable (exit 3).
        let closed = try RelayProcess(["--in-memory"])
        let closedURL = closed.url
        closed.stop()
        #expect(try pair.a.caro("config", "set", "relay", closedURL).status == 0)
        let unreachable = try pair.a.caro("sync", "now")
        #expect(unreachable.status == 3, "\(unreachable.stdout) \(unreachable.stderr)")
        #expect(unreachable.stderr.contains(closedURL), "\(unreachable.stderr)")
        #expect(try pair.a.caro("config", "set", "relay", pair.relay.url).status == 0)
        try SyncTests.syncNow(pair.a)
        // No relay at all: one sentence that says where to set it.
        #expect(try pair.a.caro("config", "unset", "relay").status == 0)
        let unset = try pair.a.caro("sync", "now")
        #expect(unset.status == 1)
        #expect(unset.stderr.contains("caro config set relay"), "\(unset.stderr)")
    }

    @Test func aRelayInASyncJsonOfAnEarlierCaroMovesToConfigTomlSilently() throws {
        let pair = try Pair()
        // As an earlier caro left B: the relay in sync.json, none in config.toml.
        let path = pair.b.path + "/sync.json"
        var credentials = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any] ?? [:]
        credentials["relay"] = pair.relay.url
        try JSONSerialization.data(withJSONObject: credentials).write(to: URL(fileURLWithPath: path))
        try FileManager.default.removeItem(atPath: pair.b.path + "/config.toml")

        _ = try pair.a.caro("history", "add", "--command", "migrated-relay-entry")
        try SyncTests.syncNow(pair.a)
        let synced = try pair.b.caro("sync", "now")
        #expect(synced.status == 0, "\(synced.stderr)")
        #expect(!synced.stderr.contains("sync.json") && !synced.stderr.contains("config.toml"), "not silent: \(synced.stderr)")
        #expect(try Self.searchCount(pair.b, "migrated") == 1)
        #expect(try pair.b.caro("config", "get", "relay").stdout.trimmingCharacters(in: .whitespacesAndNewlines) == pair.relay.url)
        #expect(!(try String(contentsOfFile: path, encoding: .utf8)).contains("relay"))
    }

    @Test func autoSyncFalseInConfigTomlKeepsHistoryAddFromSyncing() throws {
        let pair = try Pair()
        #expect(try pair.a.caro("prefs", "set", "sync-frequency", "60").status == 0)
        #expect(try pair.a.caro("config", "set", "auto-sync", "false").status == 0)
        #expect(try pair.a.caro("history", "add", "--command", "stays-pending-entry").status == 0)
        Thread.sleep(forTimeInterval: 1.5)
        #expect(!FileManager.default.fileExists(atPath: pair.a.path + "/auto-sync.stamp"), "a background sync was started")
        #expect(try pair.a.caro("sync", "status", "--json").stdout.contains(#""pending":1"#))

        // Back on: the next add syncs in the background and pushes both entries.
        #expect(try pair.a.caro("config", "set", "auto-sync", "true").status == 0)
        #expect(try pair.a.caro("history", "add", "--command", "second-entry").status == 0)
        var pushed = false
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline && !pushed {
            Thread.sleep(forTimeInterval: 0.2)
            pushed = try pair.a.caro("sync", "status", "--json").stdout.contains(#""pending":0"#)
        }
        #expect(pushed, "auto-sync = true did not push the pending entries")
    }

    /// `sync join` on a terminal (`script` gives it one) draws a restore bar on stderr and clears it;
    /// piped (as every other test runs it) or with `--quiet`, none.
    @Test func joinDrawsARestoreProgressBarOnlyOnATerminal() throws {
        let history = FileManager.default.temporaryDirectory.appendingPathComponent("caro-zsh-\(UUID().uuidString)").path
        try (0..<1_200).map { ": \(1_700_000_000 + $0):0;echo restore \($0)\n" }.joined().write(toFile: history, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: history) }
        let pair = try Pair(beforeInit: { home in
            let imported = try home.caro("history", "import", "zsh", history)
            #expect(imported.status == 0, "\(imported.stderr)")
        })
        func join(_ extra: [String]) throws -> String {
            let home = try TemporaryHome()
            let command = ([CaroBinary.url.path, "--home", home.path, "sync", "join", "--relay", pair.relay.url, "--words-file", pair.words] + extra)
                .map { "'" + $0 + "'" }.joined(separator: " ")
            let result = try ExternalProcess.run("/usr/bin/script", ["-qefc", command, "/dev/null"])
            #expect(result.status == 0, "\(result.stdout)")
            #expect(try home.caro("history", "stats", "--json").stdout.contains(#""entries":1200"#))
            return result.stdout
        }
        let shown = try join([])
        #expect(shown.contains("restoring history [") && shown.contains("100% 3/3 batches"), "\(shown)")
        #expect(shown.contains("\r\u{1B}[K"), "the bar is not cleared: \(shown)")
        #expect(!(try join(["--quiet"])).contains("restoring"))
        let piped = try TemporaryHome().caro("sync", "join", "--relay", pair.relay.url, "--words-file", pair.words)
        #expect(piped.status == 0 && !piped.stderr.contains("restoring"), "\(piped.stderr)")
    }

    /// A large backlog reaching an existing device (here 17 feed transactions) is applied in slices by
    /// `sync now`, with a bar on a terminal, and under the synced retention: A's newer `max-entries 0` is
    /// not undercut by B's older `max-entries 5000` while the 8 500 entries go in.
    @Test func syncNowAppliesALargeBacklogInSlicesUnderTheSyncedRetention() throws {
        let pair = try Pair()
        let history = FileManager.default.temporaryDirectory.appendingPathComponent("caro-zsh-\(UUID().uuidString)").path
        try (0..<8_500).map { ": \(1_700_000_000 + $0):0;echo backlog \($0)\n" }.joined().write(toFile: history, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: history) }
        #expect(try pair.b.caro("prefs", "set", "max-entries", "5000").status == 0)
        Thread.sleep(forTimeInterval: 0.01)
        #expect(try pair.a.caro("prefs", "set", "max-entries", "0").status == 0)
        #expect(try pair.a.caro("history", "import", "zsh", history).status == 0)
        try SyncTests.syncNow(pair.a)

        let command = [CaroBinary.url.path, "--home", pair.b.path, "sync", "now"].map { "'" + $0 + "'" }.joined(separator: " ")
        let result = try ExternalProcess.run("/usr/bin/script", ["-qefc", command, "/dev/null"])
        #expect(result.status == 0, "\(result.stdout)")
        #expect(result.stdout.contains("applying history [") && result.stdout.contains("100% 17/17 batches"), "\(result.stdout)")
        #expect(result.stdout.contains("received 8500 entries"), "\(result.stdout)")
        let stats = try pair.b.caro("history", "stats", "--json").stdout
        #expect(stats.contains(#""entries":8500"#) && stats.contains(#""maxEntries":0"#), "\(stats)")
        // Nothing is applied twice: the next sync receives nothing.
        let again = try pair.b.caro("sync", "now", "--json")
        #expect(again.status == 0 && again.stdout.contains(#""received":0"#), "\(again.stdout)")
    }
}
