import Testing

@testable import JazzProto

/// What `SyncClient.reloadUnsynced()` relies on: a relay answers a reconnecting client's `load` with
/// the content it lacks but without saying what it holds of the client's own sessions, so the client
/// cannot tell it is in sync; a second `load` once that content is in gets a plain `known` back.
@Suite("Reloading what the relay has not confirmed")
struct ReloadUnsyncedTests {
    @Test func aSecondLoadAfterAContentAnswerConfirmsTheSync() throws {
        let network = InMemoryNetwork()
        let agent = try AgentSecret(secretSeed: SecureRandom.bytes(32))
        let deviceA = try LocalNode.createAccount(agentSecret: agent, environment: CountingClock(start: 1_767_225_600_000).environment)
        let group = try deviceA.createGroup()
        let map = try deviceA.createValue(type: "comap", owner: group)
        try deviceA.makeTransaction(in: map, changes: CoMapChangesForTests.set("from", "A"), privacy: .private)
        let deviceB = LocalNode(agentSecret: agent, accountID: deviceA.accountID,
                                environment: CountingClock(start: 1_767_225_700_000).environment)
        network.add("A", node: deviceA)
        network.add("B", node: deviceB)
        network.add("relay", node: LocalNode(agentSecret: .random(), accountID: nil))
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
}
