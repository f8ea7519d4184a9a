import Foundation
import CaroStore
import JazzProto

/// Applies the history feed a node holds into SQLite slice by slice (each slice decrypted, decoded,
/// inserted, dropped; ``CaroRoot/forEachFeedSlice(in:after:transactionsPerSlice:_:)``), in one SQLite
/// transaction, then the retention: how `sync join` restores (while the feed downloads,
/// ``applyWhileDownloading(_:from:into:timeout:now:prepare:beforeCommit:progress:)``), and how `sync now`
/// applies a large backlog (a first sync, a long time offline), so neither holds the whole feed decoded at once. Idempotent as
/// ``HistoryStore/applyRemote(entries:deletions:retention:now:)``: slices may come in any order, a deletion
/// in a later slice still wins.
enum FeedRestore {
    /// A backlog of at least this many feed transactions is applied in slices by `sync now` (fewer go
    /// through ``SyncEngine`` whole).
    static let sliceThreshold = 16

    struct Outcome {
        /// Entries inserted and live entries turned into tombstones.
        var inserted = 0
        var deleted = 0
        /// Live entries removed by the retention afterwards.
        var expired = 0
        /// Entries the walked feed transactions carry (repeats included), for the compaction threshold.
        var entries = 0
        /// The feed frontier applied (per session, its transaction count).
        var frontier: [String: Int] = [:]
    }

    /// The page cache (KiB) for writing a feed of `bytes` into SQLite: SQLite's default 2 MB up to a feed of
    /// 16 MB (about 30 000 entries), 16 MB above. Past that size the history's indexes outgrow 2 MB and
    /// every miss is a read from the file (100 000 entries: ~15 % of the restore); below it a larger cache
    /// bought no time and cost peak memory.
    static func cacheKiB(forFeedBytes bytes: Int) -> Int {
        bytes > 16 << 20 ? 16_384 : 2_000
    }

    /// Applies what `root`'s feed holds past `applied`; `progress` gets the feed transactions walked.
    static func apply(_ root: CaroRoot, from client: SyncClient, into history: HistoryStore, after applied: [String: Int] = [:],
                      retention: HistoryRetention, now: Int64, progress: (Int) -> Void) throws(CaroError) -> Outcome {
        try CaroError.storage {
            // Statement journals in memory, and a page cache for the size of the feed.
            let bytes = client.read { root.feedBytes(in: $0) }
            try history.database.execute("PRAGMA temp_store = MEMORY; PRAGMA cache_size = -\(cacheKiB(forFeedBytes: bytes))")
            return try history.database.transaction(.immediate) { () throws -> Outcome in
                var outcome = Outcome()
                // One bulk load for every slice: the full-text index and the count take the rows once, at the end.
                outcome.frontier = try history.bulkLoad { () throws -> [String: Int] in
                    try Self.pipeline({ handoff in
                        try client.read { node in
                            try root.forEachFeedSlice(in: node, after: applied) { items, walked in
                                try handoff.put(Slice(items: items, walked: walked, total: 0, bytes: 0))
                            }.frontier
                        }
                    }) { slice in
                        try Self.store(slice, into: history, adding: &outcome)
                        progress(slice.walked)
                    }
                }
                SyncTrace.mark("restore: bulk load done")
                outcome.expired = try history.applyRetention(retention, now: now)
                SyncTrace.mark("restore: retention done")
                return outcome
            }
        }
    }

    /// `sync join`'s restore, which starts while the relay is still sending the feed: each slice is stored
    /// as soon as its transactions have arrived (and been verified), so the download, the decryption and
    /// SQLite's inserts overlap. In one transaction: `prepare` first (it applies the synced preferences and
    /// returns the retention), then every slice, indexed for full-text search as it goes in, until the node
    /// holds the whole feed, then the retention, and `beforeCommit` (waiting for the relay to acknowledge the
    /// device's registration), so that a relay lost on the way, or sending nothing new of the feed for
    /// `timeout`, leaves nothing written.
    /// `progress` gets the transactions walked and the feed's expected total.
    static func applyWhileDownloading(
        _ root: CaroRoot, from client: SyncClient, into history: HistoryStore, timeout: Duration, now: Int64,
        prepare: () throws -> HistoryRetention, beforeCommit: () throws -> Void, progress: (Int, Int) -> Void
    ) throws(CaroError) -> Outcome {
        try CaroError.storage {
            try history.database.execute("PRAGMA temp_store = MEMORY; PRAGMA cache_size = -\(cacheKiB(forFeedBytes: 0))")
            return try history.database.transaction(.immediate) { () throws -> Outcome in
                let retention = try prepare()
                var outcome = Outcome()
                var cacheGrown = false
                var feed = FeedStorage(root.history, in: history.database)
                outcome.frontier = try history.bulkLoad { () throws -> [String: Int] in
                    try Self.pipeline({ handoff in try Self.walkWhileDownloading(root, from: client, timeout: timeout, into: handoff) }, store: { slice in
                        if !cacheGrown, cacheKiB(forFeedBytes: slice.bytes) > cacheKiB(forFeedBytes: 0) {
                            try history.database.execute("PRAGMA cache_size = -\(cacheKiB(forFeedBytes: slice.bytes))")
                            cacheGrown = true
                        }
                        try Self.store(slice, into: history, adding: &outcome)
                        // Indexed now, while its pages are in the cache and the download may still be on its way.
                        try history.indexLoadedRows()
                        progress(slice.walked, slice.total)
                    }, idle: { try feed.storeArrived(from: client) })
                }
                SyncTrace.mark("restore: bulk load done")
                outcome.expired = try history.applyRetention(retention, now: now)
                try beforeCommit()
                SyncTrace.mark("restore: acknowledged")
                return outcome
            }
        }
    }

    /// The feed's own CoValue data (its transactions as received, kept by every device), stored into the
    /// restore's transaction piece by piece while the storing thread would otherwise wait for decoded slices.
    /// Stored after the restore instead, it was the longest step after the download (100 000 entries: 55 MB,
    /// ~120 ms). Whatever is not stored here by the end, `join` stores with the node's other CoValues before
    /// the commit (`LocalNode.persistAll` appends from what the file holds).
    struct FeedStorage {
        /// Transactions per session stored at once: the storing thread is back for the next slice soon.
        static let transactionsAtOnce = 8

        let id: CoID
        let database: SQLiteDatabase
        /// What of the feed the file holds (read once: a home that was set up before may hold some).
        private var stored: KnownState?

        init(_ id: CoID, in database: SQLiteDatabase) {
            self.id = id
            self.database = database
        }

        /// Stores a piece of what has arrived and is not stored yet; false when there is nothing to store.
        mutating func storeArrived(from client: SyncClient) throws -> Bool {
            let known = try stored ?? SQLiteCoValueStore.knownState(of: id, in: database) ?? KnownState(id: id)
            stored = known
            let (header, appends) = client.read { node -> (CoValueHeader?, [StoredSessionAppend]) in
                guard let core = node.core(id) else { return (nil, []) }
                return (core.header, core.storageAppends(since: known, atMost: Self.transactionsAtOnce))
            }
            guard let header, !appends.isEmpty,
                try SQLiteCoValueStore.append(id, header: known.header ? nil : header, sessions: appends, inTransactionOf: database)
            else { return false }
            var next = known
            next.header = true
            for append in appends { next.sessions[append.sessionID] = append.after + append.transactions.count }
            stored = next
            return true
        }
    }

    /// A decoded slice on its way from the thread that walks the feed to the one that stores it: its batches'
    /// entries and deletions (gathered into one list each on the walking thread, not on the storing one, which
    /// the whole restore waits for), the feed transactions walked so far, the feed's expected total and its
    /// bytes so far (the last two while downloading only).
    struct Slice: Sendable {
        var entries: [HistoryRow]
        var deletions: [(id: String, deletedAt: Int64)]
        var walked: Int
        var total: Int
        var bytes: Int

        init(items: [SyncEngine.FeedItem], walked: Int, total: Int, bytes: Int) {
            entries = []
            entries.reserveCapacity(items.reduce(0) { $0 + $1.batch.entries.count })
            deletions = []
            for item in items {
                entries += item.batch.entries
                deletions += item.batch.deletions.map { ($0.id, $0.deletedAt) }
            }
            self.walked = walked
            self.total = total
            self.bytes = bytes
        }
    }

    /// Stores one slice's entries and deletions, counting them into `outcome`.
    private static func store(_ slice: Slice, into history: HistoryStore, adding outcome: inout Outcome) throws {
        outcome.entries += slice.entries.count
        let done = try history.applyRemoteSlice(entries: slice.entries, deletions: slice.deletions)
        outcome.inserted += done.inserted
        outcome.deleted += done.deleted
    }

    /// Walks the feed on a second thread (`produce`: decrypting and decoding slices, handing each over)
    /// while `store` stores each one on this thread: the two halves of a restore overlap. At most two
    /// decoded slices wait at a time. Returns the producer's frontier. `store` must not use the client:
    /// the producer may hold the client's lock while it waits for room.
    /// `idle`, if given, runs whenever no slice is ready yet, instead of waiting, until it returns false
    /// (nothing left to do until the next slice). It may use the client only with a producer that does not
    /// hold the client's lock while it waits for room (``walkWhileDownloading(_:from:timeout:into:)``).
    private static func pipeline(_ produce: @escaping @Sendable (SliceHandoff<Slice, [String: Int]>) throws -> [String: Int],
                                 store: (Slice) throws -> Void, idle: (() throws -> Bool)? = nil) throws -> [String: Int] {
        let handoff = SliceHandoff<Slice, [String: Int]>(capacity: 2)
        let producer = Thread { handoff.finish(Result { try produce(handoff) }) }
        producer.stackSize = 4 << 20
        producer.start()
        // How long this thread waited for decoded slices, stored them, and did other work meanwhile (CARO_SYNC_TRACE).
        var waited = Duration.zero, stored = Duration.zero, busy = Duration.zero
        var idleLeft = idle != nil
        let clock = ContinuousClock()
        while true {
            let asked = clock.now
            let ready = handoff.poll()
            if ready == nil, idleLeft, let idle {
                do {
                    idleLeft = try idle()
                } catch {
                    handoff.cancelAndWait()
                    throw error
                }
                busy += clock.now - asked
                if idleLeft { continue }
            }
            let next: SliceHandoff<Slice, [String: Int]>.Next
            if let ready {
                next = ready
            } else {
                let waiting = clock.now
                next = handoff.take()
                waited += clock.now - waiting
            }
            switch next {
            case .value(let slice):
                let started = clock.now
                do {
                    try store(slice)
                } catch {
                    handoff.cancelAndWait()
                    throw error
                }
                stored += clock.now - started
                idleLeft = idle != nil
            case .finished(let result):
                SyncTrace.mark("restore: slices stored (waited for them \(waited), stored them \(stored), other work \(busy))")
                return try result.get()
            }
        }
    }

    /// The producer of ``applyWhileDownloading``: slices of whatever feed transactions have arrived, the
    /// client's lock held only while a slice is picked (the transport needs it to take in the rest);
    /// when it has caught up, it waits for the next frame. Ends once it has walked all the relay has of the
    /// feed (``SyncClient/holdsAllTheRelayHas(of:)``); throws once no new transaction of it arrived for
    /// `timeout` (a large feed on a slow link may take longer than that in all).
    private static func walkWhileDownloading(_ root: CaroRoot, from client: SyncClient, timeout: Duration,
                                             into handoff: SliceHandoff<Slice, [String: Int]>) throws -> [String: Int] {
        enum Next: Sendable {
            case slice(PreparedDecoding, session: SessionID, range: Range<Int>, total: Int, bytes: Int)
            case caughtUp
        }
        /// Whether the node holds feed transactions past `position`.
        @Sendable func hasMore(_ node: LocalNode, after position: [SessionID: Int]) -> Bool {
            node.knownState(of: root.history).sessions.contains { $0.value > (position[$0.key] ?? 0) }
        }
        var deadline = ContinuousClock.now + timeout
        var cursor: [SessionID: Int] = [:]
        var step = CaroRoot.transactionsPerSlice
        var walked = 0
        var bytes = 0
        while true {
            let position = cursor
            let size = step
            let next = client.read { node -> Next in
                let pending = node.knownState(of: root.history).sessions.filter { $0.value > (position[$0.key] ?? 0) }
                guard let (session, count) = pending.min(by: { $0.key.description < $1.key.description }) else { return .caughtUp }
                let start = position[session] ?? 0
                let range = start..<min(start + size, count)
                return .slice(root.prepareFeedSlice(in: node, session: session, range: range), session: session, range: range,
                              total: root.feedTransactionTotal(in: node), bytes: root.feedBytes(of: session, range, in: node))
            }
            switch next {
            case let .slice(prepared, session, range, total, sliceBytes):
                // Decrypted and decoded without the client's lock: the transport takes in more meanwhile.
                let decoded = root.decodeFeedSlice(CaroRoot.feedSliceItems(prepared))
                cursor[session] = range.upperBound
                walked += range.count
                bytes += sliceBytes
                step = CaroRoot.nextSliceStep(step, afterRecords: decoded.records)
                try handoff.put(Slice(items: decoded.items, walked: walked, total: max(total, walked), bytes: bytes))
                deadline = ContinuousClock.now + timeout
            case .caughtUp:
                // Done once the relay says there is no more. Not merely when the node looks complete: after a
                // reconnection it does until the relay answers, and the rest of the feed is still to come.
                // Whatever arrives after this is the next sync's: the frontier is what was walked.
                if client.holdsAllTheRelayHas(of: root.history) {
                    // The last of it may have come between the two looks: walk that first.
                    if client.read({ hasMore($0, after: position) }) { continue }
                    return Dictionary(uniqueKeysWithValues: cursor.map { ($0.key.description, $0.value) })
                }
                let left = deadline - ContinuousClock.now
                guard left > .zero else { throw RelayConnection.waitFailure(client, timeout: timeout, step: "downloading the history") }
                // Until a frame brings more of the feed, or the relay's word that there is no more.
                _ = client.waitBlocking(timeout: left) { client in
                    client.read { hasMore($0, after: position) } || client.holdsAllTheRelayHas(of: root.history)
                }
            }
        }
    }
}
