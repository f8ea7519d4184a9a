import Synchronization

/// What a ``WebSocketClient`` shares with its session on the service thread: whether it is
/// connected and how many outgoing bytes are queued (for the queue limits).
///
/// The same rule as the server's ``ConnectionLedger``: above `limit` the connection must keep
/// draining (``stalled(after:)`` reports one that wrote nothing for a while); above `hardLimit` it is
/// cut at once. Below `lowWater` again after being above it, the queue counts as drained.
final class ClientStatus: Sendable {
    private struct State {
        var queued = 0
        var connected = false
        /// When bytes were last handed to the socket, or the queue last went above `limit` or above 0.
        var lastProgress = ContinuousClock.now
    }

    enum Reservation {
        case accepted
        case overLimit(queued: Int)
    }

    let limit: Int
    let hardLimit: Int
    let lowWater: Int
    private let state = Mutex(State())

    init(limit: Int, hardLimit: Int? = nil, lowWater: Int? = nil) {
        self.limit = limit
        self.hardLimit = max(limit, hardLimit ?? limit.multipliedReportingOverflow(by: 8).partialValue)
        self.lowWater = max(1, lowWater ?? max(1, limit / 16))
    }

    func reserve(_ bytes: Int) -> Reservation {
        state.withLock { state in
            let total = state.queued + bytes
            if state.connected, total > hardLimit { return .overLimit(queued: state.queued) }
            if state.queued == 0 || (state.queued <= limit && total > limit) { state.lastProgress = .now }
            state.queued = total
            return .accepted
        }
    }

    /// Counts `bytes` as written; returns true if this brought the queue below `lowWater`.
    @discardableResult
    func release(_ bytes: Int) -> Bool {
        state.withLock { state in
            let before = state.queued
            state.queued = max(0, state.queued - bytes)
            state.lastProgress = .now
            return before >= lowWater && state.queued < lowWater
        }
    }

    func setConnected(_ connected: Bool) {
        state.withLock { state in
            state.connected = connected
            if !connected { state.queued = 0 }
        }
    }

    /// The queued bytes if the queue is above `limit` and nothing was written for `timeout`.
    func stalled(after timeout: Duration) -> Int? {
        state.withLock { state in
            state.connected && state.queued > limit && ContinuousClock.now - state.lastProgress > timeout ? state.queued : nil
        }
    }

    var isConnected: Bool { state.withLock { $0.connected } }
    var queuedBytes: Int { state.withLock { $0.queued } }
}
