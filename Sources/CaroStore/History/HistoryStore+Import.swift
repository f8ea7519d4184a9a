extension HistoryStore {
    /// The time and import key of the `limit` newest live entries, newest first: what an import needs to
    /// skip the commands that retention would remove at once (so a second import adds nothing).
    public func newestLiveTimes(limit: Int) throws -> [(createdAt: Int64, importKey: String?)] {
        let statement = try database.prepare(
            "SELECT created_at, import_key FROM history WHERE deleted_at IS NULL ORDER BY created_at DESC, id DESC LIMIT ?")
        try statement.bind(Int64(limit), at: 1)
        var rows: [(createdAt: Int64, importKey: String?)] = []
        rows.reserveCapacity(limit)
        while try statement.step() { rows.append((statement.int64(at: 0), statement.text(at: 1))) }
        return rows
    }
}

/// What merging the records of an export file did.
public struct HistoryMergeResult: Sendable, Equatable {
    /// Entries stored (their ID was not here).
    public var inserted = 0
    /// Entries already here (live or deleted): nothing added.
    public var duplicates = 0
    /// Live entries the file's deletions turned into tombstones.
    public var deleted = 0
    /// Entries removed afterwards by retention or a delete-all watermark.
    public var expired = 0

    public init() {}
}

extension HistoryStore {
    /// Merges the entries and deletions of an export file (`caro import`) in one transaction: an entry
    /// whose ID is already here (live or deleted) adds nothing; a deletion turns a live entry into a
    /// tombstone (its text erased as by ``delete(ids:at:)``) and is kept as a tombstone for an unknown
    /// ID. Everything written is pending, so the next sync pushes it. `before` runs first in the same
    /// transaction (the caller merges preferences there) and returns the retention applied at the end.
    public func merge(entries: [HistoryRow], deletions: [(id: String, deletedAt: Int64)], now: Int64,
                      progress: ((Int) -> Void)? = nil, before: () throws -> HistoryRetention) throws -> HistoryMergeResult {
        var result = HistoryMergeResult()
        result.deleted = try erasingDeletedText { () throws -> Int in
            let retention = try before()
            let stored = try insert(entries.map { var row = $0; row.deletedAt = nil; row.importKey = nil; return row },
                                    retention: .unlimited, now: now, progress: progress)
            result.inserted = stored.inserted
            result.duplicates = stored.duplicates
            let deleted = try applyDeletions(deletions, pending: true)
            result.expired = try applyRetention(retention, now: now)
            return deleted
        }
        return result
    }
}

extension HistoryStore {
    /// Every live entry, oldest first by (`createdAt`, `id`): what `caro export` writes.
    public func liveRows() throws -> [HistoryRow] {
        let statement = try database.prepare(
            "SELECT \(HistorySQL.columns) FROM history h WHERE h.deleted_at IS NULL ORDER BY h.created_at, h.id")
        var rows: [HistoryRow] = []
        while try statement.step() { rows.append(Self.row(from: statement)) }
        return rows
    }

    /// Every tombstone's ID and deletion time, by ID.
    public func tombstones() throws -> [(id: String, deletedAt: Int64)] {
        let statement = try database.prepare("SELECT id, deleted_at FROM history WHERE deleted_at IS NOT NULL ORDER BY id")
        var rows: [(id: String, deletedAt: Int64)] = []
        while try statement.step() { rows.append((statement.text(at: 0) ?? "", statement.int64(at: 1))) }
        return rows
    }
}
