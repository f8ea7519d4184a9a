import Foundation
import CaroStore
import JazzProto

/// Applies the history feed a node holds into SQLite slice by slice (each slice decrypted, decoded,
/// inserted, dropped; ``CaroRoot/forEachFeedSlice(in:after:transactionsPerSlice:_:)``), in one SQLite
/// transaction, then the retention: how `sync join` restores, and how `sync now` applies a large backlog
/// (a first sync, a long time offline), so neither holds the whole feed decoded at once. Idempotent as
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
                    try Self.walk(root, from: client, after: applied) { items, walked in
                        var entries: [HistoryRow] = []
                        var deletions: [(id: String, deletedAt: Int64)] = []
                        for item in items {
                            entries += item.batch.entries
                            outcome.entries += item.batch.entries.count
                            deletions += item.batch.deletions.map { ($0.id, $0.deletedAt) }
                        }
                        let done = try history.applyRemoteSlice(entries: entries, deletions: deletions)
                        outcome.inserted += done.inserted
                        outcome.deleted += done.deleted
                        progress(walked)
                    }
                }
                SyncTrace.mark("restore: bulk load done")
                outcome.expired = try history.applyRetention(retention, now: now)
                SyncTrace.mark("restore: retention done")
                return outcome
            }
        }
    }

    /// Walks the feed slices past `applied` on a second thread (decrypting and decoding them, holding the
    /// node) while `body` stores each one on this thread: the two halves of a restore overlap. At most two
    /// decoded slices wait at a time. Returns the frontier walked. `body` must not use `client`: the walk
    /// holds the client's lock until it ends, and waits for `body` when two slices wait.
    private static func walk(_ root: CaroRoot, from client: SyncClient, after applied: [String: Int],
                             _ body: ([SyncEngine.FeedItem], Int) throws -> Void) throws -> [String: Int] {
        let handoff = SliceHandoff<(items: [SyncEngine.FeedItem], walked: Int), [String: Int]>(capacity: 2)
        let producer = Thread {
            handoff.finish(Result { () throws -> [String: Int] in
                try client.read { node in
                    try root.forEachFeedSlice(in: node, after: applied) { items, walked in try handoff.put((items, walked)) }.frontier
                }
            })
        }
        producer.stackSize = 4 << 20
        producer.start()
        // How long this thread waited for decoded slices, and stored them (CARO_SYNC_TRACE).
        var waited = Duration.zero, stored = Duration.zero
        let clock = ContinuousClock()
        while true {
            let asked = clock.now
            let next = handoff.take()
            waited += clock.now - asked
            switch next {
            case .value(let slice):
                let started = clock.now
                do {
                    try body(slice.items, slice.walked)
                } catch {
                    handoff.cancelAndWait()
                    throw error
                }
                stored += clock.now - started
            case .finished(let result):
                SyncTrace.mark("restore: slices stored (waited for them \(waited), stored them \(stored))")
                return try result.get()
            }
        }
    }
}
