import Testing

@testable import JazzProto

/// A group that gives `everyone` the `writeOnly` role (a drop box): any account adds to its values, only
/// the group's readers read them, and one write-only writer cannot read another's additions.
@Suite("everyone: writeOnly")
struct EveryoneWriteOnlyTests {
    @Test func anyAccountAddsOnlyTheOwnersReadAndWritersDoNotReadEachOther() throws {
        let clock = CountingClock(start: 1_767_225_600_000)
        let owner = try LocalNode.createAccount(agentSecret: .random(), environment: clock.environment)
        let ownerLaptop = LocalNode(agentSecret: owner.agentSecret, accountID: owner.accountID, environment: clock.environment)
        let first = try LocalNode.createAccount(agentSecret: .random(), environment: clock.environment)
        let second = try LocalNode.createAccount(agentSecret: .random(), environment: clock.environment)
        let network = InMemoryNetwork.relayed([("owner", owner), ("laptop", ownerLaptop), ("first", first), ("second", second)])
        func sync(_ name: String, _ node: LocalNode) { network.sync(name, node) }

        let group = try owner.createGroup()
        try owner.addMember("everyone", role: .writeOnly, to: group)
        let feed = try owner.createValue(type: "costream", owner: group)
        try owner.makeTransaction(in: feed, changes: CoStreamChanges.push("from the owner"), privacy: .private)
        sync("owner", owner)
        #expect(owner.groupState(for: group)?.value("\(try #require(owner.currentReadKey(of: group)).id)_for_everyone") == nil)

        for (name, node) in [("first", first), ("second", second)] {
            network.managers[name]!.load(feed)
            network.run()
            #expect(node.hasContent(feed))
            #expect(CoStreamState(transactions: node.decodedTransactions(of: feed)).allItems.isEmpty)  // Cannot read.
            try node.makeTransaction(in: feed, changes: CoStreamChanges.push(.string("from \(name)")), privacy: .private)
            sync(name, node)
            let own = CoStreamState(transactions: node.decodedTransactions(of: feed)).allItems.map(\.value)
            #expect(own == [.string("from \(name)")])  // Only its own addition.
        }
        try first.makeTransaction(in: feed, changes: CoStreamChanges.push("again from first"), privacy: .private)
        sync("first", first)

        network.managers["laptop"]!.load(feed)
        network.run()
        for reader in [owner, ownerLaptop] {
            let items = Set(CoStreamState(transactions: reader.decodedTransactions(of: feed)).allItems.map(\.value))
            #expect(items == ["from the owner", "from first", "from second", "again from first"])
        }
        let firstSees = CoStreamState(transactions: first.decodedTransactions(of: feed)).allItems.map(\.value)
        #expect(Set(firstSees) == ["from first", "again from first"])
        #expect(first.validity(of: group).values.allSatisfy { $0 == .valid })
        #expect(ownerLaptop.validity(of: feed).values.allSatisfy { $0 == .valid })
    }
}
