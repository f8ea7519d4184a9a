import Synchronization

/// Per-connection count of queued outgoing bytes, shared between sending threads and the
/// service thread, so `send` can enforce the queue limit before anything is copied onto the
/// service thread's queue.
final class ConnectionLedger: Sendable {
    enum Reservation {
        case accepted
        /// The connection is closed or unknown; drop the message.
        case unknown
        /// Accepting would exceed the limit; the connection has been removed from the ledger
        /// and must be aborted.
        case overLimit(queued: Int)
    }

    let limit: Int
    private let queued = Mutex<[ConnectionID: Int]>([:])

    init(limit: Int) {
        self.limit = limit
    }

    func open(_ id: ConnectionID) {
        queued.withLock { $0[id] = 0 }
    }

    func close(_ id: ConnectionID) {
        _ = queued.withLock { $0.removeValue(forKey: id) }
    }

    func reserve(_ bytes: Int, for id: ConnectionID) -> Reservation {
        queued.withLock { queued in
            guard let current = queued[id] else { return .unknown }
            let total = current + bytes
            if total > limit {
                queued.removeValue(forKey: id)
                return .overLimit(queued: current)
            }
            queued[id] = total
            return .accepted
        }
    }

    func release(_ bytes: Int, for id: ConnectionID) {
        queued.withLock { queued in
            if let current = queued[id] { queued[id] = max(0, current - bytes) }
        }
    }

    func queuedBytes(for id: ConnectionID) -> Int? {
        queued.withLock { $0[id] }
    }

    var openConnections: Int {
        queued.withLock { $0.count }
    }
}
