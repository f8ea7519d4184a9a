import CaroStore
import JazzProto

/// `caro key rotate`: with the 24 words (only the identity account may rotate the group's read key and
/// write the root), a new read key for the Caro group, sealed to its current members only, and a new
/// field key version. Entries already written stay readable to the current devices (the old read key is
/// kept under the new one, the old field keys stay in the root); a device removed earlier, or anyone
/// holding an old key, reads nothing written afterwards.
///
/// Offline it refuses (``CaroError/relayUnreachable(_:)``, nothing changed) rather than queueing: the new
/// key must be sealed to the members as the relay knows them, and queueing would mean keeping the words.
public struct KeyRotation {
    let home: DeviceHome

    public init(home: DeviceHome) {
        self.home = home
    }

    /// What a rotation did.
    public struct Result: Sendable, Equatable {
        /// The field key version new entries are sealed with from now on.
        public var fieldKeyVersion: Int
        /// The devices (active device records) the new read key was sealed to.
        public var devices: Int
    }

    /// Rotates the read key and the field key; returns the new field key version.
    public func rotate(phrase: String) async throws(CaroError) -> Result {
        let credentials = try SyncSession.activeCredentials(home)
        let identity = try AdminSession.identity(from: phrase, matching: credentials)
        let session = try await AdminSession(home: home, credentials: credentials, identity: identity)
        defer { session.close() }
        let groupID = try credentials.id(credentials.group)
        let rootID = try credentials.id(credentials.root)
        let devicesID = try credentials.id(credentials.devices)
        let admin = identity.accountID
        let version: Int
        do {
            version = try session.client.write { node in
                let version = try AdminSession.nextFieldKeyVersion(in: node, root: rootID, admin: admin)
                guard let root = CaroRoot(rootID, in: node, admin: admin) else { throw CaroError.failed("Caro's root cannot be read.") }
                try node.rotateReadKey(of: groupID)
                // The history stream's own group key was revealed to the Caro group's old key: rotate it too.
                try HistoryStream.rotateKey(of: root.history, in: node, caroGroup: groupID)
                try AdminSession.writeFieldKey(version, in: node, root: rootID)
                return version
            }
        } catch let error as CaroError {
            throw error
        } catch {
            throw .failed("Cannot rotate the keys: \(error). Run caro key rotate again.")
        }
        try await session.waitUntilSynced("sending the new keys")
        let devices = session.client.read { DeviceRecord.all(in: $0, devices: devicesID) }.filter(\.active).count
        return Result(fieldKeyVersion: version, devices: devices)
    }
}
