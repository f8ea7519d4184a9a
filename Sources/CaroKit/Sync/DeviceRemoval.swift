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
        let identity = try AdminSession.identity(from: phrase, matching: credentials)
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

        let session = try await AdminSession(home: home, credentials: credentials, identity: identity)
        defer { session.close() }
        let client = session.client

        let groupID = try credentials.id(credentials.group)
        let rootID = try credentials.id(credentials.root)
        let devicesID = try credentials.id(credentials.devices)
        let admin = identity.accountID
        let now = clock()
        do {
            try client.write { node in
                guard let root = CaroRoot(rootID, in: node, admin: admin) else { throw CaroError.failed("Caro's root cannot be read.") }
                let version = try AdminSession.nextFieldKeyVersion(in: node, root: rootID, admin: admin)
                try node.removeMember(targetAccount.description, from: groupID)
                // The history stream's own key was revealed to the group's old key: rotate it too.
                try HistoryStream.rotateKey(of: root.history, in: node, caroGroup: groupID)
                // Written after the rotation: encrypted with the new read key, which the removed device lacks.
                try AdminSession.writeFieldKey(version, in: node, root: rootID)
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
        try await session.waitUntilSynced("sending the removal")
        var removed = target
        removed.active = false
        return removed
    }
}
