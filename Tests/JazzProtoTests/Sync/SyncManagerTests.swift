import Testing

@testable import JazzProto

/// The sync state machine between two devices of one account and a relay, in memory.
@Suite("Sync protocol state machine")
struct SyncManagerTests {
    struct Fixture {
        let network = InMemoryNetwork()
        let deviceA: LocalNode
        let deviceB: LocalNode
        let relay: LocalNode
        let groupID: CoID
        let mapID: CoID

        init() throws {
            let agent = try AgentSecret(secretSeed: SecureRandom.bytes(32))
            deviceA = try LocalNode.createAccount(agentSecret: agent, environment: CountingClock(start: 1_767_225_600_000).environment)
            groupID = try deviceA.createGroup()
            mapID = try deviceA.createValue(type: "comap", owner: groupID)
            try deviceA.makeTransaction(in: mapID, changes: CoMapChangesForTests.set("title", "from A"), privacy: .private)
            deviceB = LocalNode(agentSecret: agent, accountID: deviceA.accountID,
                                environment: CountingClock(start: 1_767_225_700_000).environment)
            relay = LocalNode(agentSecret: .random(), accountID: nil)
            network.add("A", node: deviceA)
            network.add("B", node: deviceB)
            network.add("relay", node: relay)
        }
    }

    @Test func uploadThenLoadOnASecondDevice() throws {
        let f = try Fixture()
        f.network.connect(client: "A", relay: "relay")
        f.network.run()
        #expect(f.relay.knownState(of: f.mapID) == f.deviceA.knownState(of: f.mapID))
        #expect(f.network.managers["A"]!.isFullySyncedWithServers)

        f.network.connect(client: "B", relay: "relay")
        f.network.managers["B"]!.load(f.mapID)
        f.network.run()
        // The relay sent the account and group first (dependencies), then the map.
        #expect(f.deviceB.hasContent(f.deviceA.accountID!))
        #expect(f.deviceB.hasContent(f.groupID))
        #expect(f.deviceB.decodedTransactions(of: f.mapID).map(\.changes) == f.deviceA.decodedTransactions(of: f.mapID).map(\.changes))
        #expect(!f.deviceB.decodedTransactions(of: f.mapID).isEmpty)
    }

    @Test func liveUpdatesReachSubscribedDevicesBothWays() throws {
        let f = try Fixture()
        f.network.connect(client: "A", relay: "relay")
        f.network.connect(client: "B", relay: "relay")
        f.network.run()
        f.network.managers["B"]!.load(f.mapID)
        f.network.run()

        let before = f.deviceB.knownState(of: f.mapID)
        try f.deviceB.makeTransaction(in: f.mapID, changes: CoMapChangesForTests.set("title", "from B"), privacy: .private)
        f.network.managers["B"]!.localChange(f.mapID, persistSince: before)
        f.network.run()
        #expect(f.deviceA.knownState(of: f.mapID) == f.deviceB.knownState(of: f.mapID))

        try f.deviceA.makeTransaction(in: f.mapID, changes: CoMapChangesForTests.set("n", 1), privacy: .private)
        f.network.managers["A"]!.localChange(f.mapID)
        f.network.run()
        #expect(f.deviceA.knownState(of: f.mapID) == f.deviceB.knownState(of: f.mapID))
        #expect(f.deviceA.decodedTransactions(of: f.mapID).count == 3)
        #expect(f.deviceB.decodedTransactions(of: f.mapID).count == 3)
    }

    @Test func offlineWritesOnBothDevicesConverge() throws {
        let f = try Fixture()
        f.network.connect(client: "A", relay: "relay")
        f.network.connect(client: "B", relay: "relay")
        f.network.managers["B"]!.load(f.mapID)
        f.network.run()
        f.network.disconnect("A", "relay")
        f.network.disconnect("B", "relay")
        for i in 0..<5 {
            try f.deviceA.makeTransaction(in: f.mapID, changes: CoMapChangesForTests.set("a\(i)", .number(Double(i))), privacy: .private)
            try f.deviceB.makeTransaction(in: f.mapID, changes: CoMapChangesForTests.set("b\(i)", .number(Double(i))), privacy: .private)
        }
        f.network.connect(client: "A", relay: "relay")
        f.network.connect(client: "B", relay: "relay")
        f.network.run()
        #expect(f.deviceA.knownState(of: f.mapID) == f.deviceB.knownState(of: f.mapID))
        #expect(f.deviceA.decodedTransactions(of: f.mapID).count == 11)
        #expect(f.relay.knownState(of: f.mapID).transactionCount == 11)
    }

    @Test func forgedContentIsRejectedAndGenuineContentStillAccepted() throws {
        let f = try Fixture()
        f.network.connect(client: "A", relay: "relay")
        f.network.run()
        try f.deviceA.makeTransaction(in: f.mapID, changes: CoMapChangesForTests.set("k", "genuine"), privacy: .trusting)
        let session = f.deviceA.sessionID
        let log = try #require(f.deviceA.core(f.mapID)?.sessions[session])
        let genuine = SessionNewContent(after: 1, newTransactions: [log.transactions[1]], lastSignature: try #require(log.lastSignature))
        var forged = genuine
        forged.newTransactions = [.trusting(madeAt: log.transactions[1].madeAt, changes: #"[{"op":"set","key":"k","value":"forged"}]"#, meta: nil)]
        let relayManager = f.network.managers["relay"]!
        relayManager.handle(.content(ContentPiece(id: f.mapID, priority: 3, new: [(session, forged)])), from: PeerID("A"))
        #expect(f.relay.knownState(of: f.mapID).sessions[session] == 1)
        relayManager.handle(.content(ContentPiece(id: f.mapID, priority: 3, new: [(session, genuine)])), from: PeerID("A"))
        #expect(f.relay.knownState(of: f.mapID).sessions[session] == 2)
        #expect(relayManager.log.contains { $0.contains("does not verify") })
    }

    @Test func aRelayThatLostItsDataGetsEverythingBackOnReconnect() throws {
        let f = try Fixture()
        f.network.connect(client: "A", relay: "relay")
        f.network.run()
        // The relay restarts empty (in-memory); the same client manager reconnects to it.
        f.network.disconnect("A", "relay")
        let freshRelay = LocalNode(agentSecret: .random(), accountID: nil)
        f.network.add("relay", node: freshRelay)
        f.network.connect(client: "A", relay: "relay")
        f.network.run()
        #expect(freshRelay.knownState(of: f.mapID) == f.deviceA.knownState(of: f.mapID))
        #expect(freshRelay.knownState(of: f.groupID) == f.deviceA.knownState(of: f.groupID))
        #expect(f.network.managers["A"]!.isFullySyncedWithServers)
    }

    @Test func contentWithAGapGetsACorrectionAndIsResent() throws {
        let f = try Fixture()
        f.network.connect(client: "A", relay: "relay")
        f.network.run()
        try f.deviceA.makeTransaction(in: f.mapID, changes: CoMapChangesForTests.set("x", 1), privacy: .private)
        try f.deviceA.makeTransaction(in: f.mapID, changes: CoMapChangesForTests.set("y", 2), privacy: .private)
        // Send only the last transaction, as if the one before was lost.
        let session = f.deviceA.sessionID
        let log = try #require(f.deviceA.core(f.mapID)?.sessions[session])
        let tail = SessionNewContent(after: 2, newTransactions: [log.transactions[2]], lastSignature: try #require(log.lastSignature))
        f.network.managers["relay"]!.handle(.content(ContentPiece(id: f.mapID, priority: 3, new: [(session, tail)])), from: PeerID("A"))
        #expect(f.relay.knownState(of: f.mapID).sessions[session] == 1)
        f.network.run()  // The correction reaches A, which resends from the relay's real count.
        #expect(f.network.transcript.contains { if case .known(_, true) = $0.message { return true } else { return false } })
        #expect(f.relay.knownState(of: f.mapID) == f.deviceA.knownState(of: f.mapID))
    }

    @Test func storageReconciliationServerHalf() throws {
        let f = try Fixture()
        f.network.connect(client: "A", relay: "relay")
        f.network.run()
        // The relay has the group (same counts) and an older map; a stranger value is unknown to it.
        try f.deviceA.makeTransaction(in: f.mapID, changes: CoMapChangesForTests.set("new", 1), privacy: .private)
        let unknown = try f.deviceA.createValue(type: "comap", owner: f.groupID)
        try f.deviceA.makeTransaction(in: unknown, changes: CoMapChangesForTests.set("x", 1), privacy: .private)
        let values: [(CoID, String)] = [f.groupID, f.mapID, unknown].map { ($0, SyncManager.sessionsHash(f.deviceA.knownState(of: $0))) }
        f.network.managers["relay"]!.handle(.reconcile(batchID: "batch1", values: values), from: PeerID("A"))
        f.network.run()
        let relaySaid = f.network.transcript.filter { $0.from == "relay" }.map(\.message)
        let loads = relaySaid.compactMap { message -> CoID? in if case .load(let s) = message { return s.id } else { return nil } }
        #expect(Set(loads) == [f.mapID, unknown])  // the group hashes equal: nothing to ask
        #expect(relaySaid.last == .reconcileAck(batchID: "batch1"))
        #expect(f.relay.knownState(of: f.mapID) == f.deviceA.knownState(of: f.mapID))
        #expect(f.relay.knownState(of: unknown) == f.deviceA.knownState(of: unknown))
    }
}

/// Minimal CoMap change builders for sync tests (JS insertion order op, key, value).
enum CoMapChangesForTests {
    static func set(_ key: String, _ value: JSONValue) -> [JSONValue] {
        [.object(JSONObject([("op", "set"), ("key", .string(key)), ("value", value)]))]
    }
}

@Suite("Deleting a value everywhere")
struct DeletionTests {
    @Test func aDeletedValueLeavesOnlyItsTombstoneOnEveryNode() throws {
        let f = try SyncManagerTests.Fixture()
        f.network.connect(client: "A", relay: "relay")
        f.network.connect(client: "B", relay: "relay")
        f.network.managers["B"]!.load(f.mapID)
        f.network.run()
        #expect(f.deviceB.view(of: f.mapID)?["title"] == "from A")

        try f.deviceA.deleteCoValue(f.mapID)
        f.network.managers["A"]!.localChange(f.mapID)
        f.network.run()
        for node in [f.deviceA, f.relay, f.deviceB] {
            #expect(node.core(f.mapID)?.isDeleted == true)
            #expect(node.knownState(of: f.mapID).sessions.keys.allSatisfy { $0.isDeleteSession })
            #expect(node.view(of: f.mapID) == .null)
        }
        // Writes are refused afterwards, and content from before is not taken back in.
        #expect(throws: NodeError.deleted(f.mapID)) {
            try f.deviceB.makeTransaction(in: f.mapID, changes: CoMapChangesForTests.set("x", 1), privacy: .private)
        }
        // Groups cannot be deleted; a non-admin cannot delete.
        #expect(throws: NodeError.self) { try f.deviceA.deleteCoValue(f.groupID) }
    }

    @Test func aForgedDeleteFromANonAdminIsRejected() throws {
        let f = try SyncManagerTests.Fixture()
        f.network.connect(client: "A", relay: "relay")
        f.network.run()
        // A stranger's delete marker, correctly signed by the stranger.
        let stranger = try LocalNode.createAccount(agentSecret: .random())
        for id in [f.deviceA.accountID!, f.groupID, f.mapID] {
            for piece in f.deviceA.core(id)!.newContentSince(nil) { stranger.ingest(piece) }
        }
        let session = SessionID.randomDeleteSession(for: stranger.me)
        var core = try #require(stranger.core(f.mapID))
        try core.appendLocal(.trusting(madeAt: 1_900_000_000_000, changes: "[]", meta: #"{"deleted":"\#(f.mapID)"}"#),
                             session: session, signer: stranger.agentSecret.signerSecret)
        let piece = try #require(core.newContentSince(f.relay.knownState(of: f.mapID)).first)
        for piece in stranger.core(stranger.accountID!)!.newContentSince(nil) { f.relay.ingest(piece) }
        let report = f.relay.ingest(piece)
        #expect(report.rejections.first?.1.contains("admin") == true)
        #expect(f.relay.core(f.mapID)?.isDeleted == false)
    }
}
