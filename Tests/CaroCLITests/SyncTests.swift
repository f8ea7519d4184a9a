import Foundation
import Testing

/// `caro sync` end to end: real `caro relay` processes on 127.0.0.1 and two device homes.
@Suite("caro sync", .serialized)
struct SyncTests {
    /// A relay, home A set up with `sync init` (words in a file), and home B joined with them.
    final class Pair {
        let relay: RelayProcess
        let a: TemporaryHome
        let b: TemporaryHome
        let words: String

        init(relayArguments: [String] = ["--in-memory"], beforeInit: (TemporaryHome) throws -> Void = { _ in },
             beforeJoin: (TemporaryHome) throws -> Void = { _ in }) throws {
            relay = try RelayProcess(relayArguments)
            a = try TemporaryHome()
            b = try TemporaryHome()
            words = a.path + "-words.txt"
            try beforeInit(a)
            let initialised = try a.caro("sync", "init", "--relay", relay.url, "--words-file", words, "--device-name", "laptop")
            #expect(initialised.status == 0, "\(initialised.stderr)")
            try beforeJoin(b)
            let joined = try b.caro("sync", "join", "--relay", relay.url, "--words-file", words, "--device-name", "desktop")
            #expect(joined.status == 0, "\(joined.stderr)")
        }

        deinit {
            relay.stop()
            try? FileManager.default.removeItem(atPath: words)
        }
    }

    static func ids(_ home: TemporaryHome) throws -> [String] {
        let listed = try home.caro("history", "list", "--limit", "100000", "--json")
        #expect(listed.status == 0, "\(listed.stderr)")
        let entries = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]] ?? []
        return entries.compactMap { $0["id"] as? String }.sorted()
    }

    /// Starts `caro --home <home> arguments…` without waiting (output discarded).
    static func start(_ home: TemporaryHome, _ arguments: String...) throws -> Process {
        let process = Process()
        process.executableURL = CaroBinary.url
        process.arguments = ["--home", home.path] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    static func syncNow(_ home: TemporaryHome) throws {
        let result = try home.caro("sync", "now")
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test func anEntryAddedOnAIsFoundOnBAndBackAfterSyncNow() throws {
        let pair = try Pair(beforeInit: { home in
            _ = try home.caro("history", "add", "--command", "terraform plan -out tfplan", "--prompt", "preview the infra", "--cwd", "/srv/infra")
        }, beforeJoin: { home in
            _ = try home.caro("history", "add", "--command", "recorded on b before joining")
        })
        let words = try String(contentsOfFile: pair.words, encoding: .utf8)
        #expect(words.split(whereSeparator: \.isWhitespace).count == 24)
        let mode = try FileManager.default.attributesOfItem(atPath: pair.words)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        // Restored by join.
        let found = try pair.b.caro("history", "search", "terraform", "--json")
        #expect(found.stdout.contains("terraform plan -out tfplan"))
        #expect(found.stdout.contains("preview the infra"))
        #expect(found.stdout.contains("/srv/infra"))

        // B's own entry from before it joined went out with the join: A finds it before B syncs again.
        try Self.syncNow(pair.a)
        #expect(try pair.a.caro("history", "search", "joining").stdout.contains("recorded on b before joining"))

        // Added later on A: after sync now on A then B.
        _ = try pair.a.caro("history", "add", "--command", "kubectl rollout status deploy/web")
        try Self.syncNow(pair.a)
        try Self.syncNow(pair.b)
        #expect(try pair.b.caro("history", "search", "rollout").stdout.contains("kubectl rollout status deploy/web"))

        // And from B to A.
        _ = try pair.b.caro("history", "add", "--command", "cargo bench --bench parse")
        try Self.syncNow(pair.b)
        try Self.syncNow(pair.a)
        #expect(try pair.a.caro("history", "search", "bench").stdout.contains("cargo bench --bench parse"))
        #expect(try Self.ids(pair.a) == Self.ids(pair.b))
        #expect(try pair.a.caro("history", "search", "joining").stdout.contains("recorded on b before joining"))

        // B keeps its own device secret (0600), never the words.
        let credentials = try String(contentsOfFile: pair.b.path + "/sync.json", encoding: .utf8)
        for word in words.split(whereSeparator: \.isWhitespace).prefix(3) { #expect(!credentials.contains(" \(word) ")) }
        #expect(try FileManager.default.attributesOfItem(atPath: pair.b.path + "/sync.json")[.posixPermissions] as? Int == 0o600)

        // Devices: both, `current` only for the one asking.
        let devices = try pair.b.caro("devices", "list", "--json")
        let list = try JSONSerialization.jsonObject(with: Data(devices.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(Set(list.compactMap { $0["name"] as? String }) == ["laptop", "desktop"])
        #expect(list.filter { $0["current"] as? Bool == true }.compactMap { $0["name"] as? String } == ["desktop"])
        for key in ["id", "name", "platform", "caroVersion", "schemaVersion", "firstSeen", "lastSeen", "active", "current"] {
            #expect(list.allSatisfy { $0[key] != nil }, "missing \(key)")
        }

        // Renamed on B, seen on A even after A's own syncs rewrite its record.
        let laptopID = try #require(list.first { $0["name"] as? String == "laptop" }?["id"] as? String)
        #expect(try pair.b.caro("devices", "rename", String(laptopID.prefix(6)), "work laptop").status == 0)
        _ = try pair.a.caro("history", "add", "--command", "after rename")
        try Self.syncNow(pair.a)
        try Self.syncNow(pair.b)
        for home in [pair.a, pair.b] {
            let names = try JSONSerialization.jsonObject(with: Data(try home.caro("devices", "list", "--json").stdout.utf8)) as? [[String: Any]] ?? []
            #expect(Set(names.compactMap { $0["name"] as? String }) == ["work laptop", "desktop"])
        }
    }

    @Test func offlineAddsAndDeletesOnBothDevicesConvergeWithoutDuplicatesAndDeletionsWin() throws {
        let db = FileManager.default.temporaryDirectory.appendingPathComponent("caro-sync-\(UUID().uuidString).db").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) } }
        let pair = try Pair(relayArguments: ["--db", db])
        // Shared history, on both.
        for index in 0..<6 { _ = try pair.a.caro("history", "add", "--command", "shared-\(index) --flag") }
        try Self.syncNow(pair.a)
        try Self.syncNow(pair.b)
        let sharedIDs = Set(try Self.ids(pair.a))
        #expect(sharedIDs.count == 6)
        #expect(try Self.ids(pair.b) == sharedIDs.sorted())

        // Offline on both: a hundred adds each, and deletions of own and shared entries.
        for (home, name) in [(pair.a, "alpha"), (pair.b, "beta")] {
            for index in 0..<100 {
                let added = try home.caro("history", "add", "--command", "\(name)-command-\(index)", "--cwd", "/w/\(index % 7)")
                #expect(added.status == 0, "\(added.stderr)")
            }
            let deleted = try home.caro("history", "delete", "--filter", "--cwd", "/w/3", "--yes")
            #expect(deleted.status == 0, "\(deleted.stderr)")
        }
        _ = try pair.a.caro("history", "delete", "--filter", "shared-1", "--yes")
        _ = try pair.b.caro("history", "delete", "--filter", "shared-2", "--yes")

        let offlineA = Set(try Self.ids(pair.a))
        let offlineB = Set(try Self.ids(pair.b))
        #expect(offlineA.count > 80 && offlineB.count > 80)
        // Everything either side has, except shared entries one side deleted.
        let expected = offlineA.union(offlineB).subtracting(sharedIDs.subtracting(offlineA.intersection(offlineB)))
        #expect(expected.count == offlineA.count + offlineB.count - 4 - 2)

        try Self.syncNow(pair.a)
        try Self.syncNow(pair.b)
        try Self.syncNow(pair.a)
        let idsA = try Self.ids(pair.a)
        let idsB = try Self.ids(pair.b)
        #expect(idsA == idsB)
        #expect(Set(idsA).count == idsA.count)
        #expect(Set(idsA) == expected)
        for home in [pair.a, pair.b] {
            let shared = try home.caro("history", "search", "shared").stdout
            #expect(!shared.contains("shared-1 ") && !shared.contains("shared-2 "))
            #expect(shared.contains("shared-0") && shared.contains("shared-5"))
        }
        // A replay (another sync of both) adds nothing.
        try Self.syncNow(pair.b)
        try Self.syncNow(pair.a)
        #expect(try Self.ids(pair.a) == idsA)
        #expect(try Self.ids(pair.b) == idsB)
    }

    @Test func anEntryAddedOnAAppearsOnBWhileBWatches() throws {
        let pair = try Pair()
        let watcher = try Self.start(pair.b, "sync", "watch", "--json")
        defer {
            watcher.terminate()
            watcher.waitUntilExit()
        }
        _ = try pair.a.caro("history", "add", "--command", "seen-live-on-b")
        try Self.syncNow(pair.a)
        let deadline = Date().addingTimeInterval(2)
        var found = false
        while Date() < deadline && !found {
            found = try pair.b.caro("history", "search", "seen").stdout.contains("seen-live-on-b")
            if !found { Thread.sleep(forTimeInterval: 0.05) }
        }
        #expect(found, "not on B within 2 s")
        // B's own adds go out without a sync now on B.
        _ = try pair.b.caro("history", "add", "--command", "pushed-by-watch")
        let pushDeadline = Date().addingTimeInterval(3)
        var arrived = false
        while Date() < pushDeadline && !arrived {
            try Self.syncNow(pair.a)
            arrived = try pair.a.caro("history", "search", "pushed").stdout.contains("pushed-by-watch")
        }
        #expect(arrived)
    }

    @Test func killedDuringAPushNothingIsLostOrDoubledAndTheSessionStillVerifies() throws {
        let db = FileManager.default.temporaryDirectory.appendingPathComponent("caro-sync-\(UUID().uuidString).db").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) } }
        let pair = try Pair(relayArguments: ["--db", db])
        var expected = Set(try Self.ids(pair.a))
        // Three rounds: adds, then a sync killed (SIGKILL) at a different moment each time.
        for (round, delay) in [0.02, 0.08, 0.2].enumerated() {
            for index in 0..<15 {
                let added = try pair.a.caro("history", "add", "--command", "round-\(round)-entry-\(index)")
                expected.insert(added.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
            }
            let sync = try Self.start(pair.a, "sync", "now")
            Thread.sleep(forTimeInterval: delay)
            kill(sync.processIdentifier, SIGKILL)
            sync.waitUntilExit()
        }
        // Restarted: the next sync completes, on the same session, and B gets everything exactly once.
        try Self.syncNow(pair.a)
        try Self.syncNow(pair.b)
        #expect(Set(try Self.ids(pair.a)) == expected)
        #expect(try Self.ids(pair.b) == expected.sorted())
        let status = try pair.a.caro("sync", "status", "--json")
        #expect(status.stdout.contains(#""pending":0"#))
        // A joining device verifies A's whole session from the relay.
        let c = try TemporaryHome()
        #expect(try c.caro("sync", "join", "--relay", pair.relay.url, "--words-file", pair.words).status == 0)
        #expect(try Self.ids(c) == expected.sorted())
    }

    @Test func aRelayRestartedInTheMiddleOfASyncLetsItComplete() throws {
        let db = FileManager.default.temporaryDirectory.appendingPathComponent("caro-sync-\(UUID().uuidString).db").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) } }
        let pair = try Pair(relayArguments: ["--db", db])
        let port = pair.relay.port
        var expected = Set(try Self.ids(pair.a))
        for index in 0..<40 {
            expected.insert(try pair.a.caro("history", "add", "--command", "during-restart-\(index)").stdout
                .trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let sync = try Self.start(pair.a, "sync", "now")
        Thread.sleep(forTimeInterval: 0.05)
        pair.relay.stop()
        Thread.sleep(forTimeInterval: 0.3)
        let restarted = try RelayProcess(["--db", db, "--port", String(port)])
        defer { restarted.stop() }
        sync.waitUntilExit()
        #expect(sync.terminationStatus == 0)
        try Self.syncNow(pair.b)
        #expect(Set(try Self.ids(pair.a)) == expected)
        #expect(try Self.ids(pair.b) == expected.sorted())
    }

    @Test func withASyncFrequencyHistoryAddSyncsInTheBackgroundAtMostOncePerInterval() throws {
        let pair = try Pair()
        #expect(try pair.a.caro("prefs", "set", "sync-frequency", "60").status == 0)
        let first = try pair.a.caro("history", "add", "--command", "auto-synced-entry")
        #expect(first.status == 0)
        #expect(first.stderr.isEmpty)
        var arrived = false
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline && !arrived {
            Thread.sleep(forTimeInterval: 0.1)
            try Self.syncNow(pair.b)
            arrived = try pair.b.caro("history", "search", "auto").stdout.contains("auto-synced-entry")
        }
        #expect(arrived, "the background sync did not push the entry")
        // Within the interval: no second background sync; the entry waits as pending.
        _ = try pair.a.caro("history", "add", "--command", "waits-for-the-next-sync")
        Thread.sleep(forTimeInterval: 1)
        #expect(try pair.a.caro("sync", "status", "--json").stdout.contains(#""pending":1"#))
        // The frequency is a synced preference: B has it too.
        #expect(try pair.b.caro("prefs", "get", "sync-frequency").stdout.hasPrefix("60"))
    }

    @Test func aRelayThatLostEverythingIsRefilledByTheNextSync() throws {
        let pair = try Pair()  // an in-memory relay
        let port = pair.relay.port
        _ = try pair.a.caro("history", "add", "--command", "kept-by-the-devices")
        try Self.syncNow(pair.a)
        pair.relay.stop()
        let fresh = try RelayProcess(["--in-memory", "--port", String(port)])
        defer { fresh.stop() }
        try Self.syncNow(pair.a)
        let c = try TemporaryHome()
        let joined = try c.caro("sync", "join", "--relay", fresh.url, "--words-file", pair.words)
        #expect(joined.status == 0, "\(joined.stderr)")
        #expect(try c.caro("history", "search", "kept").stdout.contains("kept-by-the-devices"))
    }

    @Test func watchKeepsGoingWhenTheRelayRestarts() throws {
        let db = FileManager.default.temporaryDirectory.appendingPathComponent("caro-sync-\(UUID().uuidString).db").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) } }
        let pair = try Pair(relayArguments: ["--db", db])
        let watcher = try Self.start(pair.b, "sync", "watch")
        defer {
            watcher.terminate()
            watcher.waitUntilExit()
        }
        Thread.sleep(forTimeInterval: 0.5)
        pair.relay.stop()
        Thread.sleep(forTimeInterval: 0.5)
        let restarted = try RelayProcess(["--db", db, "--port", String(pair.relay.port)])
        defer { restarted.stop() }
        _ = try pair.a.caro("history", "add", "--command", "after-the-restart")
        try Self.syncNow(pair.a)
        let deadline = Date().addingTimeInterval(8)
        var found = false
        while Date() < deadline && !found {
            Thread.sleep(forTimeInterval: 0.1)
            found = try pair.b.caro("history", "search", "restart").stdout.contains("after-the-restart")
        }
        #expect(found, "the watcher did not pick up the entry after the relay restarted")
        #expect(watcher.isRunning)
    }

    @Test func preferencesSyncWithTheLastWritePerKey() throws {
        let pair = try Pair()
        func value(_ home: TemporaryHome, _ key: String) throws -> String {
            try home.caro("prefs", "get", key).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        _ = try pair.a.caro("prefs", "set", "max-entries", "500")
        try Self.syncNow(pair.a)
        try Self.syncNow(pair.b)
        #expect(try value(pair.b, "max-entries") == "500")
        // Changed on both while apart: the later write of each key wins everywhere.
        _ = try pair.b.caro("prefs", "set", "max-entries", "600")
        _ = try pair.b.caro("prefs", "set", "retention-days", "30")
        Thread.sleep(forTimeInterval: 0.01)
        _ = try pair.a.caro("prefs", "set", "max-entries", "700")
        try Self.syncNow(pair.a)
        try Self.syncNow(pair.b)
        try Self.syncNow(pair.a)
        // B pushes its older value first, A its newer one later: the time a value was set decides.
        _ = try pair.b.caro("prefs", "set", "retention-days", "40")
        Thread.sleep(forTimeInterval: 0.01)
        _ = try pair.a.caro("prefs", "set", "retention-days", "30")
        try Self.syncNow(pair.b)
        try Self.syncNow(pair.a)
        try Self.syncNow(pair.b)
        for home in [pair.a, pair.b] {
            #expect(try value(home, "max-entries") == "700")
            #expect(try value(home, "retention-days") == "30")
        }
        // A new device gets them at join.
        let c = try TemporaryHome()
        #expect(try c.caro("sync", "join", "--relay", pair.relay.url, "--words-file", pair.words).status == 0)
        #expect(try value(c, "max-entries") == "700")
    }

    @Test func aRemovedDeviceCannotReadWhatIsWrittenAfterwards() throws {
        let pair = try Pair()
        let c = try TemporaryHome()
        #expect(try c.caro("sync", "join", "--relay", pair.relay.url, "--words-file", pair.words, "--device-name", "old-phone").status == 0)
        _ = try pair.a.caro("history", "add", "--command", "before-removal-visible")
        try Self.syncNow(pair.a)
        try Self.syncNow(c)
        #expect(try c.caro("history", "search", "before").stdout.contains("before-removal-visible"))

        let list = try JSONSerialization.jsonObject(with: Data(try c.caro("devices", "list", "--json").stdout.utf8)) as? [[String: Any]] ?? []
        let cID = try #require(list.first { $0["current"] as? Bool == true }?["id"] as? String)
        let removed = try pair.a.caro("devices", "remove", String(cID.prefix(8)), "--words-file", pair.words, "--yes")
        #expect(removed.status == 0, "\(removed.stderr)")
        // Wrong words cannot remove anything.
        let other = try TemporaryHome()
        let otherWords = other.path + "/w"
        let stranger = try RelayProcess(["--in-memory"])
        defer { stranger.stop() }
        _ = try other.caro("sync", "init", "--relay", stranger.url, "--words-file", otherWords)
        #expect(try pair.b.caro("devices", "remove", String(cID.prefix(8)), "--words-file", otherWords, "--yes").status != 0)

        _ = try pair.a.caro("history", "add", "--command", "after-removal-secret", "--prompt", "hidden from the old phone")
        try Self.syncNow(pair.a)
        try Self.syncNow(pair.b)
        #expect(try pair.b.caro("history", "search", "after").stdout.contains("after-removal-secret"))
        // Its own secret still connects and syncs; it learns nothing new.
        let cSync = try c.caro("sync", "now", "--json")
        #expect(cSync.status == 0, "\(cSync.stderr)")
        #expect(cSync.stdout.contains(#""received":0"#), "\(cSync.stdout)")
        #expect(!(try c.caro("history", "search", "after").stdout.contains("after-removal-secret")))
        #expect(try c.caro("history", "search", "before").stdout.contains("before-removal-visible"))
        let devices = try JSONSerialization.jsonObject(with: Data(try pair.b.caro("devices", "list", "--json").stdout.utf8)) as? [[String: Any]] ?? []
        #expect(devices.first { $0["id"] as? String == cID }?["active"] as? Bool == false)
    }

    @Test func wrongMistypedOr23WordsFailClearlyAndWriteNothing() throws {
        let pair = try Pair()
        let words = try String(contentsOfFile: pair.words, encoding: .utf8).split(whereSeparator: \.isWhitespace).map(String.init)
        var swapped = words
        swapped.swapAt(0, 1)
        let attempts = [
            Array(words.dropLast()).joined(separator: " "),  // 23 words
            (["abandonn"] + words.dropFirst()).joined(separator: " "),  // mistyped
            (words[0] == swapped[0] ? words.reversed() : swapped).joined(separator: " "),  // checksum fails
        ]
        for phrase in attempts {
            let home = try TemporaryHome()
            let result = try home.caro("sync", "join", "--relay", pair.relay.url, stdin: phrase)
            #expect(result.status != 0)
            #expect(result.stderr.contains("words"), "\(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: home.path + "/sync.json"))
            #expect(!FileManager.default.fileExists(atPath: home.path + "/caro.db"))
        }
        // Valid words of an identity the relay does not know: refused, nothing written.
        let stranger = try TemporaryHome()
        let otherRelay = try RelayProcess(["--in-memory"])
        defer { otherRelay.stop() }
        let refused = try stranger.caro("sync", "join", "--relay", otherRelay.url, "--words-file", pair.words)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("no account"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: stranger.path + "/sync.json"))
    }

    @Test func theRelayDatabaseHoldsNoCommandPromptOrDirectoryInPlaintext() throws {
        let db = FileManager.default.temporaryDirectory.appendingPathComponent("caro-sync-\(UUID().uuidString).db").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) } }
        let secrets = ["zanzibar-deploy-xq7", "explain the quokka pipeline", "/home/someone/project-ocelot"]
        let pair = try Pair(relayArguments: ["--db", db], beforeInit: { home in
            _ = try home.caro("history", "add", "--command", "./\(secrets[0]) --now", "--prompt", secrets[1], "--cwd", secrets[2])
        })
        _ = try pair.b.caro("history", "add", "--command", "\(secrets[0]) again", "--cwd", secrets[2])
        try Self.syncNow(pair.b)
        #expect(try pair.a.caro("history", "search", "zanzibar").status == 0)
        pair.relay.stop()
        var bytes = Data()
        for suffix in ["", "-wal"] { bytes.append((try? Data(contentsOf: URL(fileURLWithPath: db + suffix))) ?? Data()) }
        #expect(bytes.count > 10_000)
        for secret in secrets + ["quokka", "ocelot", "zanzibar"] { #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(secret) in the relay's database") }
    }

    @Test func initPrintsTheWordsOnceAndTheyOpenTheIdentity() throws {
        let relay = try RelayProcess(["--in-memory"])
        defer { relay.stop() }
        let home = try TemporaryHome()
        let initialised = try home.caro("sync", "init", "--relay", relay.url)
        #expect(initialised.status == 0, "\(initialised.stderr)")
        let words = initialised.stdout.split(whereSeparator: \.isWhitespace).map(String.init)
        #expect(words.count == 24)
        // The same words give the same Jazz account as jazz-tools' passphrase login (caro jazz identity).
        let wordsFile = home.path + "/typed-words"
        try words.joined(separator: " ").write(toFile: wordsFile, atomically: true, encoding: .utf8)
        let identity = try CaroBinary.run(["jazz", "identity", "--words-file", wordsFile])
        let status = try home.caro("sync", "status", "--json")
        let account = try #require(identity.stdout.components(separatedBy: "\"").first { $0.hasPrefix("co_z") })
        #expect(status.stdout.contains(#""identity":"\#(account)""#), "\(status.stdout) vs \(identity.stdout)")
        // Neither the words nor the identity's secret are kept in the home.
        for file in try FileManager.default.contentsOfDirectory(atPath: home.path) where file != "typed-words" {
            let data = (try? Data(contentsOf: URL(fileURLWithPath: home.path + "/" + file))) ?? Data()
            #expect(data.range(of: Data(words[0..<3].joined(separator: " ").utf8)) == nil, "\(file) holds the words")
        }
    }

    @Test func theWebSocketFramesADeviceReceivesHoldNoPlaintext() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/strace") else { return }
        let secrets = ["quasar-rollback-77", "why is the quokka slow", "/srv/pangolin-data"]
        let pair = try Pair(beforeInit: { home in
            _ = try home.caro("history", "add", "--command", "\(secrets[0]) --force", "--prompt", secrets[1], "--cwd", secrets[2])
        })
        // Frames from a relay to a client are not masked: capture what C reads from its socket while joining.
        let c = try TemporaryHome()
        let trace = c.path + "-trace"
        defer { try? FileManager.default.removeItem(atPath: trace) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/strace")
        process.arguments = ["-f", "-e", "trace=recvfrom,read", "-s", "100000000", "-o", trace, CaroBinary.url.path,
                             "--home", c.path, "sync", "join", "--relay", pair.relay.url, "--words-file", pair.words]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(try c.caro("history", "search", "quasar").stdout.contains(secrets[0]))
        let captured = try String(contentsOfFile: trace, encoding: .utf8)
        #expect(captured.contains(#"\"action\":\"content\""#), "no content frame captured")
        for secret in secrets + ["quasar", "quokka", "pangolin"] { #expect(!captured.contains(secret), "\(secret) in a frame") }
    }

    @Test func anUnreachableRelayExitsWith3AndSetsNothingUp() throws {
        let home = try TemporaryHome()
        // A port nobody listens on: bind one, note it, close it.
        let relay = try RelayProcess(["--in-memory"])
        let url = relay.url
        relay.stop()
        let result = try home.caro("sync", "init", "--relay", url, "--words-file", home.path + "/words")
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("relay"))
        #expect(!FileManager.default.fileExists(atPath: home.path + "/sync.json"))
        #expect(!FileManager.default.fileExists(atPath: home.path + "/words"))
        let status = try home.caro("sync", "status", "--json")
        #expect(status.stdout.contains(#""configured":false"#))
    }

    @Test func pausedSyncMakesNoTrafficAndResetForgetsTheDevice() throws {
        let pair = try Pair()
        #expect(try pair.a.caro("sync", "pause").status == 0)
        _ = try pair.a.caro("history", "add", "--command", "while-paused")
        let paused = try pair.a.caro("sync", "now")
        #expect(paused.status == 1)
        #expect(paused.stderr.contains("paused"))
        #expect(try pair.a.caro("sync", "status", "--json").stdout.contains(#""paused":true"#))
        #expect(try pair.a.caro("sync", "resume").status == 0)
        try Self.syncNow(pair.a)
        try Self.syncNow(pair.b)
        #expect(try pair.b.caro("history", "search", "while").stdout.contains("while-paused"))

        // Reset: no secret left, the history kept and pending again; joining again adds no duplicate.
        #expect(try pair.b.caro("sync", "reset").status != 0)  // no terminal to confirm on
        #expect(try pair.b.caro("sync", "reset", "--yes").status == 0)
        #expect(!FileManager.default.fileExists(atPath: pair.b.path + "/sync.json"))
        #expect(try pair.b.caro("sync", "status", "--json").stdout.contains(#""configured":false"#))
        let before = try Self.ids(pair.b)
        #expect(try pair.b.caro("sync", "join", "--relay", pair.relay.url, "--words-file", pair.words).status == 0)
        try Self.syncNow(pair.b)
        try Self.syncNow(pair.a)
        #expect(try Self.ids(pair.b) == before)
        #expect(try Self.ids(pair.a) == before)
    }

    @Test func withoutSyncHistoryAddOpensNoSocket() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/strace") else { return }
        let home = try TemporaryHome()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/strace")
        let trace = home.path + "/trace"
        process.arguments = ["-f", "-e", "trace=socket,connect", "-o", trace, CaroBinary.url.path, "--home", home.path,
                             "history", "add", "--command", "echo hi"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let calls = try String(contentsOfFile: trace, encoding: .utf8)
        #expect(!calls.contains("socket(") && !calls.contains("connect("), "\(calls)")
        #expect(try home.caro("history", "search", "echo").stdout.contains("echo hi"))
    }
}
