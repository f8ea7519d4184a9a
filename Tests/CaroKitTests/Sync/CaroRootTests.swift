import CaroKit
import CaroStore
import JazzProto
import Testing

/// A device is a writer in the Caro group: it can write the root, but caro trusts only the identity's edits.
@Suite("Caro root")
struct CaroRootTests {
    /// An identity with a Caro group, root and feed, and a device (a writer) whose node holds all of it.
    struct Setup {
        var phone: LocalNode
        var adminAccount: CoID, deviceAccount: CoID
        var group: CoID, root: CoID, feed: CoID
        var fieldKey: [UInt8]
    }

    static func setup() throws -> Setup {
        let deviceSecret = AgentSecret.random()
        let device = try LocalNode.createJazzAccount(agentSecret: deviceSecret, name: "phone")
        let deviceAccount = try #require(device.accountID)
        let bridge = try SQLiteCoValueStore.inMemory()
        #expect(device.persistAll(to: bridge).isEmpty)

        let admin = try LocalNode.createJazzAccount(agentSecret: AgentSecret.random(), name: "Caro")
        let adminAccount = try #require(admin.accountID)
        #expect(try admin.restoreAll(from: bridge).isEmpty)
        let group = try admin.createGroup()
        try admin.addMember(deviceAccount.description, role: .writer, to: group)
        let feed = try admin.createValue(type: "costream", owner: group)
        let preferences = try admin.createValue(type: "comap", owner: group)
        let devices = try admin.createValue(type: "comap", owner: group)
        let root = try admin.createValue(type: "comap", owner: group)
        let fieldKey = [UInt8](repeating: 3, count: 32)
        try admin.makeTransaction(
            in: root,
            changes: CoMapChanges.assign([
                ("schemaVersion", 1), ("history", .string(feed.description)), ("preferences", .string(preferences.description)),
                ("devices", .string(devices.description)), ("fieldKeyVersion", 1), ("fieldKey_1", .string(Base64URL.encode(fieldKey))),
            ]), privacy: .private)

        // The device's node, with everything the identity wrote.
        let shared = try SQLiteCoValueStore.inMemory()
        #expect(admin.persistAll(to: shared).isEmpty)
        let phone = try LocalNode.continuing(session: device.sessionID, agentSecret: deviceSecret, accountID: deviceAccount)
        #expect(try phone.restoreAll(from: shared).isEmpty)
        return Setup(phone: phone, adminAccount: adminAccount, deviceAccount: deviceAccount, group: group, root: root, feed: feed,
                     fieldKey: fieldKey)
    }

    @Test func editsByADeviceCannotRedirectTheHistoryOrReplaceAFieldKey() throws {
        let setup = try Self.setup()
        let (phone, adminAccount, deviceAccount, group, root, feed, fieldKey) =
            (setup.phone, setup.adminAccount, setup.deviceAccount, setup.group, setup.root, setup.feed, setup.fieldKey)
        let before = try #require(CaroRoot(root, in: phone, admin: adminAccount))
        #expect(before.cipher.keys[1] == fieldKey)

        // The device (a writer) overwrites the root: allowed by Jazz, ignored by caro.
        let forged = try phone.createValue(type: "costream", owner: group)
        try phone.makeTransaction(
            in: root,
            changes: CoMapChanges.assign([
                ("history", .string(forged.description)), ("fieldKeyVersion", 2),
                ("fieldKey_1", .string(Base64URL.encode([UInt8](repeating: 9, count: 32)))),
                ("fieldKey_2", .string(Base64URL.encode([UInt8](repeating: 9, count: 32)))),
            ]), privacy: .private)
        #expect(phone.view(of: root)?["history"]?.stringValue == forged.description)
        let after = try #require(CaroRoot(root, in: phone, admin: adminAccount))
        #expect(after.history == feed)
        #expect(after.cipher.currentVersion == 1)
        #expect(after.cipher.keys == [1: fieldKey])
        // Read as if the device were the admin, its edits would count: the filter is what protects.
        #expect(CaroRoot(root, in: phone, admin: deviceAccount) == nil)
    }

    /// After a compaction a device points the root at a new stream: taken only when the stream's group
    /// is a history group (the Caro group as its only parent, no member of its own), so a device cannot
    /// send the history where an outsider reads it.
    @Test func aDevicePointerIsTakenOnlyForAHistoryGroupNobodyElseWasAddedTo() throws {
        let setup = try Self.setup()
        let (phone, admin, group, root) = (setup.phone, setup.adminAccount, setup.group, setup.root)
        func point(at stream: CoID) throws {
            try phone.makeTransaction(in: root, changes: CoMapChanges.set("history", .string(stream.description)), privacy: .private)
        }

        let compacted = try HistoryStream.create(in: phone, caroGroup: group)
        try point(at: compacted)
        #expect(CaroRoot(root, in: phone, admin: admin)?.history == compacted)

        // A history group the device then opened to an outsider: ignored, the previous pointer stands.
        let outsider = try LocalNode.createJazzAccount(agentSecret: AgentSecret.random(), name: "outsider")
        let outsiderStore = try SQLiteCoValueStore.inMemory()
        #expect(outsider.persistAll(to: outsiderStore).isEmpty)
        #expect(try phone.restoreAll(from: outsiderStore).isEmpty)
        let leaky = try HistoryStream.create(in: phone, caroGroup: group)
        let leakyGroup = try #require(phone.core(leaky)?.header?.ownerGroup)
        try phone.addMember(try #require(outsider.accountID).description, role: .reader, to: leakyGroup)
        try point(at: leaky)
        #expect(CaroRoot(root, in: phone, admin: admin)?.history == compacted)

        // A group whose creator stayed a member, or one without the Caro group as parent: ignored too.
        let kept = try phone.createGroup()
        try phone.extend(kept, withParent: group, role: "admin")
        try point(at: try phone.createValue(type: "costream", owner: kept))
        let orphan = try phone.createGroup()
        try point(at: try phone.createValue(type: "costream", owner: orphan))
        #expect(CaroRoot(root, in: phone, admin: admin)?.history == compacted)

        // Any current member may delete a stream of a history group (admin through the Caro group).
        try phone.deleteCoValue(compacted)
        #expect(phone.core(compacted)?.isDeleted == true)
    }
}
