import Dispatch
import Glibc
import Synchronization

/// A Jazz sync relay (like `jazz-run sync`): a `LocalNode` with no account, a `SyncManager` that treats
/// every WebSocket connection as a client peer, optional persistent storage, on the libwebsockets server.
///
/// Every connection gets its own identity (a monotonic counter, never IP + time). Messages are handled
/// on the transport's service thread under a lock, a bounded slice per connection in turn
/// (``messagesPerTurn``), and at most ``turnBudget`` of such work per turn of the service loop, so one
/// connection's huge frame never holds back another's `load` or `/health` (large frames are parsed on a
/// per-connection queue). Content goes out paced by each connection's drain (``SyncManager/isBackedUp``): a value
/// of any size streams through a bounded queue, and a stalled reader costs a cursor, not a copy.
public final class RelayServer: WebSocketServerDelegate {
    private struct State {
        let node: LocalNode
        var manager: SyncManager?
    }

    /// At most this many messages of one connection are handled before the next connection's turn.
    public static let messagesPerTurn = 32
    /// Work done per turn of the service loop before it polls the sockets again (at least one slice).
    public static let turnBudget = Duration.milliseconds(5)
    /// Frames at least this large are parsed off the service thread.
    static let inlineParseLimit = 64 << 10

    private let state: Mutex<State>
    private let server = LockedSlot<WebSocketServer>()
    /// The last storage failure until a write succeeds again (read by `/health` without the state lock).
    private let storageFailure = LockedSlot<String>()
    private let inbox = RelayInbox()
    /// Set when much memory was used and freed (a big frame, a long stream): freed memory is handed back
    /// to the system once the relay is idle.
    private let trimPending = Atomic<Bool>(false)
    /// Called for protocol problems worth logging (rejected content, malformed frames).
    private let onProblem: @Sendable (String) -> Void
    /// The longest single sync message (one line of a frame) handled; longer ones are refused alone.
    private let maxSyncMessageBytes: Int

    /// Default of `maxSyncMessageBytes`: as large as a whole frame by default (64 MiB).
    public static let defaultMaxSyncMessageBytes = 64 << 20

    /// The port the relay listens on (0 once shut down).
    public var port: Int { server.value?.port ?? 0 }

    /// Starts a relay. `storage` nil keeps everything in memory only. A sync message (one line of a frame)
    /// over `maxSyncMessageBytes` is refused on its own, unparsed, and logged through `onProblem`; whole frames
    /// are limited by the configuration's ``WebSocketServerConfiguration/maxMessageBytes``.
    public init(configuration: WebSocketServerConfiguration, storage: sending (any CoValueStorage)?,
                maxSyncMessageBytes: Int = RelayServer.defaultMaxSyncMessageBytes,
                onProblem: @escaping @Sendable (String) -> Void = { _ in }) throws(TransportError) {
        guard maxSyncMessageBytes > 0 else {
            throw .invalidConfiguration("maxSyncMessageBytes must be positive, got \(maxSyncMessageBytes)")
        }
        self.maxSyncMessageBytes = maxSyncMessageBytes
        let node = LocalNode(agentSecret: .random(), accountID: nil)
        let slot = server
        let manager = SyncManager(node: node, storage: storage) { peer, message in
            guard let raw = UInt64(peer.value) else { return }
            slot.value?.send(message.text, to: ConnectionID(rawValue: raw))
        }
        let failure = storageFailure
        manager.onStorageFailureChange = { failure.value = $0 }
        manager.isBackedUp = { peer in
            guard let raw = UInt64(peer.value) else { return false }
            return slot.value?.isBackedUp(ConnectionID(rawValue: raw)) ?? false
        }
        self.state = Mutex(State(node: node, manager: manager))
        self.onProblem = onProblem
        // Listening starts last, once the sync state exists to receive the first connection.
        server.value = try WebSocketServer(configuration: configuration, delegate: self)
    }

    /// How many client connections are open now.
    public var connectionCount: Int { inbox.openConnections }

    /// Outgoing bytes queued for all connections and not yet written to their sockets.
    public var queuedBytes: Int { server.value?.totalQueuedBytes ?? 0 }

    /// Received messages not handled yet, over all connections.
    public var waitingMessages: Int { inbox.waitingMessages }

    /// Stops listening and closes every connection.
    public func shutdown() {
        server.take()?.shutdown()
    }

    /// Runs `body` with the relay's node (e.g. to inspect what it stores). Blocks message handling meanwhile.
    public func withNode<T: Sendable>(_ body: (LocalNode) throws -> T) rethrows -> T {
        try state.withLock { try body($0.node) }
    }

    /// Why the relay is unhealthy (storing failed, and no write succeeded since), or nil.
    public var healthProblem: String? {
        storageFailure.value.map { "storage failing: \($0)" }
    }

    // MARK: WebSocketServerDelegate

    public func connectionOpened(_ id: ConnectionID, remoteAddress: String, path: String) {
        perform(inbox.open(id), for: id)
    }

    public func connection(_ id: ConnectionID, receivedText frame: String) {
        if frame.utf8.count < Self.inlineParseLimit, inbox.claimInline(id) {
            // Nothing waits: handle the first turn right here (no thread hop), queue the rest.
            let (messages, problems) = Self.parse(frame, from: id, limit: maxSyncMessageBytes)
            var turn = RelayInbox.Turn(id: id)
            turn.messages = Array(messages.prefix(Self.messagesPerTurn))
            turn.problems = problems
            handle(turn)
            let rest = Array(messages.dropFirst(Self.messagesPerTurn))
            let backedUp = !rest.isEmpty && server.value?.isBackedUp(id) == true
            perform(inbox.finishInline(id, rest: rest, backedUp: backedUp), for: id)
            return
        }
        guard let (parser, busy, actions) = inbox.beginFrame(id) else { return }
        perform(actions, for: id)
        if frame.utf8.count < Self.inlineParseLimit && !busy {
            let (messages, problems) = Self.parse(frame, from: id, limit: maxSyncMessageBytes)
            perform(inbox.append(id, messages: messages, problems: problems), for: id)
            return
        }
        trimPending.store(true, ordering: .relaxed)
        let limit = maxSyncMessageBytes
        parser.async { [weak self] in
            let (messages, problems) = Self.parse(frame, from: id, limit: limit)
            guard let self else { return }
            self.perform(self.inbox.append(id, messages: messages, problems: problems), for: id)
        }
    }

    public func connectionClosed(_ id: ConnectionID) {
        perform(inbox.close(id), for: id)
    }

    public func connectionDrained(_ id: ConnectionID) {
        perform(inbox.drained(id), for: id)
    }

    // MARK: Work

    /// The sync messages of one frame (each line on its own, as cojson-transport-ws), and problems to log.
    private static func parse(_ frame: String, from id: ConnectionID, limit: Int) -> ([SyncMessage], [String]) {
        let parsed = SyncFrame(parsing: frame, maximumMessageBytes: limit)
        return (parsed.messages, parsed.problems.map { "\(id): \($0)" })
    }

    private func perform(_ actions: RelayInbox.Actions, for id: ConnectionID) {
        if let receiving = actions.receiving { server.value?.setReceiving(receiving, for: id) }
        // On the service thread the loop takes its turn right after the current callback.
        if actions.schedule { server.value?.wake() }
    }

    /// Handles turns, one connection's slice at a time, for about ``turnBudget``; true if work remains.
    public func serviceTurn() -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + Self.turnBudget
        var didWork = false
        while let (turn, actions) = inbox.nextTurn(maximumMessages: Self.messagesPerTurn) {
            didWork = true
            perform(actions, for: turn.id)
            // A slice of large messages can take longer than the budget: what is left waits for the next turn.
            let rest = handle(turn, until: deadline, on: clock)
            inbox.putBack(turn.id, rest)
            // Replies to a peer stay within its queue: its further messages wait for its queue to drain.
            if turn.remaining + rest.count > 0, server.value?.isBackedUp(turn.id) == true {
                inbox.hold(turn.id, epoch: turn.epoch)
            }
            if clock.now >= deadline { return inbox.hasReadyWork }
        }
        if didWork && trimPending.load(ordering: .relaxed) {
            DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(2)) { [weak self] in self?.trimIfIdle() }
        }
        return false
    }

    /// Does one turn's work under the lock, then logs its problems. With a `deadline`, stops handling messages
    /// once it passes (at least one is handled) and returns those not handled.
    @discardableResult
    private func handle(_ turn: RelayInbox.Turn, until deadline: ContinuousClock.Instant? = nil,
                        on clock: ContinuousClock = ContinuousClock()) -> ArraySlice<SyncMessage> {
        var problems = turn.problems
        let peer = PeerID(String(turn.id.rawValue))
        var handled = 0
        state.withLock { state in
            guard let manager = state.manager else {
                handled = turn.messages.count
                return
            }
            let before = manager.noteCount
            if turn.opened { manager.addPeer(peer, role: .client) }
            if turn.drained {
                if !manager.pausedStreams(to: peer).isEmpty { trimPending.store(true, ordering: .relaxed) }
                manager.resumeStreams(to: peer)
            }
            for message in turn.messages {
                if handled > 0, let deadline, clock.now >= deadline { break }
                manager.handle(message, from: peer)
                handled += 1
            }
            if turn.closed { manager.removePeer(peer) }
            let added = manager.noteCount - before
            if added > 0 { problems += manager.log.suffix(min(added, manager.log.count)) }
        }
        problems.forEach(onProblem)
        return turn.messages.dropFirst(handled)
    }

    /// Returns freed memory to the system after large work (glibc keeps it otherwise).
    private func trimIfIdle() {
        guard inbox.waitingMessages == 0, trimPending.exchange(false, ordering: .relaxed) else { return }
        _ = Self.mallocTrim?(0)
    }

    /// glibc's `malloc_trim` (not in the Glibc module), or nil where the C library has none.
    private static let mallocTrim: (@convention(c) (Int) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
    }()
}

/// A thread-safe optional reference that closures can capture (a `Mutex` itself cannot be captured).
final class LockedSlot<Value: Sendable>: Sendable {
    private let storage = Mutex<Value?>(nil)

    var value: Value? {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }

    /// Empties the slot, returning what it held.
    func take() -> Value? {
        storage.withLock { value in
            defer { value = nil }
            return value
        }
    }
}
