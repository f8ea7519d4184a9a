import CaroStore
import JazzProto

/// What the commands that hold the 24 words (`devices remove`, `key rotate`) share: the words checked
/// against this device's identity, and a node acting as the identity account (the Caro group's only
/// admin) connected to the relay with the group loaded, under the device's ``SessionLock``.
///
/// Opening needs the relay: these commands change who can read what, so they must start from the
/// group as the relay has it (a device joined elsewhere since the last sync must receive the new key).
final class AdminSession {
    let credentials: DeviceCredentials
    let identity: JazzIdentity
    let client: SyncClient
    private let lock: SessionLock
    /// The identity node's clock: after everything of the Caro group seen (a clock behind would date the
    /// identity's changes before the group's own history, and every device would drop them).
    private let clock = DeviceClock()

    /// The identity the words open, checked to be this device's identity; nothing is written otherwise.
    static func identity(from phrase: String, matching credentials: DeviceCredentials) throws(CaroError) -> JazzIdentity {
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

    /// Locks the device's session, connects as `identity` and waits until the relay and this node agree
    /// (the group and root loaded). Throws ``CaroError/relayUnreachable(_:)`` when the relay is not there.
    init(home: DeviceHome, credentials: DeviceCredentials, identity: JazzIdentity) async throws(CaroError) {
        self.credentials = credentials
        self.identity = identity
        lock = try SessionLock(home: home)
        do {
            let store = try DeviceNode.coValueStore(home)
            let node = LocalNode(agentSecret: identity.agentSecret, accountID: identity.accountID, environment: clock.environment)
            client = try RelayConnection.client(node: node, storage: store, relay: credentials.relay, caFile: credentials.ca)
        } catch {
            lock.release()
            throw error
        }
        do {
            try await RelayConnection.connect(client, relay: credentials.relay)
            try await waitUntilSynced("loading the group")
            let groupID = try credentials.id(credentials.group)
            client.read { node in clock.stayAfter(groupID, in: node) }
        } catch {
            close()
            throw error
        }
    }

    /// Stops the client and releases the lock.
    func close() {
        client.stop()
        lock.release()
    }

    /// Waits until the relay acknowledged everything this node holds (asking again for values a relay
    /// answered with new content only).
    func waitUntilSynced(_ step: String) async throws(CaroError) {
        try await RelayConnection.wait(client, for: step) { client in
            if client.isSynced { return true }
            client.reloadUnsynced()
            return false
        }
    }

    /// N+1, where N is the root's current field key version; throws when the root cannot be read (check
    /// it before changing the group, so a failure changes nothing).
    static func nextFieldKeyVersion(in node: LocalNode, root rootID: CoID, admin: CoID) throws(CaroError) -> Int {
        guard let root = CaroRoot(rootID, in: node, admin: admin) else { throw .failed("Caro's root cannot be read.") }
        return root.cipher.currentVersion + 1
    }

    /// Writes a new random `fieldKey_<version>` and `fieldKeyVersion: version` into the root (one private
    /// transaction; made after the group's read key was rotated, only the remaining members can read it).
    static func writeFieldKey(_ version: Int, in node: LocalNode, root rootID: CoID) throws {
        try node.makeTransaction(
            in: rootID,
            changes: CoMapChanges.assign([
                (CaroSchema.RootKey.fieldKey(version), .string(Base64URL.encode(FieldCipher.newKey()))),
                (CaroSchema.RootKey.fieldKeyVersion, .number(Double(version))),
            ]), privacy: .private)
    }
}
