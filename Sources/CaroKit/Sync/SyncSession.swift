import CaroStore
import Foundation
import JazzProto

/// Glues ``SyncEngine`` to a ``SyncClient`` and the home database for one `caro sync now`: the device's
/// own Jazz session (continued from the CoValue store, under ``SessionLock``), the relay, and
/// ``HistoryStore``. The engine decides; this type only performs its actions and reports events.
public struct SyncSession {
    let home: DeviceHome
    let clock: @Sendable () -> Int64
    /// How long the relay may take to connect, to send its changes, and to acknowledge the push
    /// (`caro sync now --timeout`): past them the sync fails with a message, never hangs.
    let timeouts: SyncEngine.Timeouts

    /// `clock`: Unix milliseconds (default: the system clock, see ``TestClockSkew``).
    public init(home: DeviceHome, clock: (@Sendable () -> Int64)? = nil, timeouts: SyncEngine.Timeouts = .init()) {
        self.home = home
        self.clock = clock ?? { TestClockSkew.now() }
        self.timeouts = timeouts
    }

    /// Pushes pending rows, pulls and applies remote changes, and returns what it did.
    /// `lockWaitMilliseconds`: how long to wait for another process syncing this device (auto-sync
    /// passes 0: a sync already running, e.g. `sync watch`, will push the entry itself).
    public func syncNow(relayOverride: String? = nil, lockWaitMilliseconds: Int = 30_000) async throws(CaroError) -> SyncSummary {
        let credentials = try Self.activeCredentials(home)
        let lock = try SessionLock(home: home, timeoutMilliseconds: lockWaitMilliseconds)
        defer { lock.release() }
        SyncTrace.mark("locked")
        let connection = try Connection(home: home, credentials: credentials, relay: relayOverride ?? credentials.relay)
        defer { connection.client.stop() }
        SyncTrace.mark("node restored from the store")
        var state = SyncState.load(from: home)
        return try await cycle(connection, state: &state)
    }

    /// `caro sync watch`: stays connected; syncs when entries are pending (checked every
    /// `debounceMilliseconds`, so a burst of adds goes out as one push) or when other devices' changes
    /// arrive, and calls `report` after each sync that did something. A relay unreachable at the start
    /// ends it (exit 3); later failures (the relay restarting, a timeout) go to `problem` and the next
    /// round retries (the client reconnects by itself). Otherwise it never returns.
    public func watch(relayOverride: String? = nil, debounceMilliseconds: Int = 300,
                      problem: @escaping (CaroError) -> Void = { _ in },
                      report: @escaping (SyncSummary) -> Void) async throws(CaroError) {
        let credentials = try Self.activeCredentials(home)
        let lock = try SessionLock(home: home)
        defer { lock.release() }
        let connection = try Connection(home: home, credentials: credentials, relay: relayOverride ?? credentials.relay)
        defer { connection.client.stop() }
        let arrived = ArrivalFlag()
        connection.client.observe { _ in arrived.set() }
        var state = SyncState.load(from: home)
        var first = true
        while true {
            let pending = try CaroError.storage { try connection.history.pendingCount() }
            if first || pending > 0 || arrived.take() {
                do {
                    let summary = try await cycle(connection, state: &state)
                    if summary != SyncSummary() { report(summary) }
                    _ = arrived.take()  // What arrived during the cycle was applied by it.
                } catch {
                    if first { throw error }
                    problem(error)
                    try? await Task.sleep(for: .seconds(1))
                }
                first = false
            }
            try? await Task.sleep(for: .milliseconds(debounceMilliseconds))
        }
    }

    /// `caro devices rename`: syncs, then names the device `id` (a full ID or a unique prefix) `name`
    /// for every device, and waits until the relay acknowledged it. Returns the renamed record.
    public func renameDevice(_ id: String, to name: String) async throws(CaroError) -> DeviceRecord {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw .invalidArgument("A device name cannot be empty.") }
        let credentials = try Self.activeCredentials(home)
        let lock = try SessionLock(home: home)
        defer { lock.release() }
        let connection = try Connection(home: home, credentials: credentials, relay: credentials.relay)
        defer { connection.client.stop() }
        var state = SyncState.load(from: home)
        _ = try await cycle(connection, state: &state)
        let devicesID = try credentials.id(credentials.devices)
        let devices = connection.client.read { DeviceRecord.all(in: $0, devices: devicesID) }
        let matches = devices.filter { $0.id.hasPrefix(id) }
        guard matches.count == 1, var record = matches.first else {
            throw matches.isEmpty
                ? .notFound("No device \(id): caro devices list shows the devices.")
                : .invalidArgument("\(id) matches \(matches.count) devices: give more of the ID.")
        }
        do {
            try connection.client.write { node in
                connection.clock.stayAfter(connection.groupID, in: node)
                try node.makeTransaction(in: devicesID, changes: CoMapChanges.set(DeviceRecord.nameKey(record.id), .string(trimmed)),
                                         privacy: .private)
            }
        } catch {
            throw .failed("Cannot rename \(record.id): \(error)")
        }
        try await RelayConnection.wait(connection.client, for: "sending the new name") { $0.isSynced }
        record.name = trimmed
        return record
    }

    static func activeCredentials(_ home: DeviceHome) throws(CaroError) -> DeviceCredentials {
        let credentials = try DeviceCredentials.required(in: home)
        guard !credentials.paused else { throw .failed("Sync is paused on this device: run caro sync resume first.") }
        return credentials
    }

    /// One run of the engine on an open connection, recording its outcome in `state`.
    private func cycle(_ connection: Connection, state: inout SyncState) async throws(CaroError) -> SyncSummary {
        do {
            let summary = try await run(connection, state: &state)
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

    /// What a sync keeps open: the home database, the device's node in a client, the IDs.
    final class Connection {
        let history: HistoryStore
        let preferenceStore: PreferencesStore
        let client: SyncClient
        let relay: String
        let deviceID: String
        let session: String
        let rootID: CoID, historyID: CoID, identityID: CoID, preferencesID: CoID
        /// The identity's CoValues this device's store lacks (after `caro doctor --repair` emptied the
        /// CoValue tables): loaded from the relay once connected, and waited for with the pull.
        let missing: [CoID]
        let groupID: CoID
        /// The device node's clock, kept after the group's newest transaction before each push.
        let clock: DeviceClock
        var started = false

        init(home: DeviceHome, credentials: DeviceCredentials, relay: String) throws(CaroError) {
            history = try HomeDatabase.open(home)
            preferenceStore = PreferencesStore(database: history.database)
            let history = history
            deviceID = try CaroError.storage { try history.deviceID() }
            let clock = DeviceClock()
            self.clock = clock
            let node = try DeviceNode.open(credentials, clock: clock)
            client = try RelayConnection.client(node: node, storage: try DeviceNode.coValueStore(home), relay: relay, caFile: credentials.ca)
            self.relay = relay
            session = credentials.session
            rootID = try credentials.id(credentials.root)
            historyID = try credentials.id(credentials.history)
            identityID = try credentials.id(credentials.identity)
            preferencesID = try credentials.id(credentials.preferences)
            groupID = try credentials.id(credentials.group)
            let needed = [try credentials.id(credentials.account), identityID, groupID, rootID, historyID, preferencesID,
                          try credentials.id(credentials.devices)]
            missing = client.read { node in needed.filter { !node.isCompletelyLoaded($0) } }
        }

        /// Whether every CoValue in ``missing`` arrived.
        var hasEverything: Bool {
            missing.isEmpty || client.read { node in missing.allSatisfy { node.isCompletelyLoaded($0) } }
        }
    }

    private func run(_ connection: Connection, state: inout SyncState) async throws(CaroError) -> SyncSummary {
        let history = connection.history
        let client = connection.client
        let preferenceStore = connection.preferenceStore
        let (rootID, identityID) = (connection.rootID, connection.identityID)
        let retention = try CaroError.storage { try Preferences.load(from: preferenceStore).retention }
        var engine = SyncEngine(applied: state.applied, ownSession: connection.session,
                                syncedPreferenceKeys: Set(Preferences.Key.allCases.map(\.rawValue)), timeouts: timeouts)
        let localPreferences = try CaroError.storage { try preferenceStore.timedValues() }
            .mapValues { PreferenceMerge.Stamped(value: $0.value, at: $0.updatedAt) }
        var queue = engine.handle(.start(pending: try CaroError.storage { try history.pendingRows() }, preferences: localPreferences,
                                         now: clock()))
        var waiting: Waiting = .nothing
        var lastReload = clock()
        var framesSeen = client.framesReceived
        while true {
            for action in queue {
                switch action {
                case .connect:
                    if !connection.started { client.start() }
                    connection.started = true
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
                    try push(batches, preferences: preferences, connection: connection)
                    waiting = .acknowledgement
                case .markPushed(let rows):
                    try CaroError.storage { try history.markPushed(rows) }
                case .finish(let summary):
                    return summary
                case .fail(let failure):
                    switch failure {
                    case .unreachable: throw .relayUnreachable("Cannot reach the relay \(connection.relay): \(failure)")
                    case .timedOut:
                        if DeviceHome.processEnvironment("CARO_SYNC_DEBUG") != nil {
                            let (unsynced, notes) = client.unsyncedDiagnostics
                            for value in unsynced {
                                SyncTrace.write("unsynced \(value.id): ours \(value.ours); relay's \(value.relays.map { "\($0)" } ?? "none")")
                            }
                            for note in notes { SyncTrace.write("note: \(note)") }
                        }
                        // What the relay sent and this device refused (a forged or malformed piece), if anything.
                        let refused = client.unsyncedDiagnostics.notes.last { !$0.hasPrefix("storage:") }
                        throw .failed("The relay \(connection.relay) did not answer within \(timeouts.pull / 1000) s while \(failure.step)"
                            + (refused.map { " (it sent what this device refused: \($0.prefix(160)))" } ?? "")
                            + "; nothing was lost: run caro sync now again (--timeout SECONDS waits longer).")
                    }
                }
            }
            try? await Task.sleep(for: .milliseconds(5))
            // Waiting on would end in a timeout that blames the relay: say what failed here instead.
            if let failure = client.storageFailure {
                throw .failed("This device could not store what the relay sent (\(failure)); nothing unstored was "
                    + "acknowledged: fix that, then run caro sync now again.")
            }
            let now = clock()
            if client.framesReceived != framesSeen {
                framesSeen = client.framesReceived
                _ = engine.handle(.relayAnswered(now: now))
            }
            switch waiting {
            case .connection where client.isConnected:
                SyncTrace.mark("connected")
                for id in connection.missing { client.load(id) }
                waiting = .nothing
                queue = engine.handle(.connected(now: now))
            case .pull where client.isSynced && connection.hasEverything:
                SyncTrace.mark("in sync with the relay")
                // The feed is decoded only when it holds transactions past the applied frontier.
                let applied = state.applied
                let pulled = client.read { node -> (CaroRoot, [SyncEngine.FeedItem])? in
                    guard let root = CaroRoot(rootID, in: node, admin: identityID) else { return nil }
                    let grown = node.knownState(of: root.history).sessions.contains { $0.value > (applied[$0.key.description] ?? 0) }
                    return (root, grown ? root.feedItems(in: node, after: applied).items : [])
                }
                guard let (root, items) = pulled else {
                    throw .failed("This device cannot read Caro's root \(rootID): was it removed from the identity? Join again with the 24 words.")
                }
                guard root.schemaVersion <= CaroSchema.version else {
                    throw .failed("The synced data uses schema version \(root.schemaVersion), newer than this caro understands (\(CaroSchema.version)): upgrade caro. Nothing was written.")
                }
                let remotePreferences = client.read { node in Self.preferences(in: node, map: connection.preferencesID) }
                SyncTrace.mark("feed decoded")
                waiting = .nothing
                queue = engine.handle(.pulled(items: items, preferences: remotePreferences, now: now))
            case .acknowledgement where client.isSynced:
                SyncTrace.mark("push acknowledged")
                waiting = .nothing
                queue = engine.handle(.acknowledged(now: now))
            case .pull where now - lastReload >= 20:
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
    private func push(_ batches: [HistoryBatch], preferences: [String: PreferenceMerge.Stamped], connection: Connection)
        throws(CaroError)
    {
        let now = clock()
        let (rootID, identityID, historyID, deviceID) = (connection.rootID, connection.identityID, connection.historyID, connection.deviceID)
        let client = connection.client
        do {
            try client.write { node in
                connection.clock.stayAfter(connection.groupID, in: node)
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
    static func open(_ credentials: DeviceCredentials, clock: DeviceClock = DeviceClock()) throws(CaroError) -> LocalNode {
        let secret = try credentials.parsedSecret()
        let account = try credentials.id(credentials.account)
        guard let session = try? SessionID(credentials.session) else {
            throw .failed("The session in sync.json is damaged; run caro sync reset --yes, then join again.")
        }
        do {
            return try LocalNode.continuing(session: session, agentSecret: secret, accountID: account,
                                            environment: clock.environment)
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

/// Set from the transport's thread when content arrives; taken by the watch loop.
final class ArrivalFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    func set() { lock.withLock { value = true } }

    /// Returns whether it was set, and clears it.
    func take() -> Bool { lock.withLock { defer { value = false }; return value } }
}
