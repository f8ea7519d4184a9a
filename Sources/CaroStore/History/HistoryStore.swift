/// The history of one device home in SQLite: entries, their full-text index, tombstones and retention.
/// Owns every SQL text that touches `history`.
///
/// Opening is cheap when the schema is current (one `PRAGMA user_version`); every write is one
/// `BEGIN IMMEDIATE` transaction, so concurrent processes (twenty shells adding at once) wait for each
/// other instead of failing. Confined to one thread, like ``SQLiteDatabase``.
public final class HistoryStore {
    /// The connection (shared with ``PreferencesStore`` and, for sync, the CoValue store).
    public let database: SQLiteDatabase

    /// Opens (creating if needed) the home database at `path` and brings its schema up to date
    /// (``HomeSchema/migrations``).
    public convenience init(path: String, options: SQLiteDatabase.Options = .init()) throws(SQLiteError) {
        try self.init(database: try SQLiteDatabase(path: path, options: options))
    }

    /// Takes over an open connection and brings its schema up to date.
    public init(database: SQLiteDatabase) throws(SQLiteError) {
        try database.migrate(HomeSchema.migrations)
        self.database = database
    }

    /// This home's device ID (random, created with the database).
    public func deviceID() throws(SQLiteError) -> String {
        let statement = try database.cached("SELECT device_id FROM device WHERE id = 1")
        defer { statement.reset() }
        guard try statement.step(), let id = statement.text(at: 0) else {
            throw .failed(path: database.path, code: 1, message: "the device row is missing", sql: statement.sql)
        }
        return id
    }

    // MARK: Writing

    /// Stores one entry and applies `retention`, in one transaction. Returns false (and stores nothing)
    /// when an entry with the same `id` or `importKey` exists. A stored entry adds one to each usage
    /// counter of `counters` in the same transaction (empty when metrics are off: no statement at all).
    @discardableResult
    public func insert(_ row: HistoryRow, retention: HistoryRetention, now: Int64, counters: [String] = []) throws -> Bool {
        try database.transaction(.immediate) { () throws -> Bool in
            let inserted = try insertRow(row)
            if inserted {
                _ = try applyRetention(retention, now: now)
                try MetricsStore(database: database).increment(counters)
            }
            return inserted
        }
    }

    /// Stores many entries in one transaction (bulk import), skipping duplicates (same `id` or
    /// `importKey`), then applies `retention`. `progress` is called after each batch of `batchSize`
    /// rows with the number of rows handled so far. On any error nothing is stored.
    ///
    /// The rows are inserted inside a ``bulkLoad(_:)``, so the full-text index and the live count take
    /// them in one statement each at the end instead of a trigger program per row.
    /// `pending`: false for rows that came from the relay (sync has nothing to push for them).
    public func insert(
        _ rows: [HistoryRow], retention: HistoryRetention, now: Int64, batchSize: Int = 1_000, pending: Bool = true,
        progress: ((Int) -> Void)? = nil
    ) throws -> HistoryInsertResult {
        // Statement journals in memory, and room in the page cache for the indexes being filled.
        if !database.isInTransaction { try database.execute("PRAGMA temp_store = MEMORY; PRAGMA cache_size = -65536") }
        return try database.transaction(.immediate) { () throws -> HistoryInsertResult in
            var result = HistoryInsertResult()
            // Nothing to insert (a sync that brought only deletions): no load, no write.
            if !rows.isEmpty {
                result.inserted = try bulkLoad { try insertRows(rows, pending: pending, batchSize: batchSize, progress: progress) }
            }
            result.duplicates = rows.count - result.inserted
            result.expired = try applyRetention(retention, now: now)
            return result
        }
    }

    /// `INSERT OR IGNORE`s `rows`, many per statement, inside a transaction and a ``bulkLoad(_:)``; returns how
    /// many were new. `progress` gets the rows handled after each `batchSize` of them.
    func insertRows(_ rows: [HistoryRow], pending: Bool, batchSize: Int, progress: ((Int) -> Void)?) throws -> Int {
        // Many rows per statement: each statement of a table with triggers writes the pages it changes to
        // a statement journal first, which per row was a third of an import's time.
        // Inside a bulk load, each new row gets a seq above the highest one (no AUTOINCREMENT: one more than
        // the largest), so above the load's marker as long as the highest is not below it: the insert
        // triggers' WHEN is false for every row (``indexLoadedRows()`` indexes and counts them). Left out, they
        // no longer make each statement keep that journal at all (a restore's CPU: about a fifth less).
        var withoutTriggers = false
        if let after = bulkLoadAfter { withoutTriggers = try highestSeq() >= after }
        func statement(rows: Int) throws -> Statement {
            if rows == Self.rowsPerInsert {
                let sql = pending ? Self.bulkInsertPendingSQL : Self.bulkInsertSyncedSQL
                return withoutTriggers ? try database.cachedWithoutTriggers(sql) : try database.cached(sql)
            }
            let sql = Self.bulkInsertSQL(rows: rows, pending: pending)
            return withoutTriggers ? try database.prepareWithoutTriggers(sql) : try database.prepare(sql)
        }
        let chunk = min(Self.rowsPerInsert, max(batchSize, 1))
        let full = try statement(rows: chunk)
        var inserted = 0
        var start = 0
        var reported = 0
        while start < rows.count {
            let count = min(chunk, rows.count - start)
            let statement = count == chunk ? full : try statement(rows: count)
            statement.reset()
            for offset in 0..<count { try bind(rows[start + offset], to: statement, from: Int32(offset * 17 + 1)) }
            try statement.run()
            inserted += database.changes
            start += count
            if start - reported >= batchSize || start == rows.count {
                reported = start
                progress?(start)
            }
        }
        return inserted
    }

    /// Runs `body` (inside a transaction) as one bulk load: the rows it inserts skip the per-row triggers of
    /// the full-text index and the live count, and are indexed and counted by one statement each when it
    /// returns (see ``HistoryMigrations``, version 4). Within `body` everything else works as usual (updates,
    /// deletions, ``liveCount()``) except full-text search, which does not see the new rows yet.
    /// A load inside a load is part of the outer one. When `body` throws, the enclosing transaction must be
    /// rolled back (the load's marker row is part of it).
    public func bulkLoad<T>(_ body: () throws -> T) throws -> T {
        guard bulkLoadAfter == nil else { return try body() }
        precondition(database.isInTransaction, "bulkLoad runs inside a transaction")
        let after = try highestSeq()
        let open = try database.cached("INSERT INTO history_bulk_load (id, after_seq) VALUES (1, ?)")
        try open.bind(.integer(after))
        try open.run()
        bulkLoadAfter = after
        defer { bulkLoadAfter = nil }
        // FTS5 merges its index's segments as it writes them (automerge). A load indexed in pieces had each
        // piece's segment merged into the earlier ones again and again: indexing 100 000 entries in 50 pieces
        // took ~17 % less CPU with it off. FTS5 still merges when a level reaches 16 segments (crisismerge),
        // and searches of 100 000 entries were as fast afterwards. The setting is a row of the index's
        // configuration table: a rolled-back load leaves it as it was.
        try setFullTextAutomerge(0)
        let value = try body()
        try indexLoadedRows()
        try setFullTextAutomerge(Self.fullTextAutomerge)
        try database.cached("DELETE FROM history_bulk_load").run()
        return value
    }

    /// FTS5's default `automerge`: how many segments of one level it merges into one as it writes.
    public static let fullTextAutomerge = 4

    private func setFullTextAutomerge(_ segments: Int) throws {
        let set = try database.cachedWithoutTriggers("INSERT INTO history_fts(history_fts, rank) VALUES ('automerge', ?)")
        try set.bind(.integer(Int64(segments)))
        try set.run()
    }

    /// Inside a ``bulkLoad(_:)``: indexes and counts the rows loaded so far now rather than when the load ends,
    /// and moves the load's marker past them, so that from then on the triggers keep them like any other row
    /// (a later deletion of one updates the index and the count). A load that arrives in pieces calls this
    /// between them, while the pages just written are still in the cache; the full-text index sees those
    /// rows from then on.
    public func indexLoadedRows() throws {
        guard let after = bulkLoadAfter else { preconditionFailure("indexLoadedRows runs inside bulkLoad") }
        let highest = try highestSeq()
        guard highest > after else { return }
        // history_fts, history_counts and history_bulk_load have no triggers: these statements run the same
        // without them, and do not turn them back on between the inserts of a restore's slices.
        let index = try database.cachedWithoutTriggers(
            """
            INSERT INTO history_fts(rowid, command, prompt, explanation, tags)
                SELECT seq, command, prompt, explanation, tags FROM history WHERE seq > ?
            """)
        try index.bind(.integer(after))
        try index.run()
        let count = try database.cachedWithoutTriggers(
            """
            UPDATE history_counts SET live = live + (SELECT count(*) FROM history WHERE seq > ? AND deleted_at IS NULL)
                WHERE id = 1
            """)
        try count.bind(.integer(after))
        try count.run()
        let move = try database.cachedWithoutTriggers("UPDATE history_bulk_load SET after_seq = ? WHERE id = 1")
        try move.bind(.integer(highest))
        try move.run()
        bulkLoadAfter = highest
    }

    private func highestSeq() throws -> Int64 {
        let highest = try database.cached("SELECT coalesce(max(seq), 0) FROM history")
        defer { highest.reset() }
        return try highest.step() ? highest.int64(at: 0) : 0
    }

    /// Within a ``bulkLoad(_:)``, the highest `seq` indexed and counted (before the load, or at its last
    /// ``indexLoadedRows()``); nil outside one.
    private var bulkLoadAfter: Int64?

    private func insertRow(_ row: HistoryRow) throws -> Bool {
        try bindRow(row, to: try database.cached(Self.insertOneSQL))
        return database.changes > 0
    }

    static let insertColumns = """
        id, created_at, command, prompt, explanation, executed, exit_code, duration_ms, cwd, shell, hostname, device_id, \
        platform, safety_level, tags, deleted_at, import_key
        """

    static let insertOneSQL = "INSERT OR IGNORE INTO history (\(insertColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"

    /// Rows per statement of a bulk insert (17 parameters each; SQLite allows 32 766).
    static let rowsPerInsert = 100
    static let bulkInsertPendingSQL = bulkInsertSQL(rows: rowsPerInsert, pending: true)
    static let bulkInsertSyncedSQL = bulkInsertSQL(rows: rowsPerInsert, pending: false)

    /// `INSERT OR IGNORE` of `rows` rows of ``insertColumns``, with `pending` set.
    static func bulkInsertSQL(rows: Int, pending: Bool) -> String {
        let values = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, \(pending ? 1 : 0))"
        return "INSERT OR IGNORE INTO history (\(insertColumns), pending) VALUES "
            + Array(repeating: values, count: rows).joined(separator: ", ")
    }

    /// Binds `row` to an INSERT of ``insertColumns`` and runs it.
    private func bindRow(_ row: HistoryRow, to statement: Statement) throws {
        statement.reset()
        try bind(row, to: statement, from: 1)
        try statement.run()
    }

    /// Binds the 17 values of `row` (``insertColumns``) to parameters `first`, `first` + 1, …
    /// (a tombstone's text fields are stored empty).
    private func bind(_ row: HistoryRow, to statement: Statement, from first: Int32) throws {
        let live = row.deletedAt == nil
        try statement.bind(row.id, at: first)
        try statement.bind(row.createdAt, at: first + 1)
        try statement.bind(live ? row.command : nil, at: first + 2)
        try statement.bind(live ? row.prompt : nil, at: first + 3)
        try statement.bind(live ? row.explanation : nil, at: first + 4)
        try statement.bind(Int64(row.executed ? 1 : 0), at: first + 5)
        try statement.bind(row.exitCode.map(Int64.init), at: first + 6)
        try statement.bind(row.durationMs, at: first + 7)
        try statement.bind(live ? row.cwd : nil, at: first + 8)
        try statement.bind(row.shell, at: first + 9)
        try statement.bind(row.hostname, at: first + 10)
        try statement.bind(row.deviceID, at: first + 11)
        try statement.bind(row.platform, at: first + 12)
        try statement.bind(row.safetyLevel, at: first + 13)
        try statement.bind(live ? HistoryRow.encodeTags(row.tags) : nil, at: first + 14)
        try statement.bind(row.deletedAt, at: first + 15)
        try statement.bind(row.importKey, at: first + 16)
    }

    /// Removes live entries beyond `retention`: those created at or before its `clearedBefore` (a
    /// `delete --all`), those older than `maxAgeDays`, then the oldest by (`createdAt`, `id`) beyond
    /// `maxEntries` — an order every device agrees on. An entry already in the synced stream (not
    /// pending) becomes a tombstone that is not pushed: every device applies the same preferences
    /// itself, the tombstone keeps the entry from coming back and counts it for compaction
    /// (``reclaimableCount()``). An entry never pushed is removed outright. Returns how many went.
    @discardableResult
    public func applyRetention(_ retention: HistoryRetention, now: Int64) throws -> Int {
        var removed = 0
        if retention.clearedBefore > 0 {
            removed += try expire(where: "created_at <= ?", [.integer(retention.clearedBefore)], at: retention.clearedBefore)
        }
        if retention.maxAgeDays > 0 {
            let cutoff = now - Int64(retention.maxAgeDays) * 86_400_000
            removed += try expire(where: "created_at < ?", [.integer(cutoff)], at: now)
        }
        if retention.maxEntries > 0 {
            let excess = try liveCount() - retention.maxEntries
            if excess > 0 {
                // The newest of the entries to drop: everything up to it, by (createdAt, id), goes.
                let last = try database.cached(
                    "SELECT created_at, id FROM history WHERE deleted_at IS NULL ORDER BY created_at ASC, id ASC LIMIT 1 OFFSET ?")
                try last.bind(.integer(Int64(excess - 1)))
                let bound: [SQLiteValue] = try last.step() ? [.integer(last.int64(at: 0)), .text(last.text(at: 1) ?? "")] : []
                last.reset()
                if !bound.isEmpty { removed += try expire(where: "(created_at, id) <= (?, ?)", bound, at: now) }
            }
        }
        return removed
    }

    /// Expires the live rows matching `condition`: tombstones (not pending) for rows in the synced
    /// stream, outright removal for rows never pushed.
    private func expire(where condition: String, _ values: [SQLiteValue], at time: Int64) throws -> Int {
        let tombstone = try database.cached(
            """
            UPDATE history SET deleted_at = ?, command = NULL, prompt = NULL, explanation = NULL, cwd = NULL, tags = NULL
            WHERE deleted_at IS NULL AND pending = 0 AND \(condition)
            """)
        try tombstone.bind(.integer(time), at: 1)
        for (offset, value) in values.enumerated() { try tombstone.bind(value, at: Int32(offset + 2)) }
        try tombstone.run()
        let tombstoned = database.changes
        let remove = try database.cached("DELETE FROM history WHERE deleted_at IS NULL AND pending = 1 AND \(condition)")
        for (offset, value) in values.enumerated() { try remove.bind(value, at: Int32(offset + 1)) }
        try remove.run()
        return tombstoned + database.changes
    }

    /// Runs `record` (e.g. storing a new delete-all watermark), then applies `retention`, in one
    /// transaction, erasing the text of what goes as ``delete(ids:at:)`` does. Returns how many went.
    public func expire(_ retention: HistoryRetention, now: Int64, after record: () throws -> Void = {}) throws -> Int {
        try erasingDeletedText { () throws -> Int in
            try record()
            return try applyRetention(retention, now: now)
        }
    }

    /// Entries in the synced stream that are no longer live (deleted, expired or cleared: tombstones
    /// not waiting to be pushed): what a compaction would reclaim.
    public func reclaimableCount() throws -> Int {
        let statement = try database.cached("SELECT count(*) FROM history WHERE deleted_at IS NOT NULL AND pending = 0")
        defer { statement.reset() }
        return try statement.step() ? statement.int(at: 0) : 0
    }

    /// Turns the live entries with these IDs into tombstones (text removed, ID and deletion time kept,
    /// marked pending for sync), in one transaction. Unknown or already deleted IDs are left out of
    /// the count. Returns how many were deleted.
    ///
    /// The deleted text leaves the files too (people delete an entry because they pasted a secret):
    /// freed space is zeroed (`secure_delete`), the full-text index is rewritten without the deleted
    /// terms, and the write-ahead log is emptied.
    public func delete(ids: [String], at now: Int64) throws -> Int {
        try erasingDeletedText {
            var deleted = 0
            for id in ids {
                let statement = try database.cached(Self.tombstoneSQL + " WHERE id = ? AND deleted_at IS NULL")
                try statement.bind(.integer(now), .text(id))
                try statement.run()
                deleted += database.changes
            }
            return deleted
        }
    }

    /// Turns every live entry `query` matches into a tombstone, in one transaction, erasing the text as
    /// ``delete(ids:at:)`` does. Returns the count.
    public func delete(matching query: HistoryQuery, at now: Int64) throws -> Int {
        try erasingDeletedText { try delete(ids: try entries(matching: query).map(\.id), at: now) }
    }

    /// Runs `tombstone` (which returns how many rows it deleted) in one transaction with `secure_delete`
    /// on, rewrites the full-text index if anything was deleted, then empties the log.
    func erasingDeletedText(_ tombstone: () throws -> Int) throws -> Int {
        guard !database.isInTransaction else { return try tombstone() }
        try database.execute("PRAGMA secure_delete = ON")
        defer { try? database.execute("PRAGMA secure_delete = OFF") }
        let deleted = try database.transaction(.immediate) { () throws -> Int in
            let deleted = try tombstone()
            if deleted > 0 { try database.execute("INSERT INTO history_fts(history_fts) VALUES ('optimize')") }
            return deleted
        }
        if deleted > 0 { try? database.execute("PRAGMA wal_checkpoint(TRUNCATE)") }
        return deleted
    }

    static let tombstoneSQL = """
        UPDATE history SET deleted_at = ?, command = NULL, prompt = NULL, explanation = NULL, cwd = NULL, tags = NULL,
            pending = 1
        """

    // MARK: Reading

    /// The entry with `id`, live or deleted; nil if there is none.
    public func entry(id: String) throws -> HistoryRow? {
        let statement = try database.cached("SELECT \(HistorySQL.columns) FROM history h WHERE h.id = ?")
        defer { statement.reset() }
        try statement.bind(.text(id))
        return try statement.step() ? Self.row(from: statement) : nil
    }

    /// IDs of entries whose ID starts with `prefix` (at most `limit`), for short IDs typed by people.
    public func ids(withPrefix prefix: String, limit: Int = 2) throws -> [String] {
        let statement = try database.cached("SELECT id FROM history WHERE id >= ? AND id < ? ORDER BY id LIMIT ?")
        defer { statement.reset() }
        try statement.bind(.text(prefix), .text(prefix + "\u{10FFFF}"), .integer(Int64(limit)))
        var ids: [String] = []
        while try statement.step() { ids.append(statement.text(at: 0) ?? "") }
        return ids
    }

    /// The live entries `query` matches, newest first (oldest first with `reverse`).
    ///
    /// Text FTS5 cannot parse is searched as a literal substring instead: never an error. With `unique`,
    /// rows are read newest first and a command already seen is skipped, so the newest entry of each
    /// command is kept, and reading stops as soon as `limit` entries are found.
    public func entries(matching query: HistoryQuery) throws -> [HistoryRow] {
        try withTextFallback(query) { text throws -> [HistoryRow] in
            try read(query, text: text.map(HistorySQL.Text.typed), matches: try fullTextMatches(text))
        }
    }

    /// Runs `body` with a reader for several queries with the same `text` (one keystroke of the picker: the
    /// newest matches, then the newest run here): the text's full-text matches are found once, into a
    /// temporary table, and each read filters by it, instead of each read matching the text again (for a
    /// one-letter prefix that matches most of the history, the expensive part). The reader sets each
    /// query's text to `text`. Text FTS5 rejects is read as a literal substring, as in ``entries(matching:)``.
    public func withSharedMatches<T>(of text: String?, _ body: (_ read: (HistoryQuery) throws -> [HistoryRow]) throws -> T) throws -> T {
        // Each query read on its own, as entries(matching:) reads it: for a substring, or text FTS5 rejects.
        func separately(_ query: HistoryQuery) throws -> [HistoryRow] {
            var query = query
            query.text = text
            return try entries(matching: query)
        }
        let expression: String
        switch text.flatMap(FullTextQuery.init) {
        case .match(let value), .raw(let value): expression = value
        case .substring, nil: return try body(separately)
        }
        if !hasMatchTable {
            try database.execute("PRAGMA temp_store = MEMORY; CREATE TEMP TABLE IF NOT EXISTS history_matches (seq INTEGER PRIMARY KEY)")
            hasMatchTable = true
        }
        try database.cached("DELETE FROM temp.history_matches").run()
        defer { try? database.cached("DELETE FROM temp.history_matches").run() }
        let fill = try database.cached("INSERT INTO temp.history_matches SELECT rowid FROM history_fts WHERE history_fts MATCH ?")
        // Not FTS5 syntax after all: every read falls back to the substring.
        if try !Self.runFullText(fill, expression) { return try body(separately) }
        let matches = Int64(database.changes)
        return try body { query in
            var query = query
            query.text = text
            return try read(query, text: .sharedMatches, matches: matches)
        }
    }

    /// Runs `statement` with the full-text `expression` bound first; false when FTS5 rejects the expression
    /// (a syntax error), any other error is thrown.
    private static func runFullText(_ statement: Statement, _ expression: String) throws(SQLiteError) -> Bool {
        do {
            try statement.bind(.text(expression))
            try statement.run()
            return true
        } catch {
            guard rejectsFullText(error) else { throw error }
            return false
        }
    }

    /// Whether `error` is FTS5 refusing the text of a `MATCH` (SQLITE_ERROR: a syntax error, or an unknown
    /// column in `word:word`), which searches read as a literal substring instead.
    private static func rejectsFullText(_ error: SQLiteError) -> Bool { error.code.map { $0 & 0xFF } == 1 }

    /// Whether this connection has `temp.history_matches`.
    private var hasMatchTable = false

    /// One read: the statement for `query` with its text as `text` (`matches`: how many rows the text
    /// matches, when it is full text).
    private func read(_ query: HistoryQuery, text: HistorySQL.Text?, matches: Int64?) throws -> [HistoryRow] {
        var sqlQuery = query
        if query.unique {
            sqlQuery.limit = nil
            sqlQuery.reverse = false
        }
        let select = HistorySQL.select(sqlQuery, text: text, walkTime: try shouldWalkTime(query, matches: matches))
        let statement = try database.prepare(select.sql)
        for (offset, value) in select.bindings.enumerated() { try statement.bind(value, at: Int32(offset + 1)) }
        var rows: [HistoryRow] = []
        guard query.unique else {
            while try statement.step() { rows.append(Self.row(from: statement)) }
            return rows
        }
        var seen = Set<String>()
        while try statement.step() {
            guard seen.insert(statement.text(at: 2) ?? "").inserted else { continue }
            rows.append(Self.row(from: statement))
            if !query.reverse, let limit = query.limit, rows.count >= limit { break }
        }
        if query.reverse {
            rows.reverse()
            if let limit = query.limit, rows.count > limit { rows.removeLast(rows.count - limit) }
        }
        return rows
    }

    /// How many rows full text `text` matches (nil for a substring or no text).
    private func fullTextMatches(_ text: FullTextQuery?) throws -> Int64? {
        let expression: String
        switch text {
        case .match(let value), .raw(let value): expression = value
        case .substring, nil: return nil
        }
        let count = try database.cached("SELECT count(*) FROM history_fts WHERE history_fts MATCH ?")
        defer { count.reset() }
        try count.bind(.text(expression))
        return try count.step() ? count.int64(at: 0) : 0
    }

    /// Whether to find the first `limit` matches by walking the time index rather than sorting every
    /// match: when the words are common (`matches` of the live rows). Walking reads about
    /// limit × live / matches rows; sorting reads all matches.
    private func shouldWalkTime(_ query: HistoryQuery, matches: Int64?) throws -> Bool {
        // Unique oldest-first reads every match anyway (see entries(matching:)).
        guard let limit = query.limit, !(query.unique && query.reverse), let matches else { return false }
        // A directory filter is read through the cwd index: far fewer rows than walking all of time.
        guard query.cwd == nil && query.under == nil else { return false }
        return matches * matches > Int64(limit) * Int64(max(try liveCount(), 1))
    }

    /// Runs `body` with the query's text as FTS5; if FTS5 rejects it (a syntax error, an unknown column
    /// in `word:word`), again as a literal substring.
    private func withTextFallback<T>(_ query: HistoryQuery, _ body: (FullTextQuery?) throws -> T) throws -> T {
        let text = query.text.flatMap(FullTextQuery.init)
        guard case .raw(let typed) = text else { return try body(text) }
        do {
            return try body(text)
        } catch let error as SQLiteError where Self.rejectsFullText(error) {
            return try body(.substring(typed))
        }
    }

    /// The number of live entries (kept by a trigger: no table scan; during a ``bulkLoad(_:)``, plus the
    /// live rows it inserted so far).
    public func liveCount() throws -> Int {
        let statement = try database.cached("SELECT live FROM history_counts WHERE id = 1")
        defer { statement.reset() }
        let counted = try statement.step() ? statement.int(at: 0) : 0
        guard let after = bulkLoadAfter else { return counted }
        let loaded = try database.cached("SELECT count(*) FROM history WHERE seq > ? AND deleted_at IS NULL")
        defer { loaded.reset() }
        try loaded.bind(.integer(after))
        return counted + (try loaded.step() ? loaded.int(at: 0) : 0)
    }

    /// Counts for `caro history stats`, with the `top` most frequent commands.
    public func stats(top: Int = 10) throws -> HistoryStoreStats {
        try database.transaction(.deferred) { () throws -> HistoryStoreStats in
            let totals = try database.prepare(
                """
                SELECT count(*) FILTER (WHERE deleted_at IS NOT NULL), count(*) FILTER (WHERE pending = 1),
                    (SELECT min(created_at) FROM history WHERE deleted_at IS NULL),
                    (SELECT max(created_at) FROM history WHERE deleted_at IS NULL)
                FROM history
                """)
            try totals.step()
            var stats = HistoryStoreStats(
                live: try liveCount(), deleted: totals.int(at: 0), pending: totals.int(at: 1),
                oldest: totals.isNull(at: 2) ? nil : totals.int64(at: 2), newest: totals.isNull(at: 3) ? nil : totals.int64(at: 3),
                topCommands: [])
            let topStatement = try database.prepare(
                """
                SELECT command, count(*) AS uses FROM history WHERE deleted_at IS NULL
                GROUP BY command ORDER BY uses DESC, max(created_at) DESC LIMIT ?
                """)
            try topStatement.bind(.integer(Int64(top)))
            while try topStatement.step() {
                stats.topCommands.append((topStatement.text(at: 0) ?? "", topStatement.int(at: 1)))
            }
            return stats
        }
    }

    // MARK: Rows

    static func row(from statement: Statement) -> HistoryRow {
        func optionalInt(_ column: Int32) -> Int64? { statement.isNull(at: column) ? nil : statement.int64(at: column) }
        return HistoryRow(
            id: statement.text(at: 0) ?? "", createdAt: statement.int64(at: 1), command: statement.text(at: 2) ?? "",
            prompt: statement.text(at: 3), explanation: statement.text(at: 4), executed: statement.int(at: 5) != 0,
            exitCode: optionalInt(6).map { Int(clamping: $0) }, durationMs: optionalInt(7), cwd: statement.text(at: 8),
            shell: statement.text(at: 9), hostname: statement.text(at: 10), deviceID: statement.text(at: 11),
            platform: statement.text(at: 12), safetyLevel: statement.text(at: 13),
            tags: HistoryRow.decodeTags(statement.text(at: 14)), deletedAt: optionalInt(15), importKey: statement.text(at: 16))
    }

    private static func text(_ value: String?) -> SQLiteValue { value.map { .text($0) } ?? .null }
    private static func integer(_ value: Int64?) -> SQLiteValue { value.map { .integer($0) } ?? .null }
}
