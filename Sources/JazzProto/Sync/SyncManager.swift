/// The Jazz sync protocol as a pure state machine (jazz-protocol-sync.md §2): messages in, messages
/// out through `send`, no sockets. One manager drives one `LocalNode` and any number of peers, as a
/// client (peers labelled `.server`) or as a relay (peers labelled `.client`).
///
/// Not thread-safe: call it from one isolation domain.
public final class SyncManager {
    public let node: LocalNode
    /// Persistent storage, if any: accepted content is written before it is acknowledged or forwarded.
    public let storage: (any CoValueStorage)?
    private var peers: [PeerID: PeerState] = [:]
    private var peerOrder: [PeerID] = []
    /// Peers with a record of each CoValue (subscribed to it), in the order they subscribed: new content
    /// is fanned out to these without visiting every peer.
    private var subscribers: [CoID: [PeerID]] = [:]
    /// The server peers among `peerOrder`.
    private var serverOrder: [PeerID] = []
    private let send: (PeerID, SyncMessage) -> Void
    /// At most this many content pieces wait for dependencies at once.
    static let maximumWaitingPieces = 10_000
    /// Content waiting for dependencies, in arrival order.
    private var waiting: [(piece: ContentPiece, from: PeerID)] = []
    /// Pending storage-reconciliation batches from clients: batch → CoValues still to complete.
    private var reconcileBatches: [(peer: PeerID, batchID: String, pending: Set<CoID>)] = []
    /// CoValues asked for with `load` that we do not hold yet: re-requested from every server that connects.
    private var wanted: Set<CoID> = []
    /// CoValues a server peer said it does not have (answer `known{header:false}` to our load).
    public private(set) var unavailable: Set<CoID> = []
    /// Problems worth logging (rejected content, storage errors), newest last; bounded.
    public private(set) var log: [String] = []

    /// `send` is called for every outgoing message, in order.
    public init(node: LocalNode, storage: (any CoValueStorage)? = nil, send: @escaping (PeerID, SyncMessage) -> Void) {
        self.node = node
        self.storage = storage
        self.send = send
    }

    /// The last failure to store or to read back stored data, or nil once a later write succeeded (a relay
    /// reports it in `/health`).
    public private(set) var storageFailure: String?
    /// Called whenever ``storageFailure`` changes (on the manager's isolation domain).
    public var onStorageFailureChange: ((String?) -> Void)?
    /// Peers already sent a correction for a CoValue whose storing failed: while it keeps failing they get
    /// a plain `known`, so a peer does not resend in a loop while the disk stays full; once a write succeeds
    /// again they all get a correction (see ``askRefusedPeersToResend()``).
    private var correctedAfterStorageFailure: [CoID: Set<PeerID>] = [:]
    /// CoValues storage holds but could not give back (a damaged database), with why: nothing more is
    /// stored (or acknowledged) for them, since what is added could not be read back either.
    private var unreadable: [CoID: String] = [:]

    /// How many problems were ever noted (the log itself keeps only the last 1000).
    public private(set) var noteCount = 0

    private func note(_ message: String) {
        noteCount += 1
        log.append(message)
        if log.count > 1000 { log.removeFirst(log.count - 1000) }
    }

    // MARK: Peers

    /// Adds a peer. For a server peer, sends a `load` for every CoValue we hold (dependencies first),
    /// so the server tells us what it lacks or what we lack (reconnection reconciliation, §2.12).
    public func addPeer(_ id: PeerID, role: PeerRole) {
        if peers[id] == nil { peerOrder.append(id) }
        dropSubscriptions(of: id)
        serverOrder.removeAll { $0 == id }
        if role == .server { serverOrder.append(id) }
        peers[id] = PeerState(id: id, role: role)
        guard role == .server else { return }
        for coID in dependencyOrder(node.coValueIDs) {
            peers[id]?.loadRequested.insert(coID)
            peers[id]?.toldKnownState.insert(coID)
            send(id, .load(node.core(coID)?.knownStateWithStreaming ?? KnownState(id: coID)))
        }
        wanted = wanted.filter { !node.hasContent($0) }
        for coID in wanted.sorted() {
            peers[id]?.loadRequested.insert(coID)
            peers[id]?.toldKnownState.insert(coID)
            send(id, .load(KnownState(id: coID)))
        }
    }

    /// Forgets a peer (its subscriptions and pending reconciliation). Streaming targets a server announced
    /// are dropped: what did not arrive will be asked for again with our real counts.
    public func removePeer(_ id: PeerID) {
        if peers[id]?.role == .server { node.clearStreamingTargets() }
        dropSubscriptions(of: id)
        peers[id] = nil
        peerOrder.removeAll { $0 == id }
        serverOrder.removeAll { $0 == id }
        waiting.removeAll { $0.from == id }
        reconcileBatches.removeAll { $0.peer == id }
    }

    public var peerIDs: [PeerID] { peerOrder }

    /// Removes `id` from the subscriber lists of every CoValue it has a record of.
    private func dropSubscriptions(of id: PeerID) {
        guard let peer = peers[id] else { return }
        for coID in Set(peer.confirmed.keys).union(peer.optimistic.keys) {
            subscribers[coID]?.removeAll { $0 == id }
            if subscribers[coID]?.isEmpty == true { subscribers[coID] = nil }
        }
    }

    // MARK: Incoming

    /// Handles one message from a peer.
    public func handle(_ message: SyncMessage, from peerID: PeerID) {
        guard peers[peerID] != nil else { return }
        switch message {
        case .load(let state): handleLoad(state, from: peerID)
        case .known(let state, let isCorrection): handleKnown(state, isCorrection: isCorrection, from: peerID)
        case .content(let piece): handleContent(piece, from: peerID)
        case .done: break
        case .reconcile(let batchID, let values): handleReconcile(batchID, values, from: peerID)
        case .reconcileAck: break
        }
    }

    private func handleLoad(_ state: KnownState, from peerID: PeerID) {
        updatePeer(peerID, subscribing: state.id) { $0.replace(state) }
        if !node.hasContent(state.id) { loadFromStorage(state.id) }
        if node.hasContent(state.id) {
            sendNewContent(state.id, to: peerID, forceKnownReply: true)
        } else {
            // Not found (a relay has no upstream). The load still subscribes the peer.
            peers[peerID]?.toldKnownState.insert(state.id)
            send(peerID, .known(KnownState(id: state.id), isCorrection: false))
        }
        completeReconciliation(state.id, from: peerID)
    }

    private func handleKnown(_ state: KnownState, isCorrection: Bool, from peerID: PeerID) {
        // The answer to our own `load` is authoritative (a relay that lost data must get it again);
        // cojson merges it, which never lowers the record, so it would not re-upload.
        let answersOurLoad = peers[peerID]?.role == .server && peers[peerID]?.loadRequested.contains(state.id) == true
        updatePeer(peerID, subscribing: state.id) { peer in
            if isCorrection || answersOurLoad { peer.replace(state) } else { peer.combine(state) }
        }
        if answersOurLoad && !state.header && !node.hasContent(state.id) { unavailable.insert(state.id) }
        peers[peerID]?.loadRequested.remove(state.id)
        peers[peerID]?.deferredPushes.remove(state.id)
        if node.hasContent(state.id) || loadFromStorage(state.id) {
            sendNewContent(state.id, to: peerID, forceKnownReply: false)
        }
        completeReconciliation(state.id, from: peerID)
    }

    private func handleContent(_ incoming: ContentPiece, from peerID: PeerID) {
        guard let peer = peers[peerID] else { return }
        var piece = incoming
        if peer.role == .client { piece.expectContentUntil = nil }
        if !node.hasContent(piece.id) { loadFromStorage(piece.id) }
        let missing = node.missingDependencies(of: piece)
        for dependency in missing where !node.hasContent(dependency) { loadFromStorage(dependency) }
        let stillMissing = node.missingDependencies(of: piece)
        if !stillMissing.isEmpty {
            // Bounded: a peer that never provides the dependencies cannot make us hold its content forever.
            if waiting.count >= Self.maximumWaitingPieces {
                let dropped = waiting.removeFirst()
                note("\(dropped.from): \(dropped.piece.id) dropped: its dependencies never arrived")
            }
            waiting.append((piece, peerID))
            for dependency in stillMissing { requestLoad(dependency, preferring: peerID) }
            return
        }
        process(piece, from: peerID)
    }

    /// Applies a piece whose dependencies are present, replies, persists, and fans out.
    private func process(_ piece: ContentPiece, from peerID: PeerID) {
        let before = node.knownState(of: piece.id)
        let hadHeader = before.header
        let report = node.ingest(piece)
        if let error = report.headerError {
            if case .missingHeader = error {
                peers[peerID]?.toldKnownState.insert(piece.id)
                updatePeer(peerID, subscribing: piece.id) { $0.replace(KnownState(id: piece.id)) }
                send(peerID, .known(KnownState(id: piece.id), isCorrection: true))
            } else {
                note("\(peerID): \(error)")  // A forged header: dropped, no reply (as cojson).
            }
            return
        }
        for (session, reason) in report.rejections { note("\(peerID): \(piece.id) session \(session): \(reason)") }
        // What the peer now has, from the sessions we accepted or already had.
        var implied = KnownState(id: piece.id, header: true)
        for (session, outcome) in report.outcomes {
            guard let content = piece.new.first(where: { $0.0 == session })?.1 else { continue }
            switch outcome {
            case .appended, .duplicate, .ignoredBecauseDeleted:
                implied.sessions[session] = content.after + content.newTransactions.count
            case .gap, .rejected: break
            }
        }
        updatePeer(peerID, subscribing: piece.id) { $0.combine(implied) }
        let ours = ourKnownState(piece.id, toldTo: peerID)
        let changed = report.appendedAnything || (!hadHeader && ours.header)
        // Stored before it is acknowledged: an ack promises the data survives a crash.
        if changed, persist(piece.id, since: before, headerIsNew: !hadHeader) != nil {
            answerUnstored(piece.id, to: peerID)
            return
        }
        peers[peerID]?.toldKnownState.insert(piece.id)
        send(peerID, .known(ours, isCorrection: report.needsCorrection))
        if report.needsCorrection {
            // The peer's record of us was wrong: replace it with what we really have.
            updatePeer(peerID, subscribing: piece.id) { $0.optimistic[piece.id] = ours }
        }
        if changed {
            completeReconciliation(piece.id, from: peerID)
            fanOut(piece.id, except: peerID)
            releaseWaiting()
        } else {
            completeReconciliation(piece.id, from: peerID)
        }
        if node.core(piece.id)?.isStreaming != true {
            peers[peerID]?.loadRequested.remove(piece.id)
        }
    }

    /// Storing what `peerID` sent of `id` failed, and the node now holds only what storage holds (see
    /// ``persist``): tell the peer exactly that, so nothing unstored is acknowledged. The first time a
    /// correction (the peer resends from there); while it keeps failing a plain `known`, so the peer does
    /// not resend in a loop (it is asked again once a write succeeds). Nothing is forwarded.
    private func answerUnstored(_ id: CoID, to peerID: PeerID) {
        let stored = node.knownState(of: id)
        let correct = correctedAfterStorageFailure[id, default: []].insert(peerID).inserted
        peers[peerID]?.toldKnownState.insert(id)
        send(peerID, .known(stored, isCorrection: correct))
    }

    /// Changes the state of `peerID` (if connected) in a way that gives it a record of `id`.
    private func updatePeer(_ peerID: PeerID, subscribing id: CoID, _ change: (inout PeerState) -> Void) {
        guard peers[peerID] != nil else { return }
        let wasSubscribed = peers[peerID]!.isSubscribed(id)
        change(&peers[peerID]!)
        if !wasSubscribed && peers[peerID]!.isSubscribed(id) { subscribers[id, default: []].append(peerID) }
    }

    /// Sends new content of `id` to every subscribed peer (and every server) other than `except`.
    private func fanOut(_ id: CoID, except excluded: PeerID?) {
        for peerID in subscribers[id] ?? [] where peerID != excluded {
            sendNewContent(id, to: peerID, forceKnownReply: false)
        }
        for peerID in serverOrder where peerID != excluded && peers[peerID]?.isSubscribed(id) == false {
            peers[peerID]?.loadRequested.insert(id)
            peers[peerID]?.toldKnownState.insert(id)
            send(peerID, .load(node.core(id)?.knownStateWithStreaming ?? KnownState(id: id)))
        }
    }

    /// Re-processes waiting content whose dependencies have arrived.
    private func releaseWaiting() {
        var progress = true
        while progress {
            progress = false
            for (index, entry) in waiting.enumerated() where node.missingDependencies(of: entry.piece).isEmpty {
                waiting.remove(at: index)
                if peers[entry.from] != nil { process(entry.piece, from: entry.from) }
                progress = true
                break
            }
        }
    }

    /// Asks for a dependency: from server peers, and from the sending client (it must have it).
    private func requestLoad(_ id: CoID, preferring peerID: PeerID) {
        var targets = peerOrder.filter { peers[$0]?.role == .server }
        if peers[peerID]?.role == .client { targets.append(peerID) }
        for target in targets where peers[target]?.loadRequested.contains(id) != true {
            peers[target]?.loadRequested.insert(id)
            peers[target]?.toldKnownState.insert(id)
            send(target, .load(node.knownState(of: id)))
        }
    }

    // MARK: Outgoing (§2.5)

    /// Sends what `peerID` lacks of `id` (dependencies first if it is a client), or a `known` if it lacks
    /// nothing and we never told it about `id` (or `forceKnownReply`).
    public func sendNewContent(_ id: CoID, to peerID: PeerID, forceKnownReply: Bool) {
        var seen: Set<CoID> = []
        sendNewContent(id, to: peerID, forceKnownReply: forceKnownReply, seen: &seen)
    }

    private func sendNewContent(_ id: CoID, to peerID: PeerID, forceKnownReply: Bool, seen: inout Set<CoID>) {
        guard !seen.contains(id), let peer = peers[peerID], let core = node.core(id), core.header != nil else { return }
        seen.insert(id)
        if peer.role == .client {
            for dependency in node.dependencies(ofCoValue: id) {
                sendNewContent(dependency, to: peerID, forceKnownReply: false, seen: &seen)
            }
        }
        let pieces = core.newContentSince(peers[peerID]?.optimistic[id])
        if !pieces.isEmpty {
            for piece in pieces { send(peerID, .content(piece)) }
            updatePeer(peerID, subscribing: id) { $0.combineOptimistic(core.knownState) }
        } else if forceKnownReply || peers[peerID]?.toldKnownState.contains(id) != true {
            send(peerID, .known(core.isDeleted ? ourKnownState(id, toldTo: peerID) : core.knownStateWithStreaming, isCorrection: false))
        }
        peers[peerID]?.toldKnownState.insert(id)
    }

    /// Call after local writes to `id`: stores them (if `before` is given) and pushes the new content to
    /// servers and subscribed clients. Returns false, sending nothing, if storing failed (the writes were
    /// dropped from the node; see ``persistLocalChange(_:since:)``).
    @discardableResult
    public func localChange(_ id: CoID, persistSince before: KnownState? = nil) -> Bool {
        if let before {
            do {
                try persistLocalChange(id, since: before)
            } catch {
                return false
            }
        }
        pushLocalChange(id)
        return true
    }

    /// Stores local writes to `id` made since `before` (without sending them yet). If that fails the
    /// node drops them (it then holds what storage holds) and they must not be sent.
    public func persistLocalChange(_ id: CoID, since before: KnownState) throws(LocalChangeNotStored) {
        if let failure = persist(id, since: before, headerIsNew: !before.header) {
            throw LocalChangeNotStored(id: id, reason: failure)
        }
    }

    /// Sends what servers and subscribed clients lack of `id` (one piece per session however many local
    /// transactions accumulated: the receiver verifies one signature for all of them).
    public func pushLocalChange(_ id: CoID) {
        for peerID in peerOrder {
            guard let peer = peers[peerID] else { continue }
            if peer.role == .server && coalescesUnacknowledgedPushes && peer.hasUnacknowledgedContent(id) {
                // Sent with the next acknowledgement (``handleKnown`` sends what the peer lacks).
                peers[peerID]?.deferredPushes.insert(id)
                continue
            }
            if peer.role == .server || peer.isSubscribed(id) {
                sendNewContent(id, to: peerID, forceKnownReply: false)
            }
        }
    }

    /// When true, local changes to a CoValue whose previous push a server has not acknowledged yet are
    /// held back until that acknowledgement arrives, and then sent together as one piece (one signature
    /// to verify for all of them). Under a quick succession of writes this keeps at most one unacknowledged
    /// push per CoValue in flight, so the relay's work per edit falls as the load rises; a lone write
    /// still goes out at once. Call ``pushDeferredChanges()`` to send held-back changes regardless (e.g.
    /// when an acknowledgement is overdue).
    public var coalescesUnacknowledgedPushes = false

    /// True if local changes are held back waiting for an acknowledgement.
    public var hasDeferredPushes: Bool { peers.values.contains { !$0.deferredPushes.isEmpty } }

    /// Sends every held-back local change now.
    public func pushDeferredChanges() {
        for peerID in serverOrder {
            guard let deferred = peers[peerID]?.deferredPushes, !deferred.isEmpty else { continue }
            peers[peerID]?.deferredPushes.removeAll()
            for id in dependencyOrder(Array(deferred)) { sendNewContent(id, to: peerID, forceKnownReply: false) }
        }
    }

    /// What we tell `peerID` we have of `id`: for a deleted value the stop-syncing state (§2.11).
    private func ourKnownState(_ id: CoID, toldTo peerID: PeerID) -> KnownState {
        guard let core = node.core(id), core.isDeleted else { return node.knownState(of: id) }
        return core.stopSyncingKnownState(peerClaims: peers[peerID]?.confirmed[id])
    }

    // MARK: Sync status (§2.13)

    /// True if `peerID` acknowledged everything we have of `id` (counts exactly equal).
    public func isSynced(_ id: CoID, with peerID: PeerID) -> Bool {
        let ours = node.knownState(of: id)
        guard let theirs = peers[peerID]?.confirmed[id] else { return !ours.header }
        return theirs.header == ours.header && ours.isInSync(with: theirs)
    }

    /// True if every server peer acknowledged everything we hold.
    public var isFullySyncedWithServers: Bool {
        let servers = peerOrder.filter { peers[$0]?.role == .server }
        return node.coValueIDs.allSatisfy { id in servers.allSatisfy { isSynced(id, with: $0) } }
    }

    /// CoValues not yet acknowledged by `peerID`.
    public func unsyncedIDs(with peerID: PeerID) -> [CoID] {
        node.coValueIDs.filter { !isSynced($0, with: peerID) }
    }

    /// Asks server peers for a CoValue we do not have (or want updates of).
    public func load(_ id: CoID) {
        unavailable.remove(id)
        if !node.hasContent(id) { wanted.insert(id) }
        for peerID in peerOrder where peers[peerID]?.role == .server {
            peers[peerID]?.loadRequested.insert(id)
            peers[peerID]?.toldKnownState.insert(id)
            send(peerID, .load(node.core(id)?.knownStateWithStreaming ?? KnownState(id: id)))
        }
    }

    // MARK: Storage

    /// Reads `id` from storage if the node lacks it, with everything it depends on (owner group, its
    /// parents, the accounts of authors and members), so a client is sent those first exactly as for a
    /// value that was in memory. Returns whether the node now has `id`.
    @discardableResult
    private func loadFromStorage(_ id: CoID) -> Bool {
        guard !node.hasContent(id), let storage else { return node.hasContent(id) }
        do {
            guard let stored = try storage.load(id) else { return false }
            node.restore(CoValueCore(stored: stored))
            unreadable[id] = nil
        } catch {
            note("storage: cannot load \(id): \(error)")
            unreadable[id] = "\(error)"
            setStorageFailure("cannot load \(id): \(error)")
            return false
        }
        // Restored first, so a dependency cycle ends at `hasContent`.
        for dependency in node.dependencies(ofCoValue: id) where !node.hasContent(dependency) {
            loadFromStorage(dependency)
        }
        return true
    }

    /// Stores what `id` gained since `before`; returns why if that failed. A failed CoValue is dropped from
    /// the node and read back from storage, so the node never acknowledges, forwards or serves what is not
    /// on disk. Failures are noted and kept in ``storageFailure`` until a write succeeds.
    private func persist(_ id: CoID, since before: KnownState, headerIsNew: Bool) -> String? {
        guard let storage, let core = node.core(id), let header = core.header else { return nil }
        do {
            if let reason = unreadable[id] { throw UnreadableStoredCopy(reason: reason) }
            var since = before
            var newHeader: CoValueHeader? = headerIsNew ? header : nil
            // New to the node but maybe not to storage (it could not be read back): append only what storage
            // lacks, since an append that does not start at the stored count is skipped.
            if headerIsNew, let stored = try storage.knownState(of: id) {
                since = stored
                newHeader = nil
            }
            try storage.append(id, header: newHeader, sessions: core.storageAppends(since: since))
        } catch {
            let failure = "cannot store \(id): \(error)"
            note("storage: \(failure)")
            node.forget(id)
            loadFromStorage(id)
            setStorageFailure(failure)
            return failure
        }
        if !correctedAfterStorageFailure.isEmpty { correctedAfterStorageFailure[id] = nil }
        if storageFailure != nil {
            setStorageFailure(nil)
            askRefusedPeersToResend()
        }
        return nil
    }

    /// Storage works again: every peer whose content was refused gets a correction with what we hold now,
    /// so it resends without waiting for its next write or reconnection.
    private func askRefusedPeersToResend() {
        let refused = correctedAfterStorageFailure
        correctedAfterStorageFailure.removeAll()
        for (id, peerIDs) in refused.sorted(by: { $0.key < $1.key }) {
            for peerID in peerOrder where peerIDs.contains(peerID) {
                send(peerID, .known(ourKnownState(id, toldTo: peerID), isCorrection: true))
            }
        }
    }

    private struct UnreadableStoredCopy: Error, CustomStringConvertible {
        let reason: String
        var description: String { "its stored copy cannot be read, so nothing is added to it (\(reason))" }
    }

    private func setStorageFailure(_ failure: String?) {
        guard storageFailure != failure else { return }
        storageFailure = failure
        onStorageFailureChange?(failure)
    }

    // MARK: Storage reconciliation, server half (§2.12)

    private func handleReconcile(_ batchID: String, _ values: [(CoID, String)], from peerID: PeerID) {
        var pending: Set<CoID> = []
        for (id, hash) in values {
            if !node.hasContent(id) { loadFromStorage(id) }
            let ours = node.hasContent(id) ? node.knownState(of: id) : (try? storage?.knownState(of: id)) ?? nil
            guard let ours, ours.header else {
                send(peerID, .load(KnownState(id: id)))
                pending.insert(id)
                continue
            }
            if Self.sessionsHash(ours) != hash {
                send(peerID, .load(ours))
                pending.insert(id)
            }
        }
        if pending.isEmpty {
            send(peerID, .reconcileAck(batchID: batchID))
        } else {
            reconcileBatches.append((peerID, batchID, pending))
        }
    }

    private func completeReconciliation(_ id: CoID, from peerID: PeerID) {
        guard !reconcileBatches.isEmpty else { return }
        for index in reconcileBatches.indices.reversed() where reconcileBatches[index].peer == peerID {
            reconcileBatches[index].pending.remove(id)
            if reconcileBatches[index].pending.isEmpty {
                send(peerID, .reconcileAck(batchID: reconcileBatches[index].batchID))
                reconcileBatches.remove(at: index)
            }
        }
    }

    /// `shortHash(stableStringify({sessionID: count}))` of a known state's sessions.
    public static func sessionsHash(_ state: KnownState) -> String {
        ShortHash(of: .object(SyncMessage.sessionsObject(state.sessions))).description
    }

    // MARK: Helpers

    /// Orders IDs so that every CoValue comes after the ones it depends on.
    func dependencyOrder(_ ids: [CoID]) -> [CoID] {
        var ordered: [CoID] = []
        var visited: Set<CoID> = []
        func visit(_ id: CoID) {
            guard visited.insert(id).inserted else { return }
            for dependency in node.dependencies(ofCoValue: id) { visit(dependency) }
            if node.hasContent(id) { ordered.append(id) }
        }
        for id in ids.sorted() { visit(id) }
        return ordered
    }
}
