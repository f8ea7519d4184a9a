import CaroStore
import JazzProto

/// `caro sync revoke-identity` (for leaked words): with the old words, creates a new identity (new
/// words), copies the live data under it — history (re-sealed with a new field key, in a history group),
/// synced preferences, the active devices' records — adds every active device's account to the new Caro
/// group, then writes into the old root, as the old identity, one `movedTo_<device account>` sealed to
/// each of those devices (``IdentityMove``) and `movedAt`. This device switches at once; the others at
/// their next `caro sync now`. The old words open nothing written afterwards: it all lives in the new
/// group, whose members are the new identity and the devices.
public struct IdentityRevocation {
    let home: DeviceHome
    let clock: @Sendable () -> Int64

    public init(home: DeviceHome, clock: @escaping @Sendable () -> Int64 = { Timestamp.now() }) {
        self.home = home
        self.clock = clock
    }

    public struct Outcome: Sendable {
        /// The new identity (its words are shown once, by the caller).
        public var identity: JazzIdentity
        public var credentials: DeviceCredentials
        /// Devices moved (this one included) and entries copied.
        public var devices: Int
        public var entries: Int
    }

    /// `announce` is called once the new identity is on the relay and before the old root is marked
    /// (to show the new words: from then on, the devices belong to it).
    public func revoke(phrase: String, newIdentity: JazzIdentity, progress: ((Int, Int) -> Void)? = nil,
                       announce: (JazzIdentity) -> Void = { _ in }) async throws(CaroError) -> Outcome {
        let credentials = try SyncSession.activeCredentials(home)
        let old = try AdminSession.identity(from: phrase, matching: credentials)
        _ = try await SyncSession(home: home, clock: clock).syncNow()
        let lock = try SessionLock(home: home)
        defer { lock.release() }
        let history = try HomeDatabase.open(home)
        let rows = try CaroError.storage { try history.allRows() }
        let oldRootID = try credentials.id(credentials.root)
        let oldClock = DeviceClock()
        let oldNode = LocalNode(agentSecret: old.agentSecret, accountID: old.accountID, environment: oldClock.environment)
        let oldClient = try RelayConnection.client(node: oldNode, storage: try DeviceNode.coValueStore(home), relay: credentials.relay,
                                                   caFile: credentials.ca)
        defer { oldClient.stop() }
        try await RelayConnection.connect(oldClient, relay: credentials.relay)
        try await RelayConnection.waitUntilSynced(oldClient, step: "loading the identity")
        let oldGroupID = try credentials.id(credentials.group)
        oldClient.read { node in oldClock.stayAfter(oldGroupID, in: node) }
        guard let (devices, preferences) = oldClient.read({ node -> ([DeviceRecord], JSONObject)? in
            guard let root = CaroRoot(oldRootID, in: node, admin: old.accountID) else { return nil }
            return (DeviceRecord.all(in: node, devices: root.devices).filter { $0.active && !$0.account.isEmpty },
                    node.view(of: root.preferences)?.objectValue ?? JSONObject())
        }) else {
            throw .failed("Caro's root \(oldRootID) cannot be read with these words. Nothing was changed.")
        }
        guard oldClient.read({ IdentityMove.movedAt(root: oldRootID, in: $0, identity: old.accountID) }) == nil else {
            throw .failed("This identity was already revoked: its devices moved to a newer identity. Nothing was changed.")
        }

        // The new identity, with the devices' accounts (from this home's store) so it can add them.
        let newNode = try jazz { () throws(NodeError) in try LocalNode.createJazzAccount(agentSecret: newIdentity.agentSecret, name: "Caro") }
        let store = try DeviceNode.coValueStore(home)
        for device in devices {
            guard let account = try? CoID(device.account), let stored = try? store.load(account) else { continue }
            newNode.restore(CoValueCore(stored: stored))
        }
        let now = clock()
        let move: IdentityMove
        let cipher = FieldCipher(keys: [1: FieldCipher.newKey()], currentVersion: 1)
        do {
            let group = try newNode.createGroup()
            for device in devices { try newNode.addMember(device.account, role: .writer, to: group) }
            let stream = try HistoryStream.create(in: newNode, caroGroup: group)
            let preferencesMap = try newNode.createValue(type: "comap", owner: group)
            let devicesMap = try newNode.createValue(type: "comap", owner: group)
            let newRoot = try newNode.createValue(type: "comap", owner: group)
            let fieldKey = cipher.keys[1] ?? []
            try newNode.makeTransaction(
                in: newRoot, changes: CaroRoot.creation(history: stream, preferences: preferencesMap, devices: devicesMap, fieldKey: fieldKey),
                privacy: .private)
            try newNode.setGroupKey(newIdentity.accountID, key: "root", value: .string(newRoot.description))
            if !preferences.isEmpty {
                try newNode.makeTransaction(in: preferencesMap, changes: CoMapChanges.assign(preferences.map { ($0.key, $0.value) }),
                                            privacy: .private)
            }
            try newNode.makeTransaction(in: devicesMap, changes: CoMapChanges.assign(devices.map { ($0.id, $0.json) }), privacy: .private)
            move = IdentityMove(identity: newIdentity.accountID.description, group: group.description, root: newRoot.description,
                                history: stream.description, preferences: preferencesMap.description, devices: devicesMap.description)
        } catch {
            throw .failed("Cannot create the new identity: \(error). Nothing was changed in the old one.")
        }
        let newClient = try RelayConnection.client(node: newNode, storage: nil, relay: credentials.relay, caFile: credentials.ca)
        defer { newClient.stop() }
        let streamID = try credentials.id(move.history)
        do {
            try newClient.write { node in try HistoryStream.write(rows, into: streamID, cipher: cipher, node: node, progress: progress) }
        } catch {
            throw .failed("Cannot copy the history into the new identity: \(error). Nothing was changed in the old one.")
        }
        try await RelayConnection.connect(newClient, relay: credentials.relay)
        try await RelayConnection.waitUntilSynced(newClient, step: "uploading the new identity")
        if let failure = newClient.read({ $0.persistAll(to: store) }).first {
            throw .failed("Cannot store \(failure.0) in the home database: \(failure.1). The old identity was not changed.")
        }

        announce(newIdentity)
        // Only now, with the new identity on the relay: tell each device where it went.
        do {
            try oldClient.write { node in
                var changes: [(String, JSONValue)] = []
                for device in devices {
                    guard let account = try? CoID(device.account), let agent = node.agent(ofAccount: account) else { continue }
                    changes.append((IdentityMove.key(for: account),
                                    try move.sealed(from: old.agentSecret, to: agent, device: account, root: oldRootID)))
                }
                changes.append((IdentityMove.movedAtKey, .number(Double(now))))
                try node.makeTransaction(in: oldRootID, changes: CoMapChanges.assign(changes), privacy: .private)
            }
        } catch {
            throw .failed("The new identity exists, but the devices could not be told: \(error). Run caro sync revoke-identity again.")
        }
        try await RelayConnection.waitUntilSynced(oldClient, step: "marking the old identity as moved")

        let moved = credentials.moved(to: move)
        try moved.save(to: home)
        var state = SyncState.load(from: home)
        state.stream = move.history
        state.applied = newClient.read { node in
            Dictionary(uniqueKeysWithValues: node.knownState(of: streamID).sessions.map { ($0.key.description, $0.value) })
        }
        state.streamEntries = rows.filter(\.isLive).count
        state.lastSync = clock()
        try state.save(to: home)
        return Outcome(identity: newIdentity, credentials: moved, devices: devices.count, entries: rows.filter(\.isLive).count)
    }
}
