/// Copies every row that can still be read from a damaged home database into a fresh one (what
/// `caro doctor --repair` keeps), in the spirit of SQLite's `.recover`: each table is read in rowid order in
/// small chunks; a chunk that hits a damaged page is retried row by row, and past a row that cannot be read
/// the scan jumps ahead (1, 2, 4, … rowids) until it finds readable rows again, so one bad page costs only
/// the rows on it.
///
/// Only the device's own tables are salvaged (history, preferences, exclusion patterns, the device ID): the
/// CoValue tables are a copy of what the relay holds plus this device's unacknowledged writes, whose rows
/// are still `pending` in `history` — a partial copy could break a session's hash chain, so they start empty
/// and the next sync fetches them again. The FTS index and the live count are rebuilt by the triggers as
/// the rows are inserted.
public enum HomeSalvage {
    /// What was kept of one table.
    public struct Table: Sendable, Equatable, Codable {
        public var name: String
        /// Rows copied into the fresh database.
        public var kept: Int
        /// Rows (or runs of rowids) that could not be read or inserted.
        public var unreadable: Int
        /// False when the table could not be read at all (e.g. the schema page is damaged).
        public var readable: Bool
    }

    /// The tables salvaged, in order; `device` first so the device keeps its ID.
    public static let tables = ["device", "preferences", "exclusion_patterns", "history"]

    /// Copies what is readable of `tables` in the database file `damagedPath` into `target` (a freshly
    /// migrated home database). Never throws for damage in the source: unreadable parts are counted.
    public static func copyReadableRows(from damagedPath: String, into target: SQLiteDatabase) throws(SQLiteError) -> [Table] {
        // As `.recover` does: a schema that fails SQLite's checks (a table's root past a truncated end) is
        // still read, so the tables on intact pages can be.
        try? target.execute("PRAGMA writable_schema = ON")
        defer { try? target.execute("PRAGMA writable_schema = OFF") }
        do {
            let quoted = damagedPath.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "''")
            try target.execute("ATTACH DATABASE '\(quoted)' AS damaged")
        } catch {
            return tables.map { Table(name: $0, kept: 0, unreadable: 0, readable: false) }
        }
        defer { try? target.execute("DETACH DATABASE damaged") }
        return tables.map { copy($0, into: target) }
    }

    private static func copy(_ table: String, into target: SQLiteDatabase) -> Table {
        var result = Table(name: table, kept: 0, unreadable: 0, readable: true)
        let verb = table == "device" ? "INSERT OR REPLACE" : "INSERT OR IGNORE"
        guard (try? target.execute("SELECT 1 FROM damaged.\(table) LIMIT 0")) != nil else {
            result.readable = false
            return result
        }
        // The highest rowid (when even that cannot be read, scan up to 2^40 by jumps).
        let last: Int64
        switch Result(catching: { () throws(SQLiteError) in try rowID("SELECT max(rowid) FROM damaged.\(table)", 0, in: target) }) {
        case .success(let found?): last = found
        case .success(nil): return result  // empty
        case .failure: last = 1 << 40
        }
        let chunk = "\(verb) INTO main.\(table) SELECT * FROM damaged.\(table) WHERE rowid > ?1 AND rowid <= ?2"
        var position: Int64 = 0  // the last rowid dealt with (our tables' rowids start at 1)
        let chunkSize: Int64 = 512
        while position < last {
            let end = min(last, position + chunkSize)
            if (try? run(chunk, position, end, in: target)) != nil {
                result.kept += target.changes
                position = end
                continue
            }
            // Something in this chunk is unreadable: go row by row, skipping what cannot be read.
            position = rowByRow(table, verb: verb, from: position, to: end, last: last, in: target, result: &result)
        }
        return result
    }

    /// Copies the rows with rowid in (`from`, `to`] one at a time; past an unreadable one, jumps ahead until
    /// a rowid can be read again. Returns the last rowid dealt with.
    private static func rowByRow(_ table: String, verb: String, from: Int64, to: Int64, last: Int64, in target: SQLiteDatabase,
                                 result: inout Table) -> Int64 {
        var position = from
        let next = "SELECT rowid FROM damaged.\(table) WHERE rowid > ?1 ORDER BY rowid LIMIT 1"
        while position < to {
            switch Result(catching: { () throws(SQLiteError) in try rowID(next, position, in: target) }) {
            case .failure:
                // The b-tree cannot be walked past `position`: jump ahead until it can.
                result.unreadable += 1
                position = skipUnreadable(next, after: position, last: last, in: target)
            case .success(nil):
                return last
            case .success(let found?):
                guard found <= to else { return to }
                let one = "\(verb) INTO main.\(table) SELECT * FROM damaged.\(table) WHERE rowid = ?1 AND ?2 = ?2"
                if (try? run(one, found, found, in: target)) != nil {
                    result.kept += target.changes
                } else {
                    result.unreadable += 1
                }
                position = found
            }
        }
        return position
    }

    /// The first position past `position` from which `next` reads again (jumps of 1, 2, 4, … rowids), or `last`.
    private static func skipUnreadable(_ next: String, after position: Int64, last: Int64, in target: SQLiteDatabase) -> Int64 {
        var step: Int64 = 1
        while step <= last - position {
            let probe = position + step
            if (try? rowID(next, probe, in: target)) != nil { return probe }
            step *= 2
        }
        return last
    }

    /// The one integer `sql` (with `?1` bound to `parameter`) selects, nil when it selects no row or NULL.
    private static func rowID(_ sql: String, _ parameter: Int64, in target: SQLiteDatabase) throws(SQLiteError) -> Int64? {
        let statement = try target.prepare(sql)
        defer { statement.finalize() }
        if sql.contains("?1") { try statement.bind(parameter, at: 1) }
        guard try statement.step(), !statement.isNull(at: 0) else { return nil }
        return statement.int64(at: 0)
    }

    private static func run(_ sql: String, _ first: Int64, _ second: Int64, in target: SQLiteDatabase) throws(SQLiteError) {
        let statement = try target.prepare(sql)
        defer { statement.finalize() }
        try statement.bind(first, at: 1)
        try statement.bind(second, at: 2)
        try statement.run()
    }
}
