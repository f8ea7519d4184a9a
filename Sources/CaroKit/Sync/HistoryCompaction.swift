import CaroStore
import JazzProto

/// `caro history compact`, and the automatic compaction at the end of `caro sync now`: rewrites this
/// device's history (live entries and deletion records, after a full sync) into a new history stream
/// under a fresh key (``HistoryStream``), points the root's `history` at it, and deletes the old stream
/// with the protocol's delete transaction, so that a relay honouring deletion drops the ciphertext of
/// deleted and expired entries. Other devices switch to the new stream at their next sync.
public struct HistoryCompaction {
    let home: DeviceHome
    let clock: @Sendable () -> Int64

    public init(home: DeviceHome, clock: @escaping @Sendable () -> Int64 = { Timestamp.now() }) {
        self.home = home
        self.clock = clock
    }

    /// What a compaction did.
    public struct Outcome: Sendable, Equatable {
        public var oldStream: String
        public var newStream: String
        /// Live entries and deletion records written into the new stream.
        public var entries: Int
        public var deletions: Int
        /// Entry records of the old stream left behind (deleted, expired, or repeated).
        public var reclaimed: Int
    }

    /// When a sync compacts by itself: at least this many entry records in the stream are no longer live…
    public static let automaticMinimumReclaimable = 1_000
    /// …and they are at least this fraction (in percent) of the stream's entry records.
    public static let automaticMinimumPercent = 25

    /// Whether `state`'s stream holds enough deleted or expired entries (against `live` entries here)
    /// for an automatic compaction.
    public static func isDue(_ state: SyncState, live: Int) -> Bool {
        let records = state.streamEntries ?? 0
        let reclaimable = records - live
        return reclaimable >= automaticMinimumReclaimable && reclaimable * 100 >= records * automaticMinimumPercent
    }

    /// Syncs, then compacts. With `phrase` (the 24 words) the identity writes the new stream and the root;
    /// without, the device does — which works for every stream but one made by a `caro` older than
    /// compaction (owned by the Caro group itself: only the words may delete it; the error says so).
    /// `progress` is told the batches written.
    public func compact(phrase: String? = nil, progress: ((Int, Int) -> Void)? = nil) async throws(CaroError) -> Outcome {
        let credentials = try SyncSession.activeCredentials(home)
        var identity: JazzIdentity?
        if let phrase { identity = try AdminSession.identity(from: phrase, matching: credentials) }
        _ = try await SyncSession(home: home, clock: clock).syncNow()
        let lock = try SessionLock(home: home)
        defer { lock.release() }
        let history = try HomeDatabase.open(home)
        // The compaction's transactions are dated after everything of the Caro group seen (see DeviceClock): a
        // device whose clock is behind would otherwise write a root pointer and a delete that other devices
        // drop as written before it was a member.
        let clock = DeviceClock()
        let node: LocalNode
        if let identity {
            node = LocalNode(agentSecret: identity.agentSecret, accountID: identity.accountID, environment: clock.environment)
        } else {
            node = try DeviceNode.open(credentials, clock: clock)
        }
        let client = try RelayConnection.client(node: node, storage: try DeviceNode.coValueStore(home), relay: credentials.relay,
                                                caFile: credentials.ca)
        defer { client.stop() }
        try await RelayConnection.connect(client, relay: credentials.relay)
        try await RelayConnection.waitUntilSynced(client, step: "loading the history")
        let groupID = try credentials.id(credentials.group)
        client.read { node in clock.stayAfter(groupID, in: node) }
        var state = SyncState.load(from: home)
        let outcome = try await Self.rewrite(client: client, history: history, rootID: try credentials.id(credentials.root),
                                             identityID: try credentials.id(credentials.identity), state: &state, progress: progress)
        try state.save(to: home)
        return outcome
    }

    /// The rewrite on an open, synced client: new stream, items, root pointer (acknowledged by the relay
    /// before anything is deleted), then the old stream's delete transaction. Updates `state` to count in
    /// the new stream.
    static func rewrite(client: SyncClient, history: HistoryStore, rootID: CoID, identityID: CoID, state: inout SyncState,
                        progress: ((Int, Int) -> Void)?) async throws(CaroError) -> Outcome {
        let rows = try CaroError.storage { try history.allRows() }
        let streams: (old: CoID, new: CoID)
        do {
            streams = try client.write { node in
                guard let root = CaroRoot(rootID, in: node, admin: identityID), let caroGroup = node.core(rootID)?.header?.ownerGroup else {
                    throw CaroError.failed("Caro's root is not readable on this device: run caro sync now first.")
                }
                guard HistoryStream.canDelete(root.history, in: node) else {
                    throw CaroError.failed(
                        "This history stream was made by a caro older than compaction and belongs to the identity's group, which only the 24 words administer: run caro history compact --words-file FILE once (later compactions need no words). Nothing was changed.")
                }
                let stream = try HistoryStream.create(in: node, caroGroup: caroGroup)
                try HistoryStream.write(rows, into: stream, cipher: root.cipher, node: node, progress: progress)
                try node.makeTransaction(in: rootID, changes: CoMapChanges.set(CaroSchema.RootKey.history, .string(stream.description)),
                                         privacy: .private)
                return (root.history, stream)
            }
        } catch let error as CaroError {
            throw error
        } catch {
            throw .failed("Cannot write the compacted history: \(error)")
        }
        try await RelayConnection.waitUntilSynced(client, step: "uploading the compacted history")
        do {
            try client.write { node in
                if node.core(streams.old)?.isDeleted != true { try node.deleteCoValue(streams.old) }
            }
        } catch {
            throw .failed("The history was rewritten into \(streams.new), but the old stream \(streams.old) could not be deleted: \(error)")
        }
        try await RelayConnection.waitUntilSynced(client, step: "deleting the old history")
        // Rows added meanwhile went into the new stream with the rest: nothing to push again.
        try CaroError.storage { try history.markPushed(rows) }
        let live = rows.filter(\.isLive).count
        let reclaimed = max(0, (state.streamEntries ?? 0) - live)
        state.stream = streams.new.description
        state.applied = client.read { node in
            Dictionary(uniqueKeysWithValues: node.knownState(of: streams.new).sessions.map { ($0.key.description, $0.value) })
        }
        state.streamEntries = live
        return Outcome(oldStream: streams.old.description, newStream: streams.new.description, entries: live,
                       deletions: rows.count - live, reclaimed: reclaimed)
    }
}
