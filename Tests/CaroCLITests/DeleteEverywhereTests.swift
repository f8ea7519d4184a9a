import Foundation
import Testing

/// `caro history delete --all` and retention across devices (issue 13): real `caro relay` processes,
/// several device homes, the built binary.
@Suite("delete everywhere and synced retention", .serialized)
struct DeleteEverywhereTests {
    static func commands(_ home: TemporaryHome) throws -> Set<String> {
        let listed = try home.caro("history", "list", "--limit", "100000", "--json")
        #expect(listed.status == 0, "\(listed.stderr)")
        return Set(try listed.commands())
    }

    static func add(_ home: TemporaryHome, _ command: String, _ extra: String...) throws -> String {
        let added = try home.caro(arguments: ["history", "add", "--command", command] + extra)
        #expect(added.status == 0, "\(added.stderr)")
        return added.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func deleteAllReachesAnOfflineDeviceAndRemovesWhatItRecordedBeforeButNotAfter() throws {
        let pair = try SyncTests.Pair()
        for index in 0..<3 { _ = try Self.add(pair.a, "shared-\(index)") }
        try SyncTests.syncNow(pair.a)
        try SyncTests.syncNow(pair.b)
        #expect(try Self.commands(pair.b) == ["shared-0", "shared-1", "shared-2"])

        // B goes offline and records two commands it has not pushed when A deletes everything.
        _ = try Self.add(pair.b, "offline-before-1")
        _ = try Self.add(pair.b, "offline-before-2")
        Thread.sleep(forTimeInterval: 0.01)

        // Without a terminal and without --yes: refused, nothing deleted.
        let refused = try pair.a.caro("history", "delete", "--all")
        Expect.cleanFailure(refused, mentioning: ["--yes"])
        #expect(try Self.commands(pair.a).count == 3)
        // With IDs or filters: a usage error.
        #expect(try pair.a.caro("history", "delete", "--all", "--yes", "--cwd", "/x").status != 0)

        let deleted = try pair.a.caro("history", "delete", "--all", "--yes", "--json")
        #expect(deleted.status == 0, "\(deleted.stderr)")
        #expect(deleted.stdout.contains("\"deleted\":3"), "\(deleted.stdout)")
        #expect(try Self.commands(pair.a).isEmpty)
        try SyncTests.syncNow(pair.a)

        // B reconnects: the shared entries and its own unpushed ones from before the delete are gone
        // (and those were not pushed: no relay gets their ciphertext).
        let reconnected = try pair.b.caro("sync", "now", "--json")
        #expect(reconnected.status == 0, "\(reconnected.stderr)")
        #expect(reconnected.stdout.contains("\"pushed\":0"), "\(reconnected.stdout)")
        #expect(try Self.commands(pair.b).isEmpty)
        try SyncTests.syncNow(pair.a)
        #expect(try Self.commands(pair.a).isEmpty)

        // What either device records afterwards survives, and syncs.
        Thread.sleep(forTimeInterval: 0.01)
        _ = try Self.add(pair.a, "after-on-a")
        _ = try Self.add(pair.b, "after-on-b")
        try SyncTests.syncNow(pair.b)
        try SyncTests.syncNow(pair.a)
        try SyncTests.syncNow(pair.b)
        #expect(try Self.commands(pair.a) == ["after-on-a", "after-on-b"])
        #expect(try Self.commands(pair.b) == ["after-on-a", "after-on-b"])

        // A command imported later with a time before the delete does not come back either.
        _ = try pair.b.caro("history", "add", "--command", "old-command", "--at", "2020-01-01T00:00:00Z")
        #expect(try !Self.commands(pair.b).contains("old-command"))
    }

    @Test func aDeleteAllWhileWatchRunsIsPushedWithoutAnotherAdd() throws {
        let pair = try SyncTests.Pair()
        _ = try Self.add(pair.a, "shared")
        try SyncTests.syncNow(pair.a)
        try SyncTests.syncNow(pair.b)
        #expect(try Self.commands(pair.b) == ["shared"])
        let watcher = try SyncTests.start(pair.a, "sync", "watch")
        defer {
            watcher.terminate()
            watcher.waitUntilExit()
        }
        Thread.sleep(forTimeInterval: 1)
        #expect(try pair.a.caro("history", "delete", "--all", "--yes").status == 0)
        let deadline = Date().addingTimeInterval(20)
        var cleared = false
        while Date() < deadline && !cleared {
            Thread.sleep(forTimeInterval: 0.3)
            try SyncTests.syncNow(pair.b)
            cleared = try Self.commands(pair.b).isEmpty
        }
        #expect(cleared, "B still has the entry 20 s after the delete --all on the watching device")
    }

    @Test func aDeviceThatJoinsAfterADeleteAllRestoresOnlyWhatCameAfter() throws {
        let relay = try RelayProcess(["--in-memory"])
        defer { relay.stop() }
        let a = try TemporaryHome()
        let words = a.path + "-words.txt"
        defer { try? FileManager.default.removeItem(atPath: words) }
        _ = try Self.add(a, "before-1")
        #expect(try a.caro("sync", "init", "--relay", relay.url, "--words-file", words, "--device-name", "a").status == 0)
        Thread.sleep(forTimeInterval: 0.01)
        #expect(try a.caro("history", "delete", "--all", "--yes").status == 0)
        Thread.sleep(forTimeInterval: 0.01)
        _ = try Self.add(a, "after-1")
        try SyncTests.syncNow(a)

        // B had its own old history before joining: the identity's delete-all clears it too.
        let b = try TemporaryHome()
        _ = try Self.add(b, "b-old", "--at", "2021-06-01T00:00:00Z")
        let joined = try b.caro("sync", "join", "--relay", relay.url, "--words-file", words, "--device-name", "b")
        #expect(joined.status == 0, "\(joined.stderr)")
        #expect(try Self.commands(b) == ["after-1"])
    }

    @Test func retentionSetOnOneDeviceKeepsTheSameEntriesOnEvery() throws {
        let pair = try SyncTests.Pair()
        // Entries on both devices, several in the same millisecond (ties are broken by ID everywhere).
        for index in 0..<6 { _ = try Self.add(pair.a, "a-\(index)", "--at", "2026-03-0\(index + 1)T10:00:00.000Z") }
        for index in 0..<6 { _ = try Self.add(pair.b, "b-\(index)", "--at", "2026-03-0\(index + 1)T10:00:00.000Z") }
        #expect(try pair.a.caro("prefs", "set", "max-entries", "5").status == 0)
        try SyncTests.syncNow(pair.a)
        try SyncTests.syncNow(pair.b)
        try SyncTests.syncNow(pair.a)
        #expect(try pair.b.caro("prefs", "get", "max-entries").stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "5")
        let onA = try SyncTests.ids(pair.a)
        let onB = try SyncTests.ids(pair.b)
        #expect(onA.count == 5)
        #expect(onA == onB)
        // The newest five: both of March 6th, both of the 5th, and one of the 4th.
        let kept = try Self.commands(pair.a)
        #expect(kept.isSuperset(of: ["a-5", "b-5", "a-4", "b-4"]), "\(kept)")
        #expect(kept.intersection(["a-3", "b-3"]).count == 1, "\(kept)")

        // Days, set on B: entries older than that go on both.
        _ = try Self.add(pair.b, "recent")
        #expect(try pair.b.caro("prefs", "set", "retention-days", "1").status == 0)
        try SyncTests.syncNow(pair.b)
        try SyncTests.syncNow(pair.a)
        #expect(try Self.commands(pair.a) == ["recent"])
        #expect(try Self.commands(pair.b) == ["recent"])
    }

    @Test func shellHistoryOlderThanADeleteAllIsNotImportedAgain() throws {
        let home = try TemporaryHome()
        _ = try Self.add(home, "before")
        #expect(try home.caro("history", "delete", "--all", "--yes").status == 0)
        let file = home.path + "/bash_history"
        try "#1600000000\nold-one\n#1600000060\nold-two\n#\(Int(Date().timeIntervalSince1970) + 60)\nnew-one\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        for expected in [1, 0] {
            let imported = try home.caro("history", "import", "bash", file, "--json")
            #expect(imported.status == 0, "\(imported.stderr)")
            #expect(try Self.commands(home) == ["new-one"])
            #expect(imported.stdout.contains("\"imported\":\(expected),"), "\(imported.stdout)")
        }
    }

    @Test func deletingAKnownAndAnUnknownIDNamesTheUnknownOneAndDeletesNothing() throws {
        let home = try TemporaryHome()
        let known = try Self.add(home, "keep me")
        let unknown = "01900000-0000-7000-8000-0000000000ab"
        let result = try home.caro("history", "delete", known, unknown)
        Expect.cleanFailure(result, mentioning: [unknown])
        #expect(try Self.commands(home) == ["keep me"])
    }
}
