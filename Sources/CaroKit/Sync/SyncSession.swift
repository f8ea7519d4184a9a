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
    /// `progress` (feed transactions applied, of how many) is told while a large backlog is applied in slices.
    public func syncNow(relayOverride: String? = nil, lockWaitMilliseconds: Int = 30_000,
                        progress: ((_ done: Int, _ total: Int) -> Void)? = nil) async throws(CaroError) -> SyncSummary {
        let credentials = try Self.activeCredentials(home)
        let lock = try SessionLock(home: home, timeoutMilliseconds: lockWaitMilliseconds)
        defer { lock.release() }
        SyncTrace.mark("locked")
        let connection = try Connection(home: home, credentials: credentials, relay: relayOverride ?? credentials.relay)
        defer { connection.client.stop() }
        SyncTrace.mark("node restored from the store")
        var state = SyncState.load(from: home)
        var summary = try await cycle(connection, state: &state, progress: progress)
        if let move = connection.move {
            // The identity was revoked and this device moved: continue under the new one.
            let moved = try await follow(move, on: connection, credentials: credentials, state: &state)
            connection.client.stop()
            let next = try Connection(home: home, credentials: moved, relay: relayOverride ?? moved.relay)
            defer { next.client.stop() }
            summary.add(try await cycle(next, state: &state))
            return summary
        }
        try await compactIfDue(connection, state: &state, summary: &summary)
        return summary
    }

    /// Loads the new identity's root and values, then switches `sync.json` to them. The feed frontier is
    /// cleared (`stream` = ""), so the next run applies the new stream whole and pushes what it lacks.
    private func follow(_ move: IdentityMove, on connection: Connection, credentials: DeviceCredentials,
                        state: inout SyncState) async throws(CaroError) -> DeviceCredentials {
        let client = connection.client
        guard let rootID = try? CoID(move.root), let identityID = try? CoID(move.identity) else {
            throw .failed("The identity moved, but the move names invalid IDs; join the new identity with its words.")
        }
        SyncTrace.mark("the identity moved to \(move.identity)")
        client.load(rootID)
        try await RelayConnection.wait(client, for: "loading the new identity") { client in
            let missing = client.read { node -> [CoID]? in
                guard node.isCompletelyLoaded(rootID), let root = CaroRoot(rootID, in: node, admin: identityID) else { return nil }
                return [root.history, root.preferences, root.devices].filter { !node.isCompletelyLoaded($0) }
            }
            guard let missing else { return false }
            for id in missing { client.load(id) }
            return missing.isEmpty
        }
        let moved = credentials.moved(to: move)
        try moved.save(to: home)
        state.stream = ""
        state.applied = [:]
        state.streamEntries = 0
        try state.save(to: home)
        return moved
    }

    /// The automatic compaction (``HistoryCompaction/isDue(_:live:)``) after a sync, when this device may
    /// delete the current stream. A failure is recorded for `caro sync status`, not thrown: the sync
    /// itself succeeded, and the next one tries again.
    private func compactIfDue(_ connection: Connection, state: inout SyncState, summary: inout SyncSummary) async throws(CaroError) {
        let live = try CaroError.storage { try connection.history.liveCount() }
        guard connection.streamDeleted || HistoryCompaction.isDue(state, live: live) else { return }
        let (rootID, identityID) = (connection.rootID, connection.identityID)
        let permitted = connection.client.read { node in
            CaroRoot(rootID, in: node, admin: identityID).map { HistoryStream.canDelete($0.history, in: node) } ?? false
        }
        guard permitted else {
            if connection.streamDeleted {
                throw .failed("The history stream was deleted and only the 24 words may replace it: run caro history compact --words-file FILE. Nothing was pushed.")
            }
            return
        }
        do {
            let outcome = try await HistoryCompaction.rewrite(client: connection.client, history: connection.history, rootID: rootID,
                                                              identityID: identityID, state: &state, progress: nil)
            summary.compacted = outcome.reclaimed
            state.lastSummary = summary
        } catch {
            // With the stream gone, nothing was pushed: that is a failure of the sync itself.
            if connection.streamDeleted { throw error }
            state.lastError = "automatic compaction: \(error)"
        }
        try state.save(to: home)
    }

    /// `caro sync watch`: stays connected; syncs when entries are pending or a preference changed (checked every
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
        // The newest preference change a cycle has seen: a `prefs set` or `history delete --all` here
        // (which leaves no pending row) is pushed without waiting for the next add.
        var preferencesSeen: Int64 = .min
        while true {
            let pending = try CaroError.storage { try connection.history.pendingCount() }
            let preferencesChanged = try CaroError.storage { try connection.preferenceStore.lastUpdate() }
            if first || pending > 0 || preferencesChanged != preferencesSeen || arrived.take() {
                do {
                    var summary = try await cycle(connection, state: &state)
                    if connection.move == nil && !connection.streamDeleted {
                        // As at the end of `sync now`: past the threshold, the history is compacted.
                        try await compactIfDue(connection, state: &state, summary: &summary)
                    }
                    preferencesSeen = preferencesChanged
                    if summary != SyncSummary() { report(summary) }
                    _ = arrived.take()  // What arrived during the cycle was applied by it.
                } catch {
                    if first { throw error }
                    problem(error)
                    try? await Task.sleep(for: .seconds(1))
                }
                if let move = connection.move {
                    _ = try await follow(move, on: connection, credentials: credentials, state: &state)
                    throw .failed("This identity was revoked and this device moved to the new one: start caro sync watch again.")
                }
                if connection.streamDeleted {
                    throw .failed("The history stream was deleted with no newer one: run caro sync now (it writes this device's history into a new stream), then start caro sync watch again.")
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
    func cycle(_ connection: Connection, state: inout SyncState,
               progress: ((Int, Int) -> Void)? = nil) async throws(CaroError) -> SyncSummary {
        do {
            var summary = try await run(connection, state: &state, progress: progress)
            if connection.switchedStream && connection.move == nil && !connection.streamDeleted {
                // The history moved to a new stream: push what it lacks of this device's rows.
                connection.switchedStream = false
                summary.add(try await run(connection, state: &state, progress: nil))
            }
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
        /// Set by a run that found the history in a new stream (its rows marked pending for the next run).
        var switchedStream = false
        /// History streams asked for because the root points at them.
        var requestedStreams: Set<CoID> = []
        /// Set by a run that found this device moved to a new identity (it then pushes nothing more here).
        var move: IdentityMove?
        /// Set by a run that found the current history stream deleted with nothing newer.
        var streamDeleted = false

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

    private func run(_ connection: Connection, state: inout SyncState, progress: ((Int, Int) -> Void)?) async throws(CaroError)
        -> SyncSummary
    {
        let history = connection.history
        let client = connection.client
        let preferenceStore = connection.preferenceStore
        let (rootID, identityID) = (connection.rootID, connection.identityID)
        var engine = SyncedPreferences.engine(applied: state.applied, ownSession: connection.session, timeouts: timeouts)
        let localPreferences = try CaroError.storage { try preferenceStore.timedValues() }
            .mapValues { PreferenceMerge.Stamped(value: $0.value, at: $0.updatedAt) }
        var queue = engine.handle(.start(pending: try CaroError.storage { try history.pendingRows() }, preferences: localPreferences,
                                         now: clock()))
        var waiting: Waiting = .nothing
        var lastReload = clock()
        var streamIDs: Set<String>?
        var newToThisDevice: (inserted: Int, deleted: Int)?
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
                    let retention = try SyncedPreferences.retention(history)
                    let applied = try CaroError.storage {
                        try history.applyRemote(entries: merge.entries, deletions: merge.deletions.map { ($0.id, $0.deletedAt) },
                                                retention: retention, now: clock())
                    }
                    if let streamIDs {
                        // A new stream repeats what is here: count only what was new to this device.
                        newToThisDevice = applied
                        _ = try CaroError.storage { try history.markPending(except: streamIDs) }
                        connection.switchedStream = true
                    }
                    state.applied = frontier
                    try state.save(to: home)
                case .applyPreferences(let values):
                    try SyncedPreferences.apply(values, history: history, now: clock())
                case .push(let batches, let preferences):
                    try push(batches, preferences: preferences, connection: connection)
                    waiting = .acknowledgement
                case .markPushed(let rows):
                    try CaroError.storage { try history.markPushed(rows) }
                case .finish(var summary):
                    if let newToThisDevice { (summary.received, summary.receivedDeletions) = newToThisDevice }
                    try await retireSyncedMetrics(connection)
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
            case .pull where client.isSynced && connection.hasEverything && !awaitingStreams(connection):
                SyncTrace.mark("in sync with the relay")
                // A large backlog of the current stream is applied in slices first (as join restores), then
                // the engine sees the rest.
                try applyBacklog(connection, state: &state, engine: &engine, progress: progress)
                // The feed is decoded only when it holds transactions past the applied frontier (all of
                // it when the root points at another stream than the one the frontier counts in).
                let current = state.stream ?? connection.historyID.description
                let frontier = state.applied
                let pulled = client.read { node -> (CaroRoot, [SyncEngine.FeedItem], Bool, Bool)? in
                    guard let root = CaroRoot(rootID, in: node, admin: identityID) else { return nil }
                    let switched = root.history.description != current
                    let applied = switched ? [:] : frontier
                    let grown = node.knownState(of: root.history).sessions.contains { $0.value > (applied[$0.key.description] ?? 0) }
                    return (root, grown ? root.feedItems(in: node, after: applied).items : [], switched,
                            node.core(root.history)?.isDeleted ?? false)
                }
                guard let (root, items, switched, deleted) = pulled else {
                    throw .failed("This device cannot read Caro's root \(rootID): was it removed from the identity? Join again with the 24 words.")
                }
                if let move = client.read({ IdentityMove.read(root: rootID, in: $0, identity: identityID) }) {
                    // Revoked: push nothing more to the old identity (its words leaked); the caller follows.
                    connection.move = move
                    return SyncSummary()
                }
                if deleted {
                    // Deleted with no newer stream (a compromised device, or a compaction cut short): push
                    // nothing; the caller rewrites this device's history into a new stream.
                    connection.streamDeleted = true
                    return SyncSummary()
                }
                if switched {
                    SyncTrace.mark("the history moved to \(root.history)")
                    engine.restartFeed()
                    state.applied = [:]
                    state.stream = root.history.description
                    state.streamEntries = 0
                    streamIDs = Set(items.flatMap { $0.batch.entries.map(\.id) + $0.batch.deletions.map(\.id) })
                }
                state.streamEntries = (state.streamEntries ?? 0) + items.reduce(0) { $0 + $1.batch.entries.count }
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

    /// Asks for the streams the root points at that are not here yet; true while one is on its way.
    private func awaitingStreams(_ connection: Connection) -> Bool {
        let client = connection.client
        let missing = client.read { CaroRoot.unloadedHistories(connection.rootID, in: $0) }.filter { !client.isUnavailable(anyOf: [$0]) }
        for id in missing where connection.requestedStreams.insert(id).inserted { client.load(id) }
        return !missing.isEmpty
    }

    /// With at least ``FeedRestore/sliceThreshold`` feed transactions past the applied frontier, applies
    /// them in slices (``FeedRestore``) and tells the engine, so it never holds them decoded at once.
    private func applyBacklog(_ connection: Connection, state: inout SyncState, engine: inout SyncEngine,
                              progress: ((Int, Int) -> Void)?) throws(CaroError) {
        let (rootID, identityID, applied) = (connection.rootID, connection.identityID, state.applied)
        let found = connection.client.read { node -> (CaroRoot, Int)? in
            CaroRoot(rootID, in: node, admin: identityID).map { ($0, $0.feedTransactionCount(in: node, after: applied)) }
        }
        // Only on the stream the frontier counts in: a switched stream (a compaction) goes through the engine
        // whole, which compares it with what is here.
        let current = state.stream ?? connection.historyID.description
        guard let (root, backlog) = found, backlog >= FeedRestore.sliceThreshold, root.schemaVersion <= CaroSchema.version,
              root.history.description == current else { return }
        // The retention as it will be once the engine applied the synced preferences (a newer synced
        // `max-entries` must not be undercut by this device's older one while the backlog goes in).
        var preferences = try CaroError.storage { try Preferences.load(from: connection.preferenceStore) }
        let local = try CaroError.storage { try connection.preferenceStore.timedValues() }
            .mapValues { PreferenceMerge.Stamped(value: $0.value, at: $0.updatedAt) }
        let remote = connection.client.read { node in Self.preferences(in: node, map: connection.preferencesID) }
        preferences.take(PreferenceMerge(local: local, remote: remote, syncedKeys: SyncedPreferences.keys).toLocal.mapValues(\.value))
        progress?(0, backlog)
        let outcome = try FeedRestore.apply(root, from: connection.client, into: connection.history, after: applied,
                                            retention: preferences.retention, now: clock()) { walked in progress?(walked, backlog) }
        state.applied = outcome.frontier
        state.streamEntries = (state.streamEntries ?? 0) + outcome.entries
        try state.save(to: home)
        engine.appliedInSlices(frontier: outcome.frontier, received: outcome.inserted, receivedDeletions: outcome.deleted)
        SyncTrace.mark("backlog of \(backlog) feed transactions applied in slices")
    }

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

    /// At the end of a sync with metrics off: deletes this device's synced counters if they are still there
    /// (after `caro community revoke` here or on another device), and waits for the relay to acknowledge.
    private func retireSyncedMetrics(_ connection: Connection) async throws(CaroError) {
        guard try Self.localMetrics(connection) == nil else { return }
        let key = DeviceRecord.metricsKey(connection.deviceID)
        let (rootID, identityID) = (connection.rootID, connection.identityID)
        let deleted: Bool
        do {
            deleted = try connection.client.write { node -> Bool in
                guard let root = CaroRoot(rootID, in: node, admin: identityID),
                    node.view(of: root.devices)?.objectValue?[key] != nil
                else { return false }
                try node.makeTransaction(in: root.devices, changes: CoMapChanges.delete(key), privacy: .private)
                return true
            }
        } catch {
            throw .failed("Cannot delete this device's synced counters: \(error)")
        }
        if deleted { try await RelayConnection.wait(connection.client, for: "deleting this device's counters") { $0.isSynced } }
    }

    /// This device's usage counters when metrics are on (nil when off).
    private static func localMetrics(_ connection: Connection) throws(CaroError) -> UsageCounters? {
        try CaroError.storage {
            guard try Preferences.load(from: connection.preferenceStore).shareMetrics else { return nil }
            return UsageCounters(rows: try MetricsStore(database: connection.history.database).counts())
        }
    }

    /// Appends each batch as one private transaction to the feed, sets `preferences` (one transaction),
    /// and refreshes this device's `lastSeen`.
    private func push(_ batches: [HistoryBatch], preferences: [String: PreferenceMerge.Stamped], connection: Connection)
        throws(CaroError)
    {
        let now = clock()
        let (rootID, identityID, deviceID) = (connection.rootID, connection.identityID, connection.deviceID)
        let client = connection.client
        let metrics = try Self.localMetrics(connection)
        do {
            try client.write { node in
                connection.clock.stayAfter(connection.groupID, in: node)
                guard let root = CaroRoot(rootID, in: node, admin: identityID) else { throw CaroError.failed("Caro's root is not readable on this device.") }
                for batch in batches {
                    let item = try batch.encoded(with: root.cipher)
                    try node.makeTransaction(in: root.history, changes: CoStreamChanges.push(item), privacy: .private)
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
                // This device's opt-in counters, while metrics are on (deleted by retireSyncedMetrics once off).
                let metricsKey = DeviceRecord.metricsKey(deviceID)
                if let metrics, !metrics.isEmpty, node.view(of: root.devices)?.objectValue?[metricsKey] != metrics.json {
                    try node.makeTransaction(in: root.devices, changes: CoMapChanges.set(metricsKey, metrics.json), privacy: .private)
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

    /// The CoValue store in the home database (its own connection). `keepsJournalMode`: for a join's store
    /// after its restore, while the file is still in the rollback journal the restore chose.
    static func coValueStore(_ home: DeviceHome, keepsJournalMode: Bool = false) throws(CaroError) -> SQLiteCoValueStore {
        try CaroError.storage {
            let database = try SQLiteDatabase(path: home.databasePath, options: .init(keepsJournalMode: keepsJournalMode))
            return try SQLiteCoValueStore(database: database, migrations: HomeSchema.migrations)
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
