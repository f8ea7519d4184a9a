import CaroStore
import JazzProto

/// `caro devices remove`: with the 24 words (the only admin), revokes a device's account in the Caro
/// group, rotates the group's read key (sealed to the remaining members only), writes a new field key
/// version, and marks the device inactive. The removed device cannot read anything written afterwards.
public struct DeviceRemoval {
    let home: DeviceHome
    let clock: @Sendable () -> Int64

    public init(home: DeviceHome, clock: @escaping @Sendable () -> Int64 = { Timestamp.now() }) {
        self.home = home
        self.clock = clock
    }

    /// Removes the device `deviceID` (a full ID or a unique prefix); returns its record.
    public func remove(_ deviceID: String, phrase: String) async throws(CaroError) -> DeviceRecord {
        let credentials = try DeviceCredentials.required(in: home)
        let identity = try Self.identity(phrase, of: credentials)
        let (devices, current) = try SyncStatusService(home: home).devices()
        let matches = devices.filter { $0.id.hasPrefix(deviceID) }
        guard matches.count == 1, let target = matches.first else {
            throw matches.isEmpty
                ? .notFound("No device \(deviceID): caro devices list shows the devices (as of the last sync).")
                : .invalidArgument("\(deviceID) matches \(matches.count) devices: give more of the ID.")
        }
        guard target.id != current else {
            throw .invalidArgument("\(target.id) is this device: remove it from another device (or run caro sync reset here).")
        }
        guard let targetAccount = try? CoID(target.account) else { throw .failed("The device record of \(target.id) names no account.") }

        let lock = try SessionLock(home: home)
        defer { lock.release() }
        let store = try DeviceNode.coValueStore(home)
        let node = LocalNode(agentSecret: identity.agentSecret, accountID: identity.accountID)
        let client = try RelayConnection.client(node: node, storage: store, relay: credentials.relay, caFile: credentials.ca)
        defer { client.stop() }
        try await RelayConnection.connect(client, relay: credentials.relay)
        try await RelayConnection.waitUntilSynced(client, step: "loading the group")

        let groupID = try credentials.id(credentials.group)
        let rootID = try credentials.id(credentials.root)
        let devicesID = try credentials.id(credentials.devices)
        let admin = identity.accountID
        let now = clock()
        do {
            try client.write { node in
                guard let root = CaroRoot(rootID, in: node, admin: admin) else { throw CaroError.failed("Caro's root cannot be read.") }
                try node.removeMember(targetAccount.description, from: groupID)
                // The history stream's own key was revealed to the group's old key: rotate it too.
                try HistoryStream.rotateKey(of: root.history, in: node, caroGroup: groupID)
                // Written after the rotation: encrypted with the new read key, which the removed device lacks.
                let next = root.cipher.currentVersion + 1
                try node.makeTransaction(
                    in: rootID,
                    changes: CoMapChanges.assign([
                        (CaroSchema.RootKey.fieldKey(next), .string(Base64URL.encode(FieldCipher.newKey()))),
                        (CaroSchema.RootKey.fieldKeyVersion, .number(Double(next))),
                    ]), privacy: .private)
                var record = target
                record.active = false
                record.lastSeen = max(record.lastSeen, now)
                try node.makeTransaction(in: devicesID, changes: CoMapChanges.set(target.id, record.json), privacy: .private)
            }
        } catch let error as CaroError {
            throw error
        } catch {
            throw .failed("Cannot remove \(target.id): \(error)")
        }
        try await RelayConnection.waitUntilSynced(client, step: "sending the removal")
        var removed = target
        removed.active = false
        return removed
    }

    /// The identity `phrase` opens, checked to be the one this device belongs to.
    static func identity(_ phrase: String, of credentials: DeviceCredentials) throws(CaroError) -> JazzIdentity {
        let identity: JazzIdentity
        do {
            identity = try JazzIdentity(phrase: phrase)
        } catch {
            throw .invalidArgument("Those are not valid recovery words (\(error)); check each of the 24 words and their order. Nothing was changed.")
        }
        guard identity.accountID.description == credentials.identity else {
            throw .invalidArgument("These words open another identity than this device's (\(credentials.identity)). Nothing was changed.")
        }
        return identity
    }

}
