import CaroStore
import JazzProto

/// Glues ``SyncEngine`` to a ``SyncClient`` and the home database for one `caro sync now`: the device's
/// own Jazz session (continued from the CoValue store, under ``SessionLock``), the relay, and
/// ``HistoryStore``. The engine decides; this type only performs its actions and reports events.
public struct SyncSession {
    let home: DeviceHome
    let clock: @Sendable () -> Int64

    public init(home: DeviceHome, clock: @escaping @Sendable () -> Int64 = { Timestamp.now() }) {
        self.home = home
        self.clock = clock
    }

    /// Pushes pending rows, pulls and applies remote changes, and returns what it did.
    public func syncNow(relayOverride: String? = nil) async throws(CaroError) -> SyncSummary {
        let credentials = try DeviceCredentials.required(in: home)
        guard !credentials.paused else {
            throw .failed("Sync is paused on this device: run caro sync resume first.")
        }
        let lock = try SessionLock(home: home)
        defer { lock.release() }
        var state = SyncState.load(from: home)
        do {
            let summary = try await run(credentials, relay: relayOverride ?? credentials.relay, state: &state)
            state.lastSync = clock()
            state.lastSummary = summary
            state.lastError = nil
            try state.save(to: home)
            return summary
        } catch {
            state.lastError = error.description
            try? state.save(to: home)
            throw error
        }
    }

    private func run(_ credentials: DeviceCredentials, relay: String, state: inout SyncState) async throws(CaroError) -> SyncSummary {
        let history = try HomeDatabase.open(home)
        let retention = try CaroError.storage { try Preferences.load(from: PreferencesStore(database: history.database)).retention }
        let deviceID = try CaroError.storage { try history.deviceID() }
        let node = try DeviceNode.open(credentials)
        let store = try DeviceNode.coValueStore(home)
        let client = try RelayConnection.client(node: node, storage: store, relay: relay)
        defer { client.stop() }
        let rootID = try credentials.id(credentials.root)
        let historyID = try credentials.id(credentials.history)
        let identityID = try credentials.id(credentials.identity)

        let preferencesID = try credentials.id(credentials.preferences)
        let preferenceStore = PreferencesStore(database: history.database)
        var engine = SyncEngine(applied: state.applied, ownSession: credentials.session,
                                syncedPreferenceKeys: Set(Preferences.Key.allCases.map(\.rawValue)))
        let localPreferences = try CaroError.storage { try preferenceStore.timedValues() }
            .mapValues { PreferenceMerge.Stamped(value: $0.value, at: $0.updatedAt) }
        var queue = engine.handle(.start(pending: try CaroError.storage { try history.pendingRows() }, preferences: localPreferences,
                                         now: clock()))
        var waiting: Waiting = .nothing
        var lastReload = clock()
        while true {
            for action in queue {
                switch action {
                case .connect:
                    client.start()
                    waiting = .connection
                case .awaitPull:
                    waiting = .pull
                case .applyRemote(let merge, let frontier):
                    _ = try CaroError.storage {
                        try history.applyRemote(entries: merge.entries, deletions: merge.deletions.map { ($0.id, $0.deletedAt) },
                                                retention: retention, now: clock())
                    }
                    state.applied = frontier
                    try state.save(to: home)
                case .applyPreferences(let values):
                    try CaroError.storage {
                        for (key, stamped) in values { try preferenceStore.set(key, to: stamped.value, at: stamped.at) }
                    }
                case .push(let batches, let preferences):
                    try push(batches, preferences: preferences, client: client, rootID: rootID, identityID: identityID, historyID: historyID,
                             deviceID: deviceID)
                    waiting = .acknowledgement
                case .markPushed(let rows):
                    try CaroError.storage { try history.markPushed(rows) }
                case .finish(let summary):
                    return summary
                case .fail(let failure):
                    switch failure {
                    case .unreachable: throw .relayUnreachable("Cannot reach the relay \(relay): \(failure)")
                    case .timedOut:
                        if DeviceHome.processEnvironment("CARO_SYNC_DEBUG") != nil {
                            let (unsynced, notes) = client.unsyncedDiagnostics
                            for value in unsynced { print("unsynced \(value.id): ours \(value.ours); relay's \(value.relays.map { "\($0)" } ?? "none")") }
                            for note in notes { print("note: \(note)") }
                        }
                        throw .failed(failure.description)
                    }
                }
            }
            try? await Task.sleep(for: .milliseconds(5))
            let now = clock()
            switch waiting {
            case .connection where client.isConnected:
                waiting = .nothing
                queue = engine.handle(.connected(now: now))
            case .pull where client.isSynced:
                let pulled = client.read { node in CaroRoot(rootID, in: node, admin: identityID).map { ($0, $0.feedItems(in: node).items) } }
                guard let (root, items) = pulled else {
                    throw .failed("This device cannot read Caro's root \(rootID): was it removed from the identity? Join again with the 24 words.")
                }
                guard root.schemaVersion <= CaroSchema.version else {
                    throw .failed("The synced data uses schema version \(root.schemaVersion), newer than this caro understands (\(CaroSchema.version)): upgrade caro. Nothing was written.")
                }
                let remotePreferences = client.read { node in Self.preferences(in: node, map: preferencesID) }
                waiting = .nothing
                queue = engine.handle(.pulled(items: items, preferences: remotePreferences, now: now))
            case .acknowledgement where client.isSynced:
                waiting = .nothing
                queue = engine.handle(.acknowledged(now: now))
            case .pull where now - lastReload >= 100:
                // Content answers to our loads do not say what the relay holds of ours: ask again.
                client.reloadUnsynced()
                lastReload = now
                queue = engine.handle(.tick(now: now))
            default:
                if !client.isConnected, let reason = client.lastDisconnectReason { _ = engine.handle(.disconnected(reason: reason)) }
                queue = engine.handle(.tick(now: now))
            }
        }
    }

    private enum Waiting { case nothing, connection, pull, acknowledgement }

    /// The synced preferences: each key's value (as text) and when it was last written.
    static func preferences(in node: LocalNode, map: CoID) -> [String: PreferenceMerge.Stamped] {
        let state = CoMapState(transactions: node.decodedTransactions(of: map))
        var values: [String: PreferenceMerge.Stamped] = [:]
        for key in state.keys {
            guard let edit = state.lastEdit(forKey: key), let stored = edit.value else { continue }
            // `{"value", "setAt"}`: the time the user set it (a push may come much later); plain text: its edit time.
            if let value = stored["value"]?.stringValue {
                values[key] = PreferenceMerge.Stamped(value: value, at: stored["setAt"]?.int64Value ?? Int64(clamping: edit.madeAt))
            } else if let value = stored.stringValue {
                values[key] = PreferenceMerge.Stamped(value: value, at: Int64(clamping: edit.madeAt))
            }
        }
        return values
    }

    /// Appends each batch as one private transaction to the feed, sets `preferences` (one transaction),
    /// and refreshes this device's `lastSeen`.
    private func push(_ batches: [HistoryBatch], preferences: [String: PreferenceMerge.Stamped], client: SyncClient, rootID: CoID,
                      identityID: CoID, historyID: CoID, deviceID: String) throws(CaroError) {
        let now = clock()
        do {
            try client.write { node in
                guard let root = CaroRoot(rootID, in: node, admin: identityID) else { throw CaroError.failed("Caro's root is not readable on this device.") }
                for batch in batches {
                    let item = try batch.encoded(with: root.cipher)
                    try node.makeTransaction(in: historyID, changes: CoStreamChanges.push(item), privacy: .private)
                }
                if !preferences.isEmpty {
                    let changes = CoMapChanges.assign(preferences.sorted { $0.key < $1.key }.map { key, stamped in
                        (key, .object(JSONObject([("value", .string(stamped.value)), ("setAt", .number(Double(stamped.at)))])))
                    })
                    try node.makeTransaction(in: root.preferences, changes: changes, privacy: .private)
                }
                if var record = DeviceRecord.all(in: node, devices: root.devices).first(where: { $0.id == deviceID }) {
                    record.lastSeen = now
                    try node.makeTransaction(in: root.devices, changes: CoMapChanges.set(deviceID, record.json), privacy: .private)
                }
            }
        } catch let error as CaroError {
            throw error
        } catch {
            throw .failed("Cannot write the history feed: \(error)")
        }
    }
}

/// The device's own Jazz node and the CoValue store it lives in.
enum DeviceNode {
    /// The node acting as the device account, continuing its one session.
    static func open(_ credentials: DeviceCredentials) throws(CaroError) -> LocalNode {
        let secret = try credentials.parsedSecret()
        let account = try credentials.id(credentials.account)
        guard let session = try? SessionID(credentials.session) else {
            throw .failed("The session in sync.json is damaged; run caro sync reset --yes, then join again.")
        }
        do {
            return try LocalNode.continuing(session: session, agentSecret: secret, accountID: account)
        } catch {
            throw .failed(error.description)
        }
    }

    /// The CoValue store in the home database (its own connection).
    static func coValueStore(_ home: DeviceHome) throws(CaroError) -> SQLiteCoValueStore {
        try CaroError.storage {
            try SQLiteCoValueStore(database: try SQLiteDatabase(path: home.databasePath), migrations: HomeSchema.migrations)
        }
    }
}
