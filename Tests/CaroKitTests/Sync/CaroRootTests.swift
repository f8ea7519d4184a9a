import CaroKit
import CaroStore
import JazzProto
import Testing

/// A device is a writer in the Caro group: it can write the root, but caro trusts only the identity's edits.
@Suite("Caro root")
struct CaroRootTests {
    @Test func editsByADeviceCannotRedirectTheHistoryOrReplaceAFieldKey() throws {
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
}
