/// What sync reads and writes in the history table: the rows waiting to be pushed, their pending flags,
/// and the idempotent application of remote entries and deletions.
extension HistoryStore {
    /// Every row waiting to be pushed (pending = 1), live entries and tombstones, oldest first.
    public func pendingRows() throws -> [HistoryRow] {
        let statement = try database.prepare("SELECT \(HistorySQL.columns) FROM history h WHERE h.pending = 1 ORDER BY h.seq")
        var rows: [HistoryRow] = []
        while try statement.step() { rows.append(Self.row(from: statement)) }
        return rows
    }

    /// Every row, live entries and tombstones, oldest first (what a compaction writes).
    public func allRows() throws -> [HistoryRow] {
        let statement = try database.prepare("SELECT \(HistorySQL.columns) FROM history h ORDER BY h.seq")
        var rows: [HistoryRow] = []
        while try statement.step() { rows.append(Self.row(from: statement)) }
        return rows
    }

    /// Marks pending every row whose ID is not in `present` (the IDs a new history stream carries), so
    /// that the next push writes them into it. Returns how many rows it marked.
    @discardableResult
    public func markPending(except present: Set<String>) throws -> Int {
        try database.transaction(.immediate) { () throws -> Int in
            let select = try database.prepare("SELECT id FROM history WHERE pending = 0")
            var missing: [String] = []
            while try select.step() {
                if let id = select.text(at: 0), !present.contains(id) { missing.append(id) }
            }
            let update = try database.cached("UPDATE history SET pending = 1 WHERE id = ?")
            for id in missing {
                try update.bind(.text(id))
                try update.run()
                update.reset()
            }
            return missing.count
        }
    }

    /// The number of rows waiting to be pushed.
    public func pendingCount() throws -> Int {
        let statement = try database.cached("SELECT count(*) FROM history WHERE pending = 1")
        defer { statement.reset() }
        return try statement.step() ? statement.int(at: 0) : 0
    }

    /// Clears the pending flag of `rows` — only where the row is still in the state it was pushed in (a
    /// row deleted while its live version was being pushed stays pending, so its deletion is pushed too).
    public func markPushed(_ rows: [HistoryRow]) throws {
        try database.transaction(.immediate) { () throws in
            let statement = try database.cached(
                "UPDATE history SET pending = 0 WHERE id = ? AND pending = 1 AND (deleted_at IS NULL) = ?")
            for row in rows {
                try statement.bind(.text(row.id), .integer(row.isLive ? 1 : 0))
                try statement.run()
                statement.reset()
            }
        }
    }

    /// Applies entries and deletions received from other devices, in one transaction, idempotently:
    /// an entry whose ID exists (live or deleted) is left alone; a deletion turns a live entry into a
    /// tombstone, and a deletion of an unknown ID is kept as a tombstone so the entry stays deleted if it
    /// arrives later. Rows written here are not pending (they came from the relay). Then applies
    /// `retention`. Returns how many entries were inserted and how many were deleted.
    public func applyRemote(
        entries: [HistoryRow], deletions: [(id: String, deletedAt: Int64)], retention: HistoryRetention, now: Int64
    ) throws -> (inserted: Int, deleted: Int) {
        try database.transaction(.immediate) { () throws -> (inserted: Int, deleted: Int) in
            // The bulk insert skips IDs already here (live or deleted: deletion wins); what it adds is not pending.
            let inserted = try insert(entries, retention: .unlimited, now: now, pending: false).inserted
            let deleted = try applyDeletions(deletions, pending: false)
            _ = try applyRetention(retention, now: now)
            return (inserted, deleted)
        }
    }

    /// One slice of a restore (`FeedRestore`) that holds a transaction and a ``bulkLoad(_:)`` for all of its
    /// slices: ``applyRemote(entries:deletions:retention:now:)``'s inserts and deletions, without its
    /// retention and without a savepoint of its own (each one copied the pages it changed; the caller's
    /// transaction already keeps the whole restore or nothing of it). Returns how many entries were
    /// inserted and how many were deleted.
    public func applyRemoteSlice(entries: [HistoryRow], deletions: [(id: String, deletedAt: Int64)]) throws -> (inserted: Int, deleted: Int) {
        precondition(database.isInTransaction, "applyRemoteSlice runs inside the restore's transaction")
        let inserted = entries.isEmpty ? 0 : try insertRows(entries, pending: false, batchSize: Self.rowsPerInsert, progress: nil)
        return (inserted, try applyDeletions(deletions, pending: false))
    }
}

extension HistoryStore {
    /// Turns the live entries of `deletions` into tombstones and keeps a tombstone for each unknown ID (so
    /// the entry stays deleted if it arrives later); `pending`: whether they still have to be pushed.
    /// Call inside a transaction. Returns how many live entries were deleted.
    func applyDeletions(_ deletions: [(id: String, deletedAt: Int64)], pending: Bool) throws -> Int {
        let flag = pending ? 1 : 0
        let tombstone = try database.cached(
            """
            UPDATE history SET deleted_at = ?, command = NULL, prompt = NULL, explanation = NULL, cwd = NULL, tags = NULL,
                pending = \(flag) WHERE id = ? AND deleted_at IS NULL
            """)
        let unknown = try database.cached(
            "INSERT OR IGNORE INTO history (id, created_at, deleted_at, pending) VALUES (?, ?, ?, \(flag))")
        var deleted = 0
        for deletion in deletions {
            try tombstone.bind(.integer(deletion.deletedAt), .text(deletion.id))
            try tombstone.run()
            tombstone.reset()
            if database.changes > 0 {
                deleted += 1
                continue
            }
            try unknown.bind(.text(deletion.id), .integer(deletion.deletedAt), .integer(deletion.deletedAt))
            try unknown.run()
            unknown.reset()
        }
        return deleted
    }

    /// Marks every row pending (after `caro sync reset`: a later init or join pushes everything again;
    /// entries keep their IDs, so nothing is duplicated where they already are).
    public func markAllPending() throws {
        try database.transaction(.immediate) { () throws in try database.execute("UPDATE history SET pending = 1 WHERE pending = 0") }
    }
}
