import Testing

@testable import JazzProto

/// Pushes held back while a server has not acknowledged the previous one, and fan-out by subscription.
@Suite("Push coalescing and fan-out")
struct PushCoalescingTests {
    struct Fixture {
        let network = InMemoryNetwork()
        let device: LocalNode
        let relay: LocalNode
        let mapID: CoID

        init() throws {
            device = try LocalNode.createAccount(agentSecret: .random(), environment: CountingClock(start: 1_767_225_600_000).environment)
            mapID = try device.createValue(type: "comap", owner: try device.createGroup())
            relay = LocalNode(agentSecret: .random(), accountID: nil)
            network.add("device", node: device).coalescesUnacknowledgedPushes = true
            network.add("relay", node: relay)
            network.connect(client: "device", relay: "relay")
            network.run()
        }

        var manager: SyncManager { network.managers["device"]! }

        /// Writes one private edit and tells the sync manager, as `SyncClient.write` does.
        func write(_ value: Double) throws {
            let before = device.knownState(of: mapID)
            try device.makeTransaction(in: mapID, changes: CoMapChanges.set("k", .number(value)), privacy: .private)
            manager.localChange(mapID, persistSince: before)
        }

        /// Content pieces of the map in `envelopes` sent from `from` to `to`.
        func mapPieces(_ envelopes: [InMemoryNetwork.Envelope], from: String, to: String) -> [ContentPiece] {
            envelopes.compactMap { envelope in
                guard envelope.from == from, envelope.to == to, case .content(let piece) = envelope.message,
                    piece.id == mapID
                else { return nil }
                return piece
            }
        }
    }

    @Test func aBurstWhileAPushIsUnacknowledgedGoesOutAsOnePieceWithTheAcknowledgement() throws {
        let f = try Fixture()
        let transcriptBefore = f.network.transcript.count
        try f.write(1)
        // A lone write goes out at once.
        #expect(f.mapPieces(f.network.pending, from: "device", to: "relay").count == 1)
        try f.write(2)
        try f.write(3)
        try f.write(4)
        #expect(f.mapPieces(f.network.pending, from: "device", to: "relay").count == 1)
        #expect(f.manager.hasDeferredPushes)

        f.network.run()
        let sent = f.mapPieces(Array(f.network.transcript[transcriptBefore...]), from: "device", to: "relay")
        #expect(sent.map { $0.new.map(\.1.newTransactions.count).reduce(0, +) } == [1, 3])
        #expect(!f.manager.hasDeferredPushes)
        #expect(f.relay.knownState(of: f.mapID) == f.device.knownState(of: f.mapID))
        #expect(f.manager.isFullySyncedWithServers)
    }

    @Test func heldBackChangesCanBeSentWithoutWaitingForTheAcknowledgement() throws {
        let f = try Fixture()
        try f.write(1)
        try f.write(2)
        #expect(f.mapPieces(f.network.pending, from: "device", to: "relay").count == 1)
        f.manager.pushDeferredChanges()
        #expect(f.mapPieces(f.network.pending, from: "device", to: "relay").count == 2)
        #expect(!f.manager.hasDeferredPushes)
        f.network.run()
        #expect(f.relay.knownState(of: f.mapID) == f.device.knownState(of: f.mapID))
    }

    @Test func withoutCoalescingEveryPushGoesOutAtOnce() throws {
        let f = try Fixture()
        f.manager.coalescesUnacknowledgedPushes = false
        for value in 1...3 { try f.write(Double(value)) }
        #expect(f.mapPieces(f.network.pending, from: "device", to: "relay").count == 3)
        #expect(!f.manager.hasDeferredPushes)
        f.network.run()
        #expect(f.relay.knownState(of: f.mapID) == f.device.knownState(of: f.mapID))
    }

    @Test func heldBackChangesAreResentAfterAReconnectionInsteadOfLost() throws {
        let f = try Fixture()
        try f.write(1)
        try f.write(2)
        f.network.disconnect("device", "relay")
        #expect(!f.manager.hasDeferredPushes)
        f.network.connect(client: "device", relay: "relay")
        f.network.run()
        #expect(f.relay.knownState(of: f.mapID) == f.device.knownState(of: f.mapID))
        #expect(f.relay.knownState(of: f.mapID).transactionCount == 2)
    }

    @Test func onlySubscribedClientsGetNewContentAndADisconnectedOneIsDropped() throws {
        let f = try Fixture()
        let reader = LocalNode(agentSecret: f.device.agentSecret, accountID: f.device.accountID)
        let bystander = LocalNode(agentSecret: .random(), accountID: nil)
        f.network.add("reader", node: reader)
        f.network.add("bystander", node: bystander)
        f.network.connect(client: "reader", relay: "relay")
        f.network.connect(client: "bystander", relay: "relay")
        f.network.managers["reader"]!.load(f.mapID)
        f.network.run()

        var mark = f.network.transcript.count
        try f.write(1)
        f.network.run()
        let window = Array(f.network.transcript[mark...])
        #expect(f.mapPieces(window, from: "relay", to: "reader").count == 1)
        #expect(f.mapPieces(window, from: "relay", to: "bystander").isEmpty)
        #expect(reader.knownState(of: f.mapID) == f.device.knownState(of: f.mapID))

        // Gone and back: the reader's reconnection loads re-subscribe it; live updates flow again.
        f.network.disconnect("reader", "relay")
        try f.write(2)
        f.network.run()
        #expect(reader.knownState(of: f.mapID).transactionCount == 1)
        f.network.connect(client: "reader", relay: "relay")
        f.network.run()
        mark = f.network.transcript.count
        try f.write(3)
        f.network.run()
        #expect(f.mapPieces(Array(f.network.transcript[mark...]), from: "relay", to: "reader").count == 1)
        #expect(reader.knownState(of: f.mapID) == f.device.knownState(of: f.mapID))
        #expect(reader.knownState(of: f.mapID).transactionCount == 3)
    }
}
