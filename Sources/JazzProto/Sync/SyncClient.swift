import Dispatch
import Synchronization

/// A Jazz client: a `LocalNode` kept in sync with one relay over a WebSocket (reconnecting with backoff).
///
/// Local writes go through `write`, which also pushes them to the relay. Thread-safe: every call takes
/// the client's lock; transport callbacks arrive on the transport's thread.
public final class SyncClient: WebSocketClientDelegate {
    private struct State {
        let node: LocalNode
        var manager: SyncManager?
        var connected = false
        var lastDisconnectReason: String?
        /// Frames from the relay that held at least one sync message.
        var framesReceived = 0
        /// Problems met reading or writing the local store at start-up (values skipped, not lost).
        var storageProblems: [String] = []
        /// CoValues written locally but not pushed yet, in first-touched order (dependencies first).
        var pendingPush: [CoID] = []
        var flushScheduled = false
        /// A check that sends held-back pushes whose acknowledgement is overdue is pending.
        var overdueCheckScheduled = false
    }

    /// How long pushes held back for an acknowledgement wait at most before they are sent anyway.
    static let acknowledgementWait = Duration.milliseconds(500)

    private let state: Mutex<State>
    private let transport = LockedSlot<WebSocketClient>()
    private let relayPeer: PeerID
    private let observer = LockedSlot<ContentObserver>()
    private let changes = ChangeSignal()

    /// Called (on the transport's thread, outside the client's lock) with the CoValues that received
    /// content from the relay — e.g. to refresh a UI or measure latency.
    public typealias ContentObserver = @Sendable ([CoID]) -> Void

    /// Sets the content observer (nil removes it).
    public func observe(_ body: ContentObserver?) { observer.value = body }

    /// Creates a client for `node` (which moves into the client) and the relay at `configuration.url`.
    /// With storage, everything stored is loaded first (resuming after a restart) and everything received
    /// or written is stored before it is acknowledged or sent. Call `start()` to connect.
    public init(node: sending LocalNode, storage: sending (any CoValueStorage)? = nil,
                configuration: WebSocketClientConfiguration) throws(TransportError) {
        let relayPeer = PeerID(configuration.url)
        self.relayPeer = relayPeer
        var problems: [String] = []
        if let storage {
            do {
                problems += try node.restoreAll(from: storage).map { "cannot load \($0.0) from storage: \($0.1)" }
            } catch {
                problems.append("cannot read the store: \(error)")
            }
            problems += node.persistAll(to: storage).map { "cannot store \($0.0): \($0.1)" }
        }
        // Writes made before the client existed are stored (above) and reach the relay through the
        // reconnection loads; they need no push of their own.
        _ = node.takeLocalChanges()
        let slot = transport
        let manager = SyncManager(node: node, storage: storage) { _, message in
            slot.value?.send(message.text)
        }
        manager.coalescesUnacknowledgedPushes = true
        // Large uploads go out as the socket drains (the relay's rule), never all queued at once.
        manager.isBackedUp = { _ in slot.value?.isBackedUp ?? false }
        self.state = Mutex(State(node: node, manager: manager, storageProblems: problems))
        transport.value = try WebSocketClient(configuration: configuration, delegate: self)
    }

    /// Connects (and keeps reconnecting until `stop()`).
    public func start() { transport.value?.start() }

    /// Disconnects for good.
    public func stop() { transport.value?.stop() }

    /// Whether writes to a CoValue whose previous push the relay has not acknowledged yet are held back
    /// and sent together with that acknowledgement (on by default; see
    /// ``SyncManager/coalescesUnacknowledgedPushes``). Off: every flush sends at once.
    public var coalescesPushes: Bool {
        get { state.withLock { $0.manager?.coalescesUnacknowledgedPushes ?? false } }
        set { state.withLock { $0.manager?.coalescesUnacknowledgedPushes = newValue } }
    }

    /// Problems met with the local store at start-up (e.g. a corrupt row): those values were skipped.
    public var storageProblems: [String] { state.withLock { $0.storageProblems } }

    /// How many frames holding at least one sync message the relay sent so far: a waiting caller can tell
    /// a relay that is slowly working through a large push from one that went silent.
    public var framesReceived: Int { state.withLock { $0.framesReceived } }

    /// The last failure to store what arrived or what this node wrote (e.g. a full disk), or nil once a later
    /// write succeeded. Nothing that failed to store was acknowledged or pushed.
    public var storageFailure: String? { state.withLock { $0.manager?.storageFailure } }

    /// True while the socket is open.
    public var isConnected: Bool { state.withLock { $0.connected } }

    /// Why the last connection ended (TLS, refused, timeout…), if it did.
    public var lastDisconnectReason: String? { state.withLock { $0.lastDisconnectReason } }

    /// Runs `body` with the node, stores what it wrote at once, and pushes it to the relay right after
    /// (writes made in quick succession are coalesced into one content piece per CoValue, like cojson's
    /// per-tick batching: the relay then verifies one signature for all of them).
    ///
    /// Throws what `body` throws, or ``LocalChangeNotStored`` if storing a change failed: that change was
    /// dropped from the node and is never sent (changes to other CoValues that were stored still are).
    @discardableResult
    public func write<T: Sendable>(_ body: (LocalNode) throws -> T) throws -> T {
        let outcome: (T, LocalChangeNotStored?)
        do {
            outcome = try state.withLock { state -> (T, LocalChangeNotStored?) in
                let result: T
                do {
                    result = try body(state.node)
                } catch {
                    // What the body wrote before failing is still stored and sent.
                    _ = recordLocalChanges(&state)
                    throw error
                }
                return (result, recordLocalChanges(&state))
            }
        } catch {
            schedulePendingFlush()
            throw error
        }
        schedulePendingFlush()
        if let failure = outcome.1 { throw failure }
        return outcome.0
    }

    /// Flushes queued pushes soon, unless a flush is already scheduled.
    private func schedulePendingFlush() {
        let schedule = state.withLock { state -> Bool in
            guard !state.pendingPush.isEmpty && !state.flushScheduled else { return false }
            state.flushScheduled = true
            return true
        }
        // On a dispatch queue, not a Swift task: a busy cooperative pool must not hold pushes back.
        if schedule { DispatchQueue.global().async { [self] in self.flushPendingPushes() } }
    }

    /// Stores what the node wrote since the last call and queues what was stored for the next push;
    /// returns the first change that could not be stored (it is not queued).
    private func recordLocalChanges(_ state: inout State) -> LocalChangeNotStored? {
        var firstFailure: LocalChangeNotStored?
        for (id, before) in state.node.takeLocalChanges() {
            do {
                try state.manager?.persistLocalChange(id, since: before)
            } catch {
                firstFailure = firstFailure ?? error
                continue
            }
            if !state.pendingPush.contains(id) { state.pendingPush.append(id) }
        }
        return firstFailure
    }

    /// Sends everything written locally since the last flush. Changes to a CoValue whose previous push
    /// the relay has not acknowledged yet go out with that acknowledgement (so a burst of writes becomes a
    /// few large pieces rather than many small ones), or after ``acknowledgementWait`` at the latest.
    public func flushPendingPushes() {
        let scheduleCheck = state.withLock { state -> Bool in
            let ids = state.pendingPush
            state.pendingPush.removeAll()
            state.flushScheduled = false
            for id in state.manager.map({ $0.dependencyOrder(ids) }) ?? ids { state.manager?.pushLocalChange(id) }
            guard state.manager?.hasDeferredPushes == true, !state.overdueCheckScheduled else { return false }
            state.overdueCheckScheduled = true
            return true
        }
        if scheduleCheck {
            let wait = Self.acknowledgementWait.components
            let nanoseconds = Int(wait.seconds) * 1_000_000_000 + Int(wait.attoseconds / 1_000_000_000)
            DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(nanoseconds)) { [self] in
                self.state.withLock { state in
                    state.overdueCheckScheduled = false
                    state.manager?.pushDeferredChanges()
                }
            }
        }
    }

    /// Reads from the node without writing.
    public func read<T: Sendable>(_ body: (LocalNode) throws -> T) rethrows -> T {
        try state.withLock { try body($0.node) }
    }

    /// Asks the relay for a CoValue (and, through it, its dependencies).
    public func load(_ id: CoID) {
        state.withLock { $0.manager?.load(id) }
    }

    /// True if the relay answered our load of one of `ids` with "not found".
    public func isUnavailable(anyOf ids: [CoID]) -> Bool {
        state.withLock { state in ids.contains { state.manager?.unavailable.contains($0) == true } }
    }

    /// True once the relay acknowledged everything this node holds.
    public var isSynced: Bool {
        state.withLock { state in
            guard state.connected, let manager = state.manager else { return false }
            return manager.isFullySyncedWithServers
        }
    }

    /// True when the node holds all the relay has of `id` (and what it depends on): connected, the relay has
    /// answered about `id` on this connection (content or its known state), and nothing it announced is still
    /// on its way. Right after a reconnection the node may look complete (what the lost connection was still
    /// streaming is forgotten and asked for again) until the relay's answer comes.
    public func holdsAllTheRelayHas(of id: CoID) -> Bool {
        state.withLock { state in
            guard state.connected, let manager = state.manager, manager.acknowledgedState(of: id, by: relayPeer) != nil else { return false }
            return state.node.isCompletelyLoaded(id)
        }
    }

    /// Asks the relay again for every CoValue whose state it has not confirmed to match ours, sending our
    /// current known state. A relay answers a `load` with content only when it has something new, without
    /// saying what it holds of ours; a second `load` once that content is in gets a plain `known` back, so
    /// ``isSynced`` can become true. Returns how many loads were sent.
    @discardableResult
    public func reloadUnsynced() -> Int {
        state.withLock { state in
            guard state.connected, let manager = state.manager else { return 0 }
            let ids = manager.unsyncedIDs(with: relayPeer)
            for id in ids { manager.load(id) }
            return ids.count
        }
    }

    /// The CoValues the relay has not acknowledged in full (its counts differ from ours), and the sync
    /// layer's recent notes: what to report when ``isSynced`` does not come.
    public var unsyncedDiagnostics: (unsynced: [(id: CoID, ours: KnownState, relays: KnownState?)], notes: [String]) {
        state.withLock { state in
            guard let manager = state.manager else { return ([], []) }
            let unsynced = manager.unsyncedIDs(with: relayPeer).map {
                (id: $0, ours: state.node.knownState(of: $0), relays: manager.acknowledgedState(of: $0, by: relayPeer))
            }
            return (unsynced, Array(manager.log.suffix(20)))
        }
    }

    /// Waits until `condition` holds or `timeout` passes; returns whether it held. The condition is checked
    /// whenever a frame from the relay was handled or the connection came or went, and at least every 10 ms.
    public func wait(timeout: Duration, until condition: @Sendable (SyncClient) -> Bool) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            let seen = changes.version
            if condition(self) { return true }
            await changes.wait(after: seen, atMost: min(.milliseconds(10), deadline - clock.now))
        }
        return condition(self)
    }

    /// ``wait(timeout:until:)`` for a thread that must not suspend (one inside a database transaction, or a
    /// plain thread): blocks it, with the same wake-ups.
    public func waitBlocking(timeout: Duration, until condition: (SyncClient) -> Bool) -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            let seen = changes.version
            if condition(self) { return true }
            changes.waitBlocking(after: seen, atMost: min(.milliseconds(10), deadline - clock.now))
        }
        return condition(self)
    }

    /// Waits until the relay acknowledged everything local (cojson `waitForSync`).
    public func waitForSync(timeout: Duration = .seconds(60)) async -> Bool {
        await wait(timeout: timeout) { $0.isSynced }
    }

    // MARK: WebSocketClientDelegate

    public func clientConnected() {
        state.withLock { state in
            state.connected = true
            state.manager?.addPeer(relayPeer, role: .server)
        }
        changes.signal()
    }

    public func client(receivedText frame: String) {
        let messages = SyncFrame(parsing: frame).messages
        state.withLock { state in
            if !messages.isEmpty { state.framesReceived += 1 }
            for message in messages { state.manager?.handle(message, from: relayPeer) }
        }
        if let observer = observer.value {
            let ids = messages.compactMap { message -> CoID? in
                if case .content(let piece) = message { return piece.id } else { return nil }
            }
            if !ids.isEmpty { observer(ids) }
        }
        changes.signal()
    }

    public func clientDrained() {
        // Off the transport's thread: generating the next pieces must not hold back other clients' I/O.
        DispatchQueue.global().async { [self] in
            state.withLock { $0.manager?.resumeStreams(to: relayPeer) }
        }
    }

    public func clientDisconnected(reason: String) {
        state.withLock { state in
            state.connected = false
            state.lastDisconnectReason = reason
            state.manager?.removePeer(relayPeer)
        }
        changes.signal()
    }
}
