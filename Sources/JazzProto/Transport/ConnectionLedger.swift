import Synchronization

/// Per-connection count of queued outgoing bytes, shared between sending threads and the
/// service thread, so `send` can enforce the queue limits before anything is copied onto the
/// service thread's queue.
///
/// Two limits per connection: above `stallThreshold` (`limit`, or the pacing high-water mark when that
/// is lower) a connection must keep draining (a client loading a large value, or one that falls behind
/// during a burst, catches up); one that writes nothing for a while above it is reported by
/// ``stalled(after:)`` and closed by its owner. Above `hardLimit` it is
/// cut at once, so memory stays bounded whatever a peer does. Across all connections, above
/// `totalLimit` the connections that stopped draining are reported by ``overTotal(after:)`` (largest
/// queue first) until the rest fits. `lowWater` is where a queue counts as drained again (senders that
/// pace themselves resume then, see ``release(_:for:)``).
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
        /// When bytes were last handed to the socket, or the queue last went above `limit` or above 0.
        var lastProgress = ContinuousClock.now
    }

    private struct Entries {
        var byID: [ConnectionID: Entry] = [:]
        var total = 0
    }

    let limit: Int
    let stallThreshold: Int
    let hardLimit: Int
    let totalLimit: Int
    let lowWater: Int
    private let entries = Mutex(Entries())

    init(limit: Int, hardLimit: Int? = nil, totalLimit: Int = .max, lowWater: Int? = nil, stallThreshold: Int? = nil) {
        self.limit = limit
        self.stallThreshold = max(1, min(limit, stallThreshold ?? limit))
        self.hardLimit = max(limit, hardLimit ?? limit.multipliedReportingOverflow(by: 8).partialValue)
        self.totalLimit = max(1, totalLimit)
        self.lowWater = max(1, lowWater ?? max(1, limit / 16))
    }

    func open(_ id: ConnectionID) {
        entries.withLock { entries in
            if let old = entries.byID[id] { entries.total -= old.queued }
            entries.byID[id] = Entry()
        }
    }

    func close(_ id: ConnectionID) {
        entries.withLock { entries in
            if let old = entries.byID.removeValue(forKey: id) { entries.total -= old.queued }
        }
    }

    func reserve(_ bytes: Int, for id: ConnectionID) -> Reservation {
        entries.withLock { entries in
            guard let entry = entries.byID[id] else { return .unknown }
            let total = entry.queued + bytes
            if total > hardLimit {
                entries.byID.removeValue(forKey: id)
                entries.total -= entry.queued
                return .overLimit(queued: entry.queued)
            }
            // Starting to queue, or crossing the soft limit, starts the clock for "no progress".
            if entry.queued == 0 || (entry.queued < stallThreshold && total >= stallThreshold) {
                entries.byID[id]?.lastProgress = .now
            }
            entries.byID[id]?.queued = total
            entries.total += bytes
            return .accepted
        }
    }

    /// Counts `bytes` as written; returns true if this brought the queue below `lowWater` (it was at
    /// or above it before).
    @discardableResult
    func release(_ bytes: Int, for id: ConnectionID) -> Bool {
        entries.withLock { entries in
            guard let entry = entries.byID[id] else { return false }
            let queued = max(0, entry.queued - bytes)
            entries.byID[id] = Entry(queued: queued, lastProgress: .now)
            entries.total -= entry.queued - queued
            return entry.queued >= lowWater && queued < lowWater
        }
    }

    func queuedBytes(for id: ConnectionID) -> Int? {
        entries.withLock { $0.byID[id]?.queued }
    }

    /// Bytes queued over all connections.
    var totalQueuedBytes: Int { entries.withLock { $0.total } }

    /// True if a sender should wait before queuing more for `id`: its queue is at `highWater` or more,
    /// or the relay-wide total is over `totalLimit` and this connection holds at least `lowWater`
    /// (it will report its drain, so waiting never blocks forever).
    func isBackedUp(_ id: ConnectionID, highWater: Int) -> Bool {
        entries.withLock { entries in
            guard let queued = entries.byID[id]?.queued else { return false }
            return queued >= highWater || (entries.total > totalLimit && queued >= lowWater)
        }
    }

    /// Connections at or above `stallThreshold` that have not written anything for `timeout`, with their
    /// queued bytes.
    func stalled(after timeout: Duration) -> [(ConnectionID, Int)] {
        let now = ContinuousClock.now
        return entries.withLock { entries in
            entries.byID.compactMap { id, entry in
                entry.queued >= stallThreshold && now - entry.lastProgress > timeout ? (id, entry.queued) : nil
            }
        }
    }

    /// While the total is over `totalLimit`: the connections that wrote nothing for `timeout` while
    /// holding queued bytes, largest queue first, as many as it takes to bring the total within the limit.
    func overTotal(after timeout: Duration) -> [(ConnectionID, Int)] {
        let now = ContinuousClock.now
        return entries.withLock { entries in
            guard entries.total > totalLimit else { return [] }
            let candidates = entries.byID
                .filter { $0.value.queued > 0 && now - $0.value.lastProgress > timeout }
                .sorted { $0.value.queued > $1.value.queued }
            var excess = entries.total - totalLimit
            var chosen: [(ConnectionID, Int)] = []
            for (id, entry) in candidates where excess > 0 {
                chosen.append((id, entry.queued))
                excess -= entry.queued
            }
            return chosen
        }
    }

    var openConnections: Int {
        entries.withLock { $0.byID.count }
    }
}
