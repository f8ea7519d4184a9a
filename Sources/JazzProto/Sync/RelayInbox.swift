import Dispatch
import Synchronization

/// What the relay still has to do for each connection, handed out in bounded turns, round-robin, so
/// one connection's work (a frame of 300 000 `load`s, a large upload) never holds the others back.
///
/// The transport's service thread (and the parsing queues) record events (opened, messages, drained,
/// closed); the service loop takes turns with ``nextTurn(maximumMessages:)``. A closed connection's waiting messages
/// are dropped at once. A connection whose outgoing queue is backed up is ``hold(_:epoch:)``-ed: its
/// messages wait until its queue drains, so the replies to one peer stay within its queue limit.
final class RelayInbox: Sendable {
    /// One turn of work for one connection.
    struct Turn {
        let id: ConnectionID
        /// Add the peer (first turn of a connection).
        var opened = false
        /// The connection's queue drained: continue paused streams.
        var drained = false
        var messages: [SyncMessage] = []
        var problems: [String] = []
        /// Remove the peer (last turn of a connection).
        var closed = false
        /// Messages still waiting after this turn.
        var remaining = 0
        /// Changes with every drain; ``hold(_:epoch:)`` holds only if none came since the turn.
        var epoch = 0
    }

    /// What the caller must do after recording an event.
    struct Actions {
        /// Wake the service loop to take turns (it had no work).
        var schedule = false
        /// Stop (false) or resume (true) reading from the connection's socket.
        var receiving: Bool?
    }

    /// A reference, so its message array is appended to in place (never copied).
    private final class Connection {
        let parser: DispatchQueue
        var opened = true
        var drained = false
        var closed = false
        var messages: [SyncMessage] = []
        var head = 0
        var problems: [String] = []
        var held = false
        var inReady = false
        var epoch = 0
        var framesInFlight = 0
        var receivingPaused = false

        init(parser: DispatchQueue) { self.parser = parser }

        var waiting: Int { messages.count - head }
        var hasWork: Bool { opened || drained || closed || !problems.isEmpty || (!held && waiting > 0) }
    }

    private struct Inner {
        var connections: [ConnectionID: Connection] = [:]
        var ready: [ConnectionID] = []
        var readyHead = 0
        var scheduled = false
        var openCount = 0
    }

    /// Above this many waiting messages (or with two frames still being parsed) the connection's socket
    /// is not read (TCP then holds its sender back); below `resumeReadingBelow` (and nothing being
    /// parsed) it is read again.
    static let pauseReadingAbove = 32
    static let resumeReadingBelow = 8

    private let inner = Mutex(Inner())

    /// Connections opened and not yet closed (as the transport reported them).
    var openConnections: Int { inner.withLock { $0.openCount } }

    /// True if a connection waits for its turn.
    var hasReadyWork: Bool { inner.withLock { $0.readyHead < $0.ready.count } }

    /// Messages received and not yet handled, over all connections.
    var waitingMessages: Int { inner.withLock { $0.connections.values.reduce(0) { $0 + $1.waiting } } }

    func open(_ id: ConnectionID) -> Actions {
        inner.withLock { inner in
            inner.openCount += 1
            inner.connections[id] = Connection(
                parser: DispatchQueue(label: "caro.relay.parse", target: .global()))
            return Self.markReady(id, &inner)
        }
    }

    /// The serial queue on which `id`'s large frames are parsed (in order), and whether one is being
    /// parsed now; the frame is counted as in flight until ``append(_:messages:problems:parsedFrame:)``.
    func beginFrame(_ id: ConnectionID) -> (parser: DispatchQueue, busy: Bool, actions: Actions)? {
        inner.withLock { inner in
            guard let connection = inner.connections[id], !connection.closed else { return nil }
            let busy = connection.framesInFlight > 0
            connection.framesInFlight += 1
            var actions = Actions()
            if !connection.receivingPaused && connection.framesInFlight >= 2 {
                connection.receivingPaused = true
                actions.receiving = false
            }
            return (connection.parser, busy, actions)
        }
    }

    func append(_ id: ConnectionID, messages: [SyncMessage], problems: [String]) -> Actions {
        inner.withLock { inner in
            guard let connection = inner.connections[id], !connection.closed else { return Actions() }
            connection.framesInFlight -= 1
            connection.messages += messages
            connection.problems += problems
            var actions = Actions()
            if !connection.receivingPaused && connection.waiting > Self.pauseReadingAbove {
                connection.receivingPaused = true
                actions.receiving = false
            }
            let ready = Self.markReady(id, &inner)
            actions.schedule = ready.schedule
            return actions
        }
    }

    func drained(_ id: ConnectionID) -> Actions {
        inner.withLock { inner in
            guard inner.connections[id] != nil, inner.connections[id]?.closed == false else { return Actions() }
            inner.connections[id]?.drained = true
            inner.connections[id]?.held = false
            inner.connections[id]?.epoch += 1
            return Self.markReady(id, &inner)
        }
    }

    /// Drops what waits for `id`; its last turn removes the peer.
    func close(_ id: ConnectionID) -> Actions {
        inner.withLock { inner in
            guard let connection = inner.connections[id], !connection.closed else { return Actions() }
            inner.openCount -= 1
            connection.closed = true
            connection.messages = []
            connection.head = 0
            connection.problems = []
            connection.held = false
            return Self.markReady(id, &inner)
        }
    }

    /// On the service thread, before a small frame of `id`: true if nothing waits anywhere and the
    /// loop is idle, so the caller may handle (the first turn of) the frame itself, at once. The work
    /// loop counts as busy until ``finishInline(_:rest:backedUp:)``.
    func claimInline(_ id: ConnectionID) -> Bool {
        inner.withLock { inner in
            guard !inner.scheduled, let connection = inner.connections[id], !connection.hasWork,
                  !connection.held, connection.framesInFlight == 0 else { return false }
            inner.scheduled = true
            return true
        }
    }

    /// Ends an inline turn: what the frame held beyond it waits like any other message (held if the
    /// peer's queue is `backedUp`), and the service loop is woken if anything waits.
    func finishInline(_ id: ConnectionID, rest: [SyncMessage], backedUp: Bool) -> Actions {
        inner.withLock { inner in
            var actions = Actions()
            if let connection = inner.connections[id], !connection.closed, !rest.isEmpty {
                connection.messages += rest
                if backedUp { connection.held = true }
                if !connection.receivingPaused && connection.waiting > Self.pauseReadingAbove {
                    connection.receivingPaused = true
                    actions.receiving = false
                }
                }
            inner.scheduled = false
            actions.schedule = Self.markReady(id, &inner).schedule
            // Work that arrived for other connections meanwhile found the loop claimed: start it now.
            if inner.readyHead < inner.ready.count && !inner.scheduled {
                inner.scheduled = true
                actions.schedule = true
            }
            return actions
        }
    }

    /// Returns the messages of a turn that were not handled (the loop's time ran out) to the front of
    /// `id`'s queue, in order; dropped if the connection closed meanwhile.
    func putBack(_ id: ConnectionID, _ rest: ArraySlice<SyncMessage>) {
        guard !rest.isEmpty else { return }
        inner.withLock { inner in
            guard let connection = inner.connections[id], !connection.closed else { return }
            if connection.head >= rest.count {
                // Still in the array just before the head (nextTurn copied them out).
                connection.head -= rest.count
            } else {
                connection.messages.replaceSubrange(0..<connection.head, with: rest)
                connection.head = 0
            }
            _ = Self.markReady(id, &inner)
        }
    }

    /// Holds `id`'s messages until its queue drains, unless it drained since the turn of `epoch`.
    func hold(_ id: ConnectionID, epoch: Int) {
        inner.withLock { inner in
            guard inner.connections[id]?.epoch == epoch else { return }
            inner.connections[id]?.held = true
        }
    }

    /// The next connection's turn (at most `maximumMessages` messages), or nil when there is no work
    /// (the loop then counts as idle: the next event wakes it again).
    func nextTurn(maximumMessages: Int) -> (Turn, Actions)? {
        inner.withLock { inner in
            while inner.readyHead < inner.ready.count {
                let id = inner.ready[inner.readyHead]
                inner.readyHead += 1
                if inner.readyHead > 1024 && inner.readyHead * 2 > inner.ready.count {
                    inner.ready.removeFirst(inner.readyHead)
                    inner.readyHead = 0
                }
                guard let connection = inner.connections[id] else { continue }
                connection.inReady = false
                var turn = Turn(id: id, opened: connection.opened, drained: connection.drained, epoch: connection.epoch)
                connection.opened = false
                connection.drained = false
                turn.problems = connection.problems
                connection.problems = []
                var actions = Actions()
                if connection.closed {
                    turn.closed = true
                    inner.connections[id] = nil
                    return (turn, actions)
                }
                if !connection.held {
                    let end = min(connection.messages.count, connection.head + maximumMessages)
                    turn.messages = Array(connection.messages[connection.head..<end])
                    connection.head = end
                    if connection.head == connection.messages.count {
                        connection.messages = []
                        connection.head = 0
                    } else if connection.head > 4096 && connection.head * 2 > connection.messages.count {
                        connection.messages.removeFirst(connection.head)
                        connection.head = 0
                    }
                }
                turn.remaining = connection.waiting
                if connection.receivingPaused && connection.framesInFlight == 0 && connection.waiting < Self.resumeReadingBelow {
                    connection.receivingPaused = false
                    actions.receiving = true
                }
                    if connection.hasWork { _ = Self.markReady(id, &inner) }
                return (turn, actions)
            }
            inner.ready = []
            inner.readyHead = 0
            inner.scheduled = false
            return nil
        }
    }

    private static func markReady(_ id: ConnectionID, _ inner: inout Inner) -> Actions {
        guard let connection = inner.connections[id], !connection.inReady, connection.hasWork else { return Actions() }
        inner.connections[id]?.inReady = true
        inner.ready.append(id)
        var actions = Actions()
        if !inner.scheduled {
            inner.scheduled = true
            actions.schedule = true
        }
        return actions
    }
}
