import CaroStore
import Foundation
import Testing

/// `caro history compact` and the automatic compaction, end to end: a real `caro relay` with an SQLite
/// file, device homes that sync through it, and the relay's files read byte by byte.
@Suite("caro history compact", .serialized)
struct CompactionTests {
    static func relayDatabase() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("caro-compact-\(UUID().uuidString).db").path
    }

    /// The `encryptedChanges` texts of every transaction the relay stores for the CoValue `id`.
    static func ciphertexts(in database: String, of id: String) throws -> Set<String> {
        let connection = try SQLiteDatabase(path: database, options: .init(create: false, readOnly: true))
        defer { connection.close() }
        let statement = try connection.prepare(
            "SELECT t.tx FROM transactions t JOIN sessions s ON t.ses = s.rowID JOIN coValues c ON s.coValue = c.rowID WHERE c.id = ?")
        try statement.bind(id, at: 1)
        var texts: Set<String> = []
        while try statement.step() {
            let tx = try JSONSerialization.jsonObject(with: Data((statement.text(at: 0) ?? "").utf8)) as? [String: Any]
            if let encrypted = tx?["encryptedChanges"] as? String { texts.insert(encrypted) }
        }
        return texts
    }

    /// Whether the relay's database file or its write-ahead log holds `needle`'s bytes.
    static func relayFilesContain(_ database: String, _ needle: String) -> Bool {
        [database, database + "-wal"].contains { path in
            guard let bytes = FileManager.default.contents(atPath: path) else { return false }
            return bytes.range(of: Data(needle.utf8)) != nil
        }
    }

    static func syncJSON(_ home: TemporaryHome) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: home.path + "/sync.json"))
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    /// The history stream a home syncs with: `sync-state.json`'s after a compaction, else `sync.json`'s.
    static func currentStream(_ home: TemporaryHome) throws -> String? {
        let data = try? Data(contentsOf: URL(fileURLWithPath: home.path + "/sync-state.json"))
        let state = data.flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
        if let stream = state?["stream"] as? String { return stream }
        return try syncJSON(home)["history"] as? String
    }

    static func commands(_ home: TemporaryHome) throws -> Set<String> {
        let listed = try home.caro("history", "list", "--limit", "100000", "--json")
        #expect(listed.status == 0, "\(listed.stderr)")
        let entries = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]] ?? []
        return Set(entries.compactMap { $0["command"] as? String })
    }

    @Test func compactionErasesDeletedCiphertextFromTheRelayAndEveryDeviceFollows() throws {
        let database = Self.relayDatabase()
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: database + suffix) } }
        let pair = try SyncTests.Pair(relayArguments: ["--db", database])
        let (a, b) = (pair.a, pair.b)
        let c = try TemporaryHome()  // Offline during the compaction.
        #expect(try c.caro("sync", "join", "--relay", pair.relay.url, "--words-file", pair.words, "--device-name", "phone").status == 0)
        for index in 0..<5 { _ = try a.caro("history", "add", "--command", "kept-\(index) --verbose") }
        try SyncTests.syncNow(a)
        let stream = try #require(Self.syncJSON(a)["history"] as? String)
        let before = try Self.ciphertexts(in: database, of: stream)

        // The entry to delete travels alone in one transaction: its ciphertext is what must disappear.
        let added = try a.caro("history", "add", "--command", "export API_TOKEN=leaked", "--json")
        let leaked = try #require((try JSONSerialization.jsonObject(with: Data(added.stdout.utf8)) as? [String: Any])?["id"] as? String)
        try SyncTests.syncNow(a)
        let secret = try Self.ciphertexts(in: database, of: stream).subtracting(before)
        #expect(secret.count == 1)
        try SyncTests.syncNow(b)
        try SyncTests.syncNow(c)
        _ = try c.caro("history", "add", "--command", "written-on-the-offline-phone")

        #expect(try a.caro("history", "delete", leaked).status == 0)
        try SyncTests.syncNow(a)
        try SyncTests.syncNow(b)
        // A delete alone leaves the ciphertext on the relay (the control for the check below).
        for text in secret { #expect(Self.relayFilesContain(database, text)) }

        let compacted = try b.caro("history", "compact", "--json")
        #expect(compacted.status == 0, "\(compacted.stderr)")
        let outcome = try JSONSerialization.jsonObject(with: Data(compacted.stdout.utf8)) as? [String: Any] ?? [:]
        #expect(outcome["entries"] as? Int == 5)
        #expect(outcome["deletions"] as? Int == 1)
        #expect(outcome["oldStream"] as? String == stream)
        for text in secret {
            #expect(!Self.relayFilesContain(database, text), "the deleted entry's transaction is still in the relay's files")
        }
        // What the relay keeps of the old stream: its header and the delete session only.
        #expect(try Self.ciphertexts(in: database, of: stream).isEmpty)

        // A keeps writing and follows; the offline phone catches up and its pending entry is not lost.
        _ = try a.caro("history", "add", "--command", "after-the-compaction-on-a")
        let switched = try a.caro("sync", "now", "--json")
        #expect(switched.status == 0, "\(switched.stderr)")
        // The new stream repeats what A has: nothing counts as received.
        #expect(switched.stdout.contains(#""received":0"#), "\(switched.stdout)")
        try SyncTests.syncNow(c)
        try SyncTests.syncNow(b)
        try SyncTests.syncNow(a)
        let expected = Set((0..<5).map { "kept-\($0) --verbose" } + ["written-on-the-offline-phone", "after-the-compaction-on-a"])
        for home in [a, b, c] { #expect(try Self.commands(home) == expected) }
        #expect(try SyncTests.ids(a) == SyncTests.ids(b))
        #expect(try SyncTests.ids(a) == SyncTests.ids(c))

        // A device joining afterwards restores the compacted history.
        let d = try TemporaryHome()
        let joined = try d.caro("sync", "join", "--relay", pair.relay.url, "--words-file", pair.words, "--device-name", "new")
        #expect(joined.status == 0, "\(joined.stderr)")
        #expect(try Self.commands(d) == expected)
    }

    /// A device whose clock is a year behind joins, writes and compacts (`CARO_TEST_CLOCK_SKEW_MS`, the
    /// test hook of FaultInjectionTests): its membership (written by the identity on that device), its
    /// entries and the compaction's root pointer and delete are dated after the Caro group's newest
    /// transaction, so the other devices accept them and follow the new stream.
    @Test func aDeviceWhoseClockIsAYearBehindJoinsAndCompactsAndTheOthersFollow() throws {
        let pair = try SyncTests.Pair()
        let a = pair.a
        let behind = try TemporaryHome()
        let skew = ["CARO_TEST_CLOCK_SKEW_MS": String(-365 * 86_400_000)]
        func skewed(_ arguments: String...) throws -> CaroBinary.Result {
            let result = try behind.caro(arguments: arguments, environment: skew)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            return result
        }
        _ = try skewed("sync", "join", "--relay", pair.relay.url, "--words-file", pair.words, "--device-name", "behind")
        for index in 0..<3 { _ = try a.caro("history", "add", "--command", "kept-\(index)") }
        let added = try a.caro("history", "add", "--command", "deleted-before-the-compaction", "--json")
        let doomed = try #require((try JSONSerialization.jsonObject(with: Data(added.stdout.utf8)) as? [String: Any])?["id"] as? String)
        try SyncTests.syncNow(a)
        _ = try skewed("history", "add", "--command", "written-behind")
        _ = try skewed("sync", "now")
        #expect(try a.caro("history", "delete", doomed).status == 0)
        try SyncTests.syncNow(a)
        _ = try skewed("sync", "now")

        let compacted = try skewed("history", "compact", "--json")
        let outcome = try JSONSerialization.jsonObject(with: Data(compacted.stdout.utf8)) as? [String: Any] ?? [:]
        let newStream = try #require(outcome["newStream"] as? String, "\(compacted.stdout)")
        #expect(outcome["deletions"] as? Int == 1)

        let expected: Set<String> = ["kept-0", "kept-1", "kept-2", "written-behind"]
        try SyncTests.syncNow(a)
        #expect(try Self.currentStream(a) == newStream, "the device with the right clock did not follow the compaction")
        #expect(try Self.commands(a) == expected)
        let fresh = try TemporaryHome()
        #expect(try fresh.caro("sync", "join", "--relay", pair.relay.url, "--words-file", pair.words).status == 0)
        #expect(try Self.currentStream(fresh) == newStream)
        #expect(try Self.commands(fresh) == expected)
    }

    @Test func aSyncCompactsByItselfOnceEnoughOfTheStreamIsDeleted() throws {
        let database = Self.relayDatabase()
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: database + suffix) } }
        let pair = try SyncTests.Pair(relayArguments: ["--db", database])
        let file = pair.a.path + "/bash_history"
        let lines = (0..<1_200).map { "echo drop-me-\($0)" } + (0..<100).map { "echo keep-me-\($0)" }
        try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try pair.a.caro("history", "import", "bash", file).status == 0)
        try SyncTests.syncNow(pair.a)
        try SyncTests.syncNow(pair.b)
        let stream = try #require(Self.syncJSON(pair.a)["history"] as? String)
        #expect(try Self.ciphertexts(in: database, of: stream).count >= 3)

        // A few deleted of 1 300: below the threshold, nothing happens.
        #expect(try pair.a.caro("history", "delete", "--filter", "drop-me-11", "--yes").status == 0)
        let small = try pair.a.caro("sync", "now", "--json")
        #expect(small.status == 0, "\(small.stderr)")
        #expect(!small.stdout.contains("compacted"), "\(small.stdout)")
        #expect(try Self.ciphertexts(in: database, of: stream).count >= 3)

        // 1 200 of 1 300 deleted: the sync that pushes the deletions compacts.
        #expect(try pair.a.caro("history", "delete", "--filter", "drop-me", "--yes").status == 0)
        let due = try pair.a.caro("sync", "now", "--json")
        #expect(due.status == 0, "\(due.stderr)")
        #expect(due.stdout.contains("\"compacted\""), "\(due.stdout)")
        #expect(try Self.ciphertexts(in: database, of: stream).isEmpty)

        try SyncTests.syncNow(pair.b)
        #expect(try Self.commands(pair.b) == Set((0..<100).map { "echo keep-me-\($0)" }))
        #expect(try SyncTests.ids(pair.a) == SyncTests.ids(pair.b))
    }

    /// `caro sync watch` compacts by itself too, once the deletions it pushed pass the threshold, and keeps
    /// syncing into the new stream afterwards.
    @Test func aWatchingDeviceCompactsByItselfAndKeepsSyncing() throws {
        let database = Self.relayDatabase()
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: database + suffix) } }
        let pair = try SyncTests.Pair(relayArguments: ["--db", database])
        let file = pair.a.path + "/bash_history"
        let lines = (0..<1_200).map { "echo drop-me-\($0)" } + (0..<50).map { "echo keep-me-\($0)" }
        try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try pair.a.caro("history", "import", "bash", file).status == 0)
        try SyncTests.syncNow(pair.a)
        let stream = try #require(Self.syncJSON(pair.a)["history"] as? String)
        #expect(try !Self.ciphertexts(in: database, of: stream).isEmpty)

        let watcher = try SyncTests.start(pair.a, "sync", "watch")
        defer {
            watcher.terminate()
            watcher.waitUntilExit()
        }
        #expect(try pair.a.caro("history", "delete", "--filter", "drop-me", "--yes").status == 0)
        let deadline = Date().addingTimeInterval(60)
        var erased = false
        while Date() < deadline && !erased {
            erased = try Self.ciphertexts(in: database, of: stream).isEmpty
            if !erased { Thread.sleep(forTimeInterval: 0.2) }
        }
        #expect(erased, "the watching device did not compact within 60 s")
        #expect(watcher.isRunning, "sync watch stopped after compacting")

        // Still syncing, into the new stream: an add on the watching device reaches a device joining now.
        _ = try pair.a.caro("history", "add", "--command", "echo after-compaction")
        let expected = Set((0..<50).map { "echo keep-me-\($0)" } + ["echo after-compaction"])
        let arrival = Date().addingTimeInterval(30)
        var seen: Set<String> = []
        while Date() < arrival && seen != expected {
            try SyncTests.syncNow(pair.b)
            seen = try Self.commands(pair.b)
            if seen != expected { Thread.sleep(forTimeInterval: 0.2) }
        }
        #expect(seen == expected)
    }

    /// A history group's key was revealed to the Caro group's key, which a removed device holds: removal
    /// rotates it too, so the removed device cannot even decode the batches (IDs, times, exit codes are
    /// not field-sealed) written afterwards.
    @Test func aRemovedDeviceCannotDecodeTheHistoryItemsWrittenAfterwards() throws {
        let pair = try SyncTests.Pair()
        let c = try TemporaryHome()
        #expect(try c.caro("sync", "join", "--relay", pair.relay.url, "--words-file", pair.words, "--device-name", "old-phone").status == 0)
        func add(_ command: String) throws -> String {
            let added = try pair.a.caro("history", "add", "--command", command, "--exit", "3", "--json")
            return try #require((try JSONSerialization.jsonObject(with: Data(added.stdout.utf8)) as? [String: Any])?["id"] as? String)
        }
        let before = try add("before-the-removal")
        try SyncTests.syncNow(pair.a)
        let list = try JSONSerialization.jsonObject(with: Data(try c.caro("devices", "list", "--json").stdout.utf8)) as? [[String: Any]] ?? []
        let cID = try #require(list.first { $0["current"] as? Bool == true }?["id"] as? String)
        let removed = try pair.a.caro("devices", "remove", cID, "--words-file", pair.words, "--yes")
        #expect(removed.status == 0, "\(removed.stderr)")
        let after = try add("after-the-removal")
        try SyncTests.syncNow(pair.a)

        let secret = try #require(try Self.syncJSON(c)["agentSecret"] as? String)
        let history = try #require(try Self.syncJSON(pair.a)["history"] as? String)
        let asRemoved = try CaroBinary.run(["jazz", "inspect", "--relay", pair.relay.url, "--secret", secret, history])
        #expect(asRemoved.status == 0, "\(asRemoved.stderr)")
        #expect(asRemoved.stdout.contains(before), "the removed device should still decode what it could read before")
        #expect(!asRemoved.stdout.contains(after), "the removed device decodes a batch written after its removal")
    }
}
