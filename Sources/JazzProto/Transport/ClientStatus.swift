import Synchronization

/// What a ``WebSocketClient`` shares with its session on the service thread: whether it is
/// connected and how many outgoing bytes are queued (for the queue limit).
final class ClientStatus: Sendable {
    private struct State {
        var queued = 0
        var connected = false
    }

    enum Reservation {
        case accepted
        case overLimit(queued: Int)
    }

    let limit: Int
    private let state = Mutex(State())

    init(limit: Int) {
        self.limit = limit
    }

    func reserve(_ bytes: Int) -> Reservation {
        state.withLock { state in
            if state.connected, state.queued + bytes > limit { return .overLimit(queued: state.queued) }
            state.queued += bytes
            return .accepted
        }
    }

    func release(_ bytes: Int) {
        state.withLock { $0.queued = max(0, $0.queued - bytes) }
    }

    func setConnected(_ connected: Bool) {
        state.withLock { state in
            state.connected = connected
            if !connected { state.queued = 0 }
        }
    }

    var isConnected: Bool { state.withLock { $0.connected } }
    var queuedBytes: Int { state.withLock { $0.queued } }
}
