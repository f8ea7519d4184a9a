import Synchronization

/// Per-connection count of queued outgoing bytes, shared between sending threads and the
/// service thread, so `send` can enforce the queue limits before anything is copied onto the
/// service thread's queue.
///
/// Two limits: above `limit` a connection must keep draining (a client loading a large value, or
/// one that falls behind during a burst, catches up); one that writes nothing for a while above it
/// is reported by ``stalled(after:)`` and closed by its owner. Above `hardLimit` it is cut at once,
/// so memory stays bounded whatever a peer does.
final class ConnectionLedger: Sendable {
    enum Reservation {
        case accepted
        /// The connection is closed or unknown; drop the message.
        case unknown
        /// Accepting would exceed the hard limit; the connection has been removed from the ledger
        /// and must be aborted.
        case overLimit(queued: Int)
    }

    private struct Entry {
        var queued = 0
        /// When bytes were last handed to the socket, or the queue last went above `limit`.
        var lastProgress = ContinuousClock.now
    }

    let limit: Int
    let hardLimit: Int
    private let entries = Mutex<[ConnectionID: Entry]>([:])

    init(limit: Int, hardLimit: Int? = nil) {
        self.limit = limit
        self.hardLimit = max(limit, hardLimit ?? limit.multipliedReportingOverflow(by: 8).partialValue)
    }

    func open(_ id: ConnectionID) {
        entries.withLock { $0[id] = Entry() }
    }

    func close(_ id: ConnectionID) {
        _ = entries.withLock { $0.removeValue(forKey: id) }
    }

    func reserve(_ bytes: Int, for id: ConnectionID) -> Reservation {
        entries.withLock { entries in
            guard let entry = entries[id] else { return .unknown }
            let total = entry.queued + bytes
            if total > hardLimit {
                entries.removeValue(forKey: id)
                return .overLimit(queued: entry.queued)
            }
            // Crossing the soft limit starts the clock for "no progress".
            if entry.queued <= limit && total > limit { entries[id]?.lastProgress = .now }
            entries[id]?.queued = total
            return .accepted
        }
    }

    func release(_ bytes: Int, for id: ConnectionID) {
        entries.withLock { entries in
            guard let entry = entries[id] else { return }
            entries[id] = Entry(queued: max(0, entry.queued - bytes), lastProgress: .now)
        }
    }

    func queuedBytes(for id: ConnectionID) -> Int? {
        entries.withLock { $0[id]?.queued }
    }

    /// Connections above `limit` that have not written anything for `timeout`, with their queued bytes.
    func stalled(after timeout: Duration) -> [(ConnectionID, Int)] {
        let now = ContinuousClock.now
        return entries.withLock { entries in
            entries.compactMap { id, entry in
                entry.queued > limit && now - entry.lastProgress > timeout ? (id, entry.queued) : nil
            }
        }
    }

    var openConnections: Int {
        entries.withLock { $0.count }
    }
}
