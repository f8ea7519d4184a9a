import Testing

@testable import JazzProto

/// Group changes travelling through a relay to devices that already show the values they govern: adding a
/// member, the member writing, removing them with a key rotation, and writing under the new key. Every
/// device's next view follows the change, as a fresh device loading everything afterwards sees it.
@Suite("Group changes through a relay")
struct GroupChangeSyncTests {
    @Test func membershipAndKeyRotationReachDevicesThatAlreadyShowTheValue() throws {
        let clock = CountingClock(start: 1_767_225_600_000)
        let alice = try LocalNode.createAccount(agentSecret: .random(), environment: clock.environment)
        let aliceLaptop = LocalNode(agentSecret: alice.agentSecret, accountID: alice.accountID, environment: clock.environment)
        let bob = try LocalNode.createAccount(agentSecret: .random(), environment: clock.environment)
        let network = InMemoryNetwork.relayed([("alice", alice), ("laptop", aliceLaptop), ("bob", bob)])
        func sync(_ name: String, _ node: LocalNode) { network.sync(name, node) }

        let group = try alice.createGroup()
        let notes = try alice.createValue(type: "comap", owner: group)
        try alice.makeTransaction(in: notes, changes: CoMapChanges.set("first", "by alice"), privacy: .private)
        sync("alice", alice)
        network.managers["laptop"]!.load(notes)
        network.managers["bob"]!.load(notes)
        network.managers["alice"]!.load(bob.accountID!)
        network.run()
        #expect(aliceLaptop.view(of: notes) == ["first": "by alice"])
        #expect(bob.view(of: notes) == [:])  // Not a member: nothing readable.

        // Bob joins as a writer; both of Alice's devices and Bob see it on their next view.
        try alice.addMember(bob.accountID!.description, role: .writer, to: group)
        sync("alice", alice)
        #expect(bob.view(of: notes) == ["first": "by alice"])
        try bob.makeTransaction(in: notes, changes: CoMapChanges.set("second", "by bob"), privacy: .private)
        sync("bob", bob)
        #expect(aliceLaptop.view(of: notes) == ["first": "by alice", "second": "by bob"])

        // Bob is removed (the key rotates); Alice writes under the new key. Bob's node has no key to write
        // with any more; a stale client writing with the old key anyway is not valid either.
        let oldKey = try #require(bob.currentReadKey(of: group))
        try alice.removeMember(bob.accountID!.description, from: group)
        try alice.makeTransaction(in: notes, changes: CoMapChanges.set("third", "after removal"), privacy: .private)
        sync("alice", alice)
        #expect(throws: NodeError.self) {
            try bob.makeTransaction(in: notes, changes: CoMapChanges.set("fourth", "by removed bob"), privacy: .private)
        }
        try bob.makeTransaction(in: notes, changes: CoMapChanges.set("fourth", "by removed bob"), privacy: .private, key: oldKey)
        sync("bob", bob)
        let expected: JSONValue = ["first": "by alice", "second": "by bob", "third": "after removal"]
        #expect(alice.view(of: notes) == expected)
        #expect(aliceLaptop.view(of: notes) == expected)
        #expect(bob.view(of: notes)?.objectValue?["third"] == nil)  // The new key was not revealed to Bob.

        // A fresh device of Alice's that loads everything now sees the same.
        let phone = LocalNode(agentSecret: alice.agentSecret, accountID: alice.accountID)
        network.add("phone", node: phone)
        network.connect(client: "phone", relay: "relay")
        network.managers["phone"]!.load(notes)
        network.run()
        #expect(phone.view(of: notes) == expected)
    }
}
