import Foundation
import JazzProto
import Testing

/// `caro community …` end to end: opt-in counters, what a preview shows, the sum over devices, revoking,
/// and contributing to a write-only community feed on a real `caro relay`.
@Suite("caro community", .serialized)
struct CommunityTests {
    static func preview(_ home: TemporaryHome) throws -> [String: Any] {
        let result = try home.caro("community", "preview", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
    }

    static func counterRows(_ home: TemporaryHome) throws -> String {
        let result = try ExternalProcess.run("/usr/bin/sqlite3", [home.path + "/caro.db", "SELECT count(*) FROM metrics"])
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func add(_ home: TemporaryHome, _ arguments: String...) throws {
        let result = try home.caro(arguments: ["history", "add"] + arguments)
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test func withMetricsOffNothingIsCounted() throws {
        let home = try TemporaryHome()
        try Self.add(home, "--command", "ls -la", "--prompt", "list files", "--exit", "0", "--shell", "zsh", "--safety", "safe")
        try Self.add(home, "--command", "false", "--exit", "1", "--shell", "bash")
        #expect(try home.caro("prefs", "get", "share-metrics").stdout.hasPrefix("off"))
        #expect(try Self.counterRows(home) == "0")
        let snapshot = try Self.preview(home)
        #expect(snapshot["generated"] as? Int == 0 && snapshot["executed"] as? Int == 0 && snapshot["succeeded"] as? Int == 0)
        #expect((snapshot["byShell"] as? [String: Any])?.isEmpty == true)
        #expect((snapshot["bySafety"] as? [String: Any])?.isEmpty == true)
    }

    @Test func thePreviewCountsWhatWasRecordedAndHoldsNoTextPathOrHost() throws {
        let home = try TemporaryHome()
        #expect(try home.caro("community", "enable").status == 0)
        try Self.add(home, "--command", "grep -r zanzibar-password-7781 /srv/private-dir-5531", "--prompt", "find the quokka-prompt-4410",
                     "--exit", "0", "--shell", "zsh", "--safety", "moderate", "--cwd", "/srv/private-dir-5531", "--tag", "ocelot-tag-9")
        try Self.add(home, "--command", "make walrus-target-3302", "--exit", "2", "--shell", "weird-shell-7731", "--safety", "odd-level-8842")
        try Self.add(home, "--command", "echo never-run-6620", "--prompt", "say hello", "--not-executed", "--shell", "bash")
        let snapshot = try Self.preview(home)
        #expect(snapshot["generated"] as? Int == 2)
        #expect(snapshot["executed"] as? Int == 2)
        #expect(snapshot["succeeded"] as? Int == 1)
        #expect(snapshot["byShell"] as? [String: Int] == ["zsh": 1, "other": 1, "bash": 1])
        #expect(snapshot["bySafety"] as? [String: Int] == ["moderate": 1, "other": 1, "none": 1])
        for shown in [try home.caro("community", "preview"), try home.caro("community", "preview", "--json")] {
            let everything = shown.stdout + shown.stderr
            for secret in ["zanzibar", "private-dir", "quokka", "ocelot", "walrus", "weird-shell", "odd-level", "never-run", "hello",
                           "grep", "make", "/srv"] + (ProcessInfo.processInfo.hostName.count >= 6 ? [ProcessInfo.processInfo.hostName] : []) {
                #expect(!everything.contains(secret), "\(secret) in: \(everything)")
            }
        }
        // The text form prints the same snapshot as --json.
        let text = try home.caro("community", "preview").stdout
        let parsed = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
        #expect(NSDictionary(dictionary: parsed).isEqual(to: snapshot))
        let revoked = try home.caro("community", "revoke")
        #expect(revoked.status == 0, "\(revoked.stderr)")
        #expect(try Self.counterRows(home) == "0")
        try Self.add(home, "--command", "ls", "--exit", "0")
        #expect(try Self.preview(home)["executed"] as? Int == 0)
    }

    @Test func countersAreSummedAcrossDevicesAndRevokeDeletesThemEverywhere() throws {
        let pair = try SyncTests.Pair()
        #expect(try pair.a.caro("community", "enable").status == 0)
        try SyncTests.syncNow(pair.a)
        try SyncTests.syncNow(pair.b)
        #expect(try pair.b.caro("prefs", "get", "share-metrics").stdout.hasPrefix("on"))
        try Self.add(pair.a, "--command", "ls", "--exit", "0", "--shell", "bash")
        try Self.add(pair.b, "--command", "ls", "--exit", "0", "--shell", "zsh", "--prompt", "list")
        try Self.add(pair.b, "--command", "false", "--exit", "1", "--shell", "zsh")
        try SyncTests.syncNow(pair.a)
        try SyncTests.syncNow(pair.b)
        try SyncTests.syncNow(pair.a)
        for home in [pair.a, pair.b] {
            let snapshot = try Self.preview(home)
            #expect(snapshot["executed"] as? Int == 3, "\(snapshot)")
            #expect(snapshot["succeeded"] as? Int == 2)
            #expect(snapshot["generated"] as? Int == 1)
            #expect(snapshot["byShell"] as? [String: Int] == ["bash": 1, "zsh": 2])
        }
        let revoked = try pair.b.caro("community", "revoke")
        #expect(revoked.status == 0, "\(revoked.stderr)")
        #expect(revoked.stderr.contains("synced counters"), "\(revoked.stderr)")
        #expect(try Self.counterRows(pair.b) == "0")
        // a's next sync (nothing else to push) learns share-metrics off: it forgets its counters and
        // deletes its synced ones.
        try SyncTests.syncNow(pair.a)
        #expect(try pair.a.caro("prefs", "get", "share-metrics").stdout.hasPrefix("off"))
        #expect(try Self.counterRows(pair.a) == "0")
        try SyncTests.syncNow(pair.b)
        for home in [pair.a, pair.b] {
            let snapshot = try Self.preview(home)
            #expect(snapshot["executed"] as? Int == 0, "\(snapshot)")
            #expect((snapshot["byShell"] as? [String: Any])?.isEmpty == true)
        }
        // Counting stays off on both.
        try Self.add(pair.a, "--command", "ls", "--exit", "0")
        #expect(try Self.counterRows(pair.a) == "0")
    }

    /// A community feed as its owners make it: an account, a group with `everyone: writeOnly`, a CoFeed.
    final class CommunityFeed {
        let secret = AgentSecret.random()
        let owner: CoID
        let feed: CoID
        let relay: String

        init(relay: String) async throws {
            self.relay = relay
            let node = try LocalNode.createAccount(agentSecret: secret)
            let group = try node.createGroup()
            try node.addMember("everyone", role: .writeOnly, to: group)
            feed = try node.createValue(type: "costream", owner: group)
            owner = try #require(node.accountID)
            let client = try SyncClient(node: node, configuration: WebSocketClientConfiguration(url: relay))
            client.start()
            defer { client.stop() }
            #expect(await client.waitForSync(timeout: .seconds(30)))
        }

        /// The feed's items as `reader` (nil: the owner) reads them after loading everything from the relay.
        func items(as reader: AgentSecret? = nil) async throws -> [JSONValue] {
            let configuration = WebSocketClientConfiguration(url: relay)
            let client: SyncClient
            if let reader {
                client = try SyncClient(node: try LocalNode.createAccount(agentSecret: reader), configuration: configuration)
            } else {
                client = try SyncClient(node: LocalNode(agentSecret: secret, accountID: owner), configuration: configuration)
            }
            client.start()
            defer { client.stop() }
            let feed = feed
            _ = await client.wait(timeout: .seconds(10)) { $0.isConnected }
            client.load(feed)
            #expect(await client.wait(timeout: .seconds(30)) { client in client.read { $0.isCompletelyLoaded(feed) } })
            return client.read { node in CoStreamState(transactions: node.decodedTransactions(of: feed)).allItems.map(\.value) }
        }
    }

    @Test func contributeAppendsTheSnapshotToAWriteOnlyFeedOnlyItsOwnersRead() async throws {
        let relay = try RelayProcess(["--in-memory"])
        defer { relay.stop() }
        let home = try TemporaryHome()
        let off = try home.caro("community", "contribute")
        #expect(off.status == 1)
        #expect(off.stderr.contains("Metrics are off"), "\(off.stderr)")
        #expect(try home.caro("community", "enable").status == 0)
        try Self.add(home, "--command", "ls", "--exit", "0", "--shell", "fish", "--prompt", "list")

        let unconfigured = try home.caro("community", "contribute", "--quiet")
        #expect(unconfigured.status == 1)
        #expect(unconfigured.stderr.contains("No community feed is configured"), "\(unconfigured.stderr)")

        let community = try await CommunityFeed(relay: relay.url)
        #expect(try home.caro("config", "set", "community-feed", community.feed.description).status == 0)
        #expect(try home.caro("config", "set", "community-relay", relay.url).status == 0)
        let preview = try home.caro("community", "preview", "--json").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let contributed = try home.caro("community", "contribute", "--json")
        #expect(contributed.status == 0, "\(contributed.stderr)")
        #expect(contributed.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == preview)
        #expect(try home.caro("community", "contribute").status == 0)

        let items = try await community.items()
        #expect(items.count == 2, "\(items)")
        #expect(items.first?.jsonStringify() == preview)
        // Anyone else (another contributor included) reads nothing of it.
        #expect(try await community.items(as: AgentSecret.random()).isEmpty)

        // A value that is not a write-only feed (here the owner's account) is refused before anything is sent.
        let notAFeed = try home.caro("config", "set", "community-feed", community.owner.description)
        #expect(notAFeed.status == 0)
        let refused = try home.caro("community", "contribute")
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("not a community feed"), "\(refused.stderr)")
    }
}
