import Testing

@testable import JazzProto

/// What `SyncClient.reloadUnsynced()` relies on: a relay answers a reconnecting client's `load` with
/// the content it lacks but without saying what it holds of the client's own sessions, so the client
/// cannot tell it is in sync; a second `load` once that content is in gets a plain `known` back.
@Suite("Reloading what the relay has not confirmed")
struct ReloadUnsyncedTests {
    /// Two devices of one account (A with a group), and a relay, on one in-memory network; nothing connected.
    static func accountOnTwoDevices() throws -> (network: InMemoryNetwork, deviceA: LocalNode, deviceB: LocalNode, group: CoID) {
        let network = InMemoryNetwork()
        let agent = try AgentSecret(secretSeed: SecureRandom.bytes(32))
        let deviceA = try LocalNode.createAccount(agentSecret: agent, environment: CountingClock(start: 1_767_225_600_000).environment)
        let group = try deviceA.createGroup()
        let deviceB = LocalNode(agentSecret: agent, accountID: deviceA.accountID,
                                environment: CountingClock(start: 1_767_225_700_000).environment)
        network.add("A", node: deviceA)
        network.add("B", node: deviceB)
        network.add("relay", node: LocalNode(agentSecret: .random(), accountID: nil))
        return (network, deviceA, deviceB, group)
    }

    @Test func aSecondLoadAfterAContentAnswerConfirmsTheSync() throws {
        let (network, deviceA, deviceB, group) = try Self.accountOnTwoDevices()
        let map = try deviceA.createValue(type: "comap", owner: group)
        try deviceA.makeTransaction(in: map, changes: CoMapChangesForTests.set("from", "A"), privacy: .private)
        network.connect(client: "A", relay: "relay")
        network.connect(client: "B", relay: "relay")
        network.run()
        network.managers["B"]!.load(map)
        network.run()

        // A goes away; B writes; A comes back.
        network.disconnect("A", "relay")
        let before = deviceB.knownState(of: map)
        try deviceB.makeTransaction(in: map, changes: CoMapChangesForTests.set("from", "B"), privacy: .private)
        network.managers["B"]!.localChange(map, persistSince: before)
        network.run()
        network.connect(client: "A", relay: "relay")
        network.run()
        let managerA = network.managers["A"]!
        #expect(deviceA.knownState(of: map) == deviceB.knownState(of: map))  // A has everything…
        let unsynced = managerA.unsyncedIDs(with: PeerID("relay"))
        #expect(!managerA.isFullySyncedWithServers, "…but cannot know it yet")
        #expect(unsynced.contains(map))

        for id in unsynced { managerA.load(id) }
        network.run()
        #expect(managerA.isFullySyncedWithServers)
    }

    /// What `SyncClient.holdsAllTheRelayHas(of:)` guards against: a connection lost while the relay streams
    /// a large value leaves the node looking complete (the announced counts are forgotten), and only the
    /// relay's answer on the next connection tells that more is to come.
    @Test func aStreamCutShortLooksCompleteUntilTheRelayAnswersAgain() throws {
        let (network, deviceA, deviceB, group) = try Self.accountOnTwoDevices()
        let stream = try deviceA.createValue(type: "costream", owner: group)
        for index in 0..<40 {  // ~400 KB: streamed in several pieces
            try deviceA.makeTransaction(in: stream, changes: CoStreamChanges.push(.string(String(repeating: "\(index % 10)", count: 10_000))),
                                        privacy: .private)
        }
        network.connect(client: "A", relay: "relay")
        network.run()
        let relay = PeerID("relay")
        let total = deviceA.knownState(of: stream)

        network.connect(client: "B", relay: "relay")
        network.managers["B"]!.load(stream)
        while !(deviceB.core(stream)?.isStreaming ?? false) { try #require(network.deliverNext(), "the relay never streamed") }
        #expect(!deviceB.isCompletelyLoaded(stream))
        network.disconnect("B", "relay")
        #expect(deviceB.knownState(of: stream) != total)
        #expect(deviceB.isCompletelyLoaded(stream), "cut short, the value looks complete")

        network.connect(client: "B", relay: "relay")
        #expect(network.managers["B"]!.acknowledgedState(of: stream, by: relay) == nil, "no answer yet on the new connection")
        network.run()
        #expect(network.managers["B"]!.acknowledgedState(of: stream, by: relay) != nil)
        #expect(deviceB.knownState(of: stream) == total)
        #expect(deviceB.isCompletelyLoaded(stream))
    }
}
