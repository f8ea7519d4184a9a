import Synchronization

/// A Jazz sync relay (like `jazz-run sync`): a `LocalNode` with no account, a `SyncManager` that treats
/// every WebSocket connection as a client peer, optional persistent storage, on the libwebsockets server.
///
/// Every connection gets its own identity (a monotonic counter, never IP + time). Messages are handled
/// one at a time under a lock; the transport does the I/O on its own thread.
public final class RelayServer: WebSocketServerDelegate {
    private struct State {
        let node: LocalNode
        var manager: SyncManager?
        /// Connections whose frames held several messages: we batch our replies to them too (cojson does).
        var connections: Set<ConnectionID> = []
    }

    private let state: Mutex<State>
    private let server = LockedSlot<WebSocketServer>()
    /// The last storage failure until a write succeeds again (read by `/health` without the state lock).
    private let storageFailure = LockedSlot<String>()
    /// Called for protocol problems worth logging (rejected content, malformed frames).
    private let onProblem: @Sendable (String) -> Void

    /// The port the relay listens on (0 once shut down).
    public var port: Int { server.value?.port ?? 0 }

    /// Starts a relay. `storage` nil keeps everything in memory only.
    public init(configuration: WebSocketServerConfiguration, storage: sending (any CoValueStorage)?,
                onProblem: @escaping @Sendable (String) -> Void = { _ in }) throws(TransportError) {
        let node = LocalNode(agentSecret: .random(), accountID: nil)
        let slot = server
        let manager = SyncManager(node: node, storage: storage) { peer, message in
            guard let raw = UInt64(peer.value) else { return }
            slot.value?.send(message.text, to: ConnectionID(rawValue: raw))
        }
        let failure = storageFailure
        manager.onStorageFailureChange = { failure.value = $0 }
        self.state = Mutex(State(node: node, manager: manager))
        self.onProblem = onProblem
        // Listening starts last, once the sync state exists to receive the first connection.
        server.value = try WebSocketServer(configuration: configuration, delegate: self)
    }

    /// How many client connections are open now.
    public var connectionCount: Int { state.withLock { $0.connections.count } }

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
        state.withLock { state in
            state.connections.insert(id)
            state.manager?.addPeer(PeerID(String(id.rawValue)), role: .client)
        }
    }

    public func connection(_ id: ConnectionID, receivedText frame: String) {
        let parsed = SyncFrame(parsing: frame)
        let messages = parsed.messages
        var problems = parsed.problems.map { "\(id): \($0)" }
        state.withLock { state in
            guard let manager = state.manager else { return }
            let before = manager.noteCount
            for message in messages { manager.handle(message, from: PeerID(String(id.rawValue))) }
            let added = manager.noteCount - before
            if added > 0 { problems += manager.log.suffix(min(added, manager.log.count)) }
        }
        problems.forEach(onProblem)
    }

    public func connectionClosed(_ id: ConnectionID) {
        state.withLock { state in
            state.connections.remove(id)
            state.manager?.removePeer(PeerID(String(id.rawValue)))
        }
    }
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
