import JazzProto
import Synchronization

/// JazzProto's ``CoValueStorage`` on SQLite, in a layout close to cojson's (jazz-protocol-sync.md §4.2):
/// `coValues` (one row per CoValue, its header JSON), `sessions` (count, last signature and checkpoint
/// byte counter per CoValue and session), `transactions` (one JSON text per transaction, keyed by
/// session row and index), `signatureAfter` (checkpoint signatures), and `unsynced` (which CoValues
/// a server peer has not confirmed yet). See `Docs/storage.md`.
///
/// **Threading:** one SQLite connection behind a `Mutex`. Every call takes the lock, so the store can
/// be shared between threads and tasks, but calls run one at a time; for throughput, drive it from one
/// actor. Other processes may open the same file at the same time (WAL mode; writers wait up to the
/// busy timeout).
///
/// **Atomicity:** each ``append(_:header:sessions:)`` is one `BEGIN IMMEDIATE` transaction for the
/// header and every session: after a crash or an error, either all of it is stored or none of it.
public final class SQLiteCoValueStore: CoValueStorage, Sendable {
    /// The schema, as an ordered list of migrations keyed by `user_version`.
    public static let migrations: [SQLiteMigration] = [
        SQLiteMigration(version: 1, name: "CoValue tables", sql: Schema.version1)
    ]

    /// The database file (`:memory:` for an in-memory store).
    public let path: String
    private let database: Mutex<SQLiteDatabase>

    /// Opens (or creates) the store at `path` and brings its schema up to date.
    ///
    /// Throws ``SQLiteError`` — e.g. ``SQLiteError/notADatabase(path:message:sql:)`` for a file that is not
    /// an SQLite database, ``SQLiteError/corrupt(path:message:sql:)`` for a damaged one.
    public convenience init(path: String, options: SQLiteDatabase.Options = .init()) throws(SQLiteError) {
        try self.init(database: try SQLiteDatabase(path: path, options: options))
    }

    /// Takes over an open connection and brings its schema up to date.
    ///
    /// One file has one `user_version`: to keep other tables in the same file, pass a list that starts
    /// with ``migrations`` and continues with higher versions.
    public init(database: sending SQLiteDatabase, migrations: [SQLiteMigration] = SQLiteCoValueStore.migrations)
        throws(SQLiteError)
    {
        let ours = Self.migrations
        guard migrations.count >= ours.count,
            zip(migrations, ours).allSatisfy({ $0.version == $1.version && $0.name == $1.name })
        else {
            throw .misuse(path: database.path, message: "the migration list must start with SQLiteCoValueStore.migrations", sql: nil)
        }
        try database.migrate(migrations)
        path = database.path
        self.database = Mutex(database)
    }

    /// A store in a private in-memory database (tests, `--in-memory` relays).
    public static func inMemory() throws(SQLiteError) -> SQLiteCoValueStore {
        try SQLiteCoValueStore(path: ":memory:")
    }

    /// Closes the connection; later calls throw ``SQLiteError/closed(path:)``.
    public func close() {
        database.withLock { $0.close() }
    }

    /// Runs `body` with the connection, under the store's lock (maintenance, diagnostics, tests).
    /// Do not keep the connection beyond the call.
    public func withDatabase<T: Sendable>(_ body: (SQLiteDatabase) throws -> T) throws -> T {
        try database.withLock { database throws -> T in try body(database) }
    }

    /// Runs `body`, which calls this store (e.g. `LocalNode.persistAll(to:)`), inside one SQLite transaction:
    /// its appends commit together, with one sync of the disk instead of one per CoValue, and each append
    /// stays all-or-nothing on its own (a savepoint). If `body` throws, nothing it wrote is kept. Calls from
    /// other threads meanwhile join the transaction: for a store with one user at the time (setting up a
    /// device).
    public func inOneTransaction<T>(_ body: () throws -> T) throws -> T {
        try database.withLock { database throws in try database.execute("BEGIN IMMEDIATE") }
        do {
            let result = try body()
            try database.withLock { database throws in try database.execute("COMMIT") }
            return result
        } catch {
            database.withLock { database in if database.isInTransaction { try? database.execute("ROLLBACK") } }
            throw error
        }
    }

    // MARK: CoValueStorage

    /// IDs of every stored CoValue, in the order they were first stored.
    public func storedIDs() throws -> [CoID] {
        try database.withLock { database throws -> [CoID] in
            let statement = try database.cached(SQL.selectIDs)
            defer { statement.reset() }
            return try Self.readIDs(statement) { "the stored ID is invalid: \($0)" }
        }
    }

    /// Everything stored for `id` (sessions in first-stored order, transactions in index order), or nil.
    /// Throws ``CoValueStoreError/corruptRow(coValue:session:reason:)`` if a row cannot be read back.
    public func load(_ id: CoID) throws -> StoredCoValue? {
        try database.withLock { database throws -> StoredCoValue? in
            try database.transaction(.deferred) { () throws -> StoredCoValue? in try Self.load(id, from: database) }
        }
    }

    /// The stored header flag and per-session counts, read from `sessions` only (no transaction is read).
    public func knownState(of id: CoID) throws -> KnownState? {
        try database.withLock { database throws -> KnownState? in try Self.knownState(of: id, in: database) }
    }

    /// ``knownState(of:)`` read on `database`, a connection to a home file (``append(_:header:sessions:inTransactionOf:)``).
    public static func knownState(of id: CoID, in database: SQLiteDatabase) throws -> KnownState? {
        let statement = try database.cached(SQL.selectKnownState)
        defer { statement.reset() }
        try statement.bind(id.description, at: 1)
        var state: KnownState?
        while try statement.step() {
            if state == nil { state = KnownState(id: id, header: true) }
            guard !statement.isNull(at: 0) else { continue }
            let raw = statement.text(at: 0) ?? ""
            let session: SessionID
            do {
                session = try SessionID(raw)
            } catch {
                throw CoValueStoreError.corruptRow(coValue: id.description, session: raw, reason: "the session ID is invalid: \(error)")
            }
            let count = statement.int(at: 1)
            if count > 0 { state?.sessions[session] = count }
        }
        return state
    }

    /// ``append(_:header:sessions:)`` inside a transaction the caller holds on `database`, a connection to a
    /// home file (``HomeSchema``): the rows become part of that transaction (a restore stores the feed this
    /// way while it downloads, and commits it with the history). There is no savepoint of its own: when this
    /// throws, the caller must roll the whole transaction back. Appends with a delete session are not taken
    /// (their erasure is the store's): false, and nothing is written.
    public static func append(_ id: CoID, header: CoValueHeader?, sessions: [StoredSessionAppend],
                              inTransactionOf database: SQLiteDatabase) throws -> Bool {
        precondition(database.isInTransaction, "append(inTransactionOf:) runs inside the caller's transaction")
        guard !sessions.contains(where: { $0.sessionID.isDeleteSession }) else { return false }
        try append(id, header: header, sessions: sessions, to: database)
        return true
    }

    /// A ``CoValueStorage`` writing into the transaction the caller holds on `database`, a connection to a
    /// home file (``HomeSchema``), e.g. for `LocalNode.persistAll(to:)`: what it stores commits or rolls back
    /// with the caller's transaction (a restore commits the node's CoValues with the history, with one sync
    /// of the disk). Each append is all-or-nothing on its own (a savepoint). Appends with a delete session
    /// write nothing (their erasure is the store's, in a transaction of its own): store them afterwards, e.g.
    /// with `persistAll(to:)` on the store, which appends only what the file lacks. Use it only while the
    /// transaction is open, from the thread that holds it.
    public static func storage(inTransactionOf database: SQLiteDatabase) -> some CoValueStorage {
        InTransaction(database: database)
    }

    private final class InTransaction: CoValueStorage {
        let database: SQLiteDatabase

        init(database: SQLiteDatabase) {
            self.database = database
        }

        func storedIDs() throws -> [CoID] {
            let statement = try database.cached(SQL.selectIDs)
            defer { statement.reset() }
            return try SQLiteCoValueStore.readIDs(statement) { "the stored ID is invalid: \($0)" }
        }

        func load(_ id: CoID) throws -> StoredCoValue? {
            // Its statements see one state: the caller's transaction.
            try SQLiteCoValueStore.load(id, from: database)
        }

        func knownState(of id: CoID) throws -> KnownState? {
            try SQLiteCoValueStore.knownState(of: id, in: database)
        }

        func append(_ id: CoID, header: CoValueHeader?, sessions: [StoredSessionAppend]) throws {
            // Checked before the savepoint: outside a transaction, `transaction` would begin one of its own.
            precondition(database.isInTransaction, "storage(inTransactionOf:) is used inside the caller's transaction")
            try database.transaction { () throws -> Void in
                _ = try SQLiteCoValueStore.append(id, header: header, sessions: sessions, inTransactionOf: database)
            }
        }
    }

    /// Stores `header` (if the CoValue is new) and the appended sessions in one transaction.
    ///
    /// A session whose `after` differs from its stored count is skipped (that covers duplicates: a
    /// repeated append is a no-op); the other sessions are still stored. A CoValue not stored yet needs
    /// its header, which must hash to `id`. On any error nothing of the call is stored.
    public func append(_ id: CoID, header: CoValueHeader?, sessions: [StoredSessionAppend]) throws {
        let deletes = sessions.contains { $0.sessionID.isDeleteSession && !$0.transactions.isEmpty }
        try database.withLock { database throws -> Void in
            // Left on for the connection: Debian's SQLite has it on by default anyway (SQLITE_SECURE_DELETE).
            if deletes { try database.execute("PRAGMA secure_delete = ON") }
            try database.transaction(.immediate) { () throws -> Void in
                try Self.append(id, header: header, sessions: sessions, to: database)
                if deletes { try Self.eraseAllButDeleteSessions(of: id, in: database) }
            }
            if deletes { Self.truncateLog(database) }
        }
    }

    // MARK: Deletion erasure

    /// Physically removes every session of `id` except its delete sessions (cojson
    /// `eraseCoValueButKeepTombstone`, jazz-protocol-sync.md §4.6): the header and the tombstone stay, the
    /// transactions, checkpoint signatures and session rows of everything else go. Runs with
    /// `secure_delete` on, so the freed bytes are overwritten with zeros, not left in free pages
    /// (measured: with it, the file holds none of the erased bytes; without the WAL truncation below,
    /// the `-wal` file still did).
    private static func eraseAllButDeleteSessions(of id: CoID, in database: SQLiteDatabase) throws {
        for sql in [SQL.eraseTransactions, SQL.eraseCheckpoints, SQL.eraseSessions] {
            let statement = try database.cached(sql)
            defer { statement.reset() }
            try statement.bind(id.description, at: 1)
            try statement.run()
        }
    }

    /// Copies the WAL into the main file and truncates it to zero bytes, so the pages written before an
    /// erasure (which still hold the erased transactions) leave the `-wal` file too. Best effort: with a
    /// reader holding an old snapshot the checkpoint cannot finish, and the next erasure tries again.
    private static func truncateLog(_ database: SQLiteDatabase) {
        try? database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    }

    // MARK: Unsynced tracking

    /// Records that `peer` has not confirmed the current content of `id` (idempotent).
    public func markUnsynced(_ id: CoID, peer: String) throws {
        try markUnsynced([id], peer: peer)
    }

    /// Records several CoValues as unconfirmed by `peer`, in one transaction.
    public func markUnsynced(_ ids: [CoID], peer: String) throws {
        try run(SQL.insertUnsynced, ids: ids, peer: peer)
    }

    /// Records that `peer` confirmed `id` (idempotent).
    public func markSynced(_ id: CoID, peer: String) throws {
        try markSynced([id], peer: peer)
    }

    /// Records several CoValues as confirmed by `peer`, in one transaction.
    public func markSynced(_ ids: [CoID], peer: String) throws {
        try run(SQL.deleteUnsynced, ids: ids, peer: peer)
    }

    /// The CoValues `peer` has not confirmed, in the order they were first marked.
    public func unsyncedIDs(peer: String) throws -> [CoID] {
        try database.withLock { database throws -> [CoID] in
            let statement = try database.cached(SQL.selectUnsynced)
            defer { statement.reset() }
            try statement.bind(peer, at: 1)
            return try Self.readIDs(statement) { _ in "the unsynced entry for peer \(peer) has an invalid ID" }
        }
    }

    /// The CoValue IDs in the first column of every row of `statement`; an invalid one is a corrupt row.
    private static func readIDs(_ statement: Statement, reason: (IdentifierError) -> String) throws -> [CoID] {
        var ids: [CoID] = []
        while try statement.step() {
            let raw = statement.text(at: 0) ?? ""
            do {
                ids.append(try CoID(raw))
            } catch {
                throw CoValueStoreError.corruptRow(coValue: raw, session: nil, reason: reason(error))
            }
        }
        return ids
    }

    private func run(_ sql: String, ids: [CoID], peer: String) throws {
        guard !ids.isEmpty else { return }
        try database.withLock { database throws -> Void in
            try database.transaction(.immediate) { () throws -> Void in
                let statement = try database.cached(sql)
                for id in ids {
                    statement.reset()
                    try statement.bind(id.description, at: 1)
                    try statement.bind(peer, at: 2)
                    try statement.run()
                }
            }
        }
    }

    // MARK: Write path

    private static func append(_ id: CoID, header: CoValueHeader?, sessions: [StoredSessionAppend],
                               to database: SQLiteDatabase) throws {
        for session in sessions where session.after < 0 {
            throw CoValueStoreError.invalidAppend(id, session: session.sessionID, reason: "after is \(session.after)")
        }
        let select = try database.cached(SQL.selectCoValueRow)
        try select.bind(id.description, at: 1)
        let coValueRow: Int64
        if try select.step() {
            coValueRow = select.int64(at: 0)
            select.reset()
        } else {
            guard let header else {
                if sessions.allSatisfy({ $0.transactions.isEmpty }) { return }
                throw CoValueStoreError.headerMissing(id)
            }
            let computed = header.id
            guard computed == id else { throw CoValueStoreError.headerMismatch(id, computed: computed) }
            let insert = try database.cached(SQL.insertCoValue)
            try insert.bind(id.description, at: 1)
            try insert.bind(utf8: header.json.jsonStringifyUTF8(), at: 2)
            try insert.run()
            coValueRow = database.lastInsertRowID
        }

        for session in sessions where !session.transactions.isEmpty {
            let selectSession = try database.cached(SQL.selectSessionRow)
            try selectSession.bind(coValueRow, at: 1)
            try selectSession.bind(session.sessionID.description, at: 2)
            var sessionRow: Int64?
            var stored = 0
            if try selectSession.step() {
                sessionRow = selectSession.int64(at: 0)
                stored = selectSession.int(at: 1)
                selectSession.reset()
            }
            // Gap or duplicate: the caller re-sends from the stored count.
            guard session.after == stored else { continue }
            let newCount = stored + session.transactions.count

            if let row = sessionRow {
                let update = try database.cached(SQL.updateSession)
                try update.bind(newCount, at: 1)
                try update.bind(session.lastSignature.description, at: 2)
                try update.bind(session.bytesSinceLastSignature, at: 3)
                try update.bind(row, at: 4)
                try update.run()
            } else {
                let insert = try database.cached(SQL.insertSession)
                try insert.bind(coValueRow, at: 1)
                try insert.bind(session.sessionID.description, at: 2)
                try insert.bind(newCount, at: 3)
                try insert.bind(session.lastSignature.description, at: 4)
                try insert.bind(session.bytesSinceLastSignature, at: 5)
                try insert.run()
                sessionRow = database.lastInsertRowID
            }
            guard let row = sessionRow else { continue }

            let insertTransaction = try database.cached(SQL.insertTransaction)
            var text: [UInt8] = []
            for (offset, transaction) in session.transactions.enumerated() {
                insertTransaction.reset()
                try insertTransaction.bind(row, at: 1)
                try insertTransaction.bind(stored + offset, at: 2)
                transaction.json.jsonStringifyUTF8(into: &text)
                try insertTransaction.bind(utf8: text, at: 3)
                try insertTransaction.run()
            }

            let checkpoints = session.newCheckpoints.filter { $0.key >= stored && $0.key < newCount }
            if !checkpoints.isEmpty {
                let insertCheckpoint = try database.cached(SQL.insertCheckpoint)
                for (index, signature) in checkpoints.sorted(by: { $0.key < $1.key }) {
                    insertCheckpoint.reset()
                    try insertCheckpoint.bind(row, at: 1)
                    try insertCheckpoint.bind(index, at: 2)
                    try insertCheckpoint.bind(signature.description, at: 3)
                    try insertCheckpoint.run()
                }
            }
        }
    }

    // MARK: Read path

    private struct SessionRow {
        var row: Int64
        var rawID: String
        var count: Int
        var lastSignature: String
        var bytesSinceLastSignature: Int
    }

    private static func load(_ id: CoID, from database: SQLiteDatabase) throws -> StoredCoValue? {
        let coValue = id.description
        let selectCoValue = try database.cached(SQL.selectCoValue)
        defer { selectCoValue.reset() }
        try selectCoValue.bind(coValue, at: 1)
        guard try selectCoValue.step() else { return nil }
        let coValueRow = selectCoValue.int64(at: 0)
        let header = try selectCoValue.withUnsafeText(at: 1) { bytes throws -> CoValueHeader in
            guard let bytes else { throw CoValueStoreError.corruptRow(coValue: coValue, session: nil, reason: "the header is NULL") }
            do {
                let header = try CoValueHeader(json: try JSONValue(parsing: bytes))
                try header.verify(id: id)
                return header
            } catch {
                throw CoValueStoreError.corruptRow(coValue: coValue, session: nil, reason: "the header cannot be read: \(error)")
            }
        }

        let selectSessions = try database.cached(SQL.selectSessions)
        defer { selectSessions.reset() }
        try selectSessions.bind(coValueRow, at: 1)
        var rows: [SessionRow] = []
        while try selectSessions.step() {
            rows.append(SessionRow(
                row: selectSessions.int64(at: 0), rawID: selectSessions.text(at: 1) ?? "", count: selectSessions.int(at: 2),
                lastSignature: selectSessions.text(at: 3) ?? "", bytesSinceLastSignature: selectSessions.int(at: 4)))
        }

        var sessions: [StoredSession] = []
        sessions.reserveCapacity(rows.count)
        for row in rows {
            func corrupt(_ reason: String) -> CoValueStoreError {
                .corruptRow(coValue: coValue, session: row.rawID, reason: reason)
            }
            let sessionID: SessionID
            let lastSignature: Signature
            do {
                sessionID = try SessionID(row.rawID)
                lastSignature = try Signature(row.lastSignature)
            } catch {
                throw corrupt("the session row is invalid: \(error)")
            }
            guard row.count >= 0 else { throw corrupt("its transaction count is \(row.count)") }

            let selectTransactions = try database.cached(SQL.selectTransactions)
            defer { selectTransactions.reset() }
            try selectTransactions.bind(row.row, at: 1)
            try selectTransactions.bind(row.count, at: 2)
            var transactions: [Transaction] = []
            transactions.reserveCapacity(row.count)
            while try selectTransactions.step() {
                let index = selectTransactions.int(at: 0)
                guard index == transactions.count else {
                    throw corrupt("transaction \(transactions.count) is missing (of \(row.count))")
                }
                let transaction = try selectTransactions.withUnsafeText(at: 1) { bytes throws -> Transaction in
                    guard let bytes else { throw corrupt("transaction \(index) is NULL") }
                    do {
                        return try Transaction(json: try JSONValue(parsing: bytes))
                    } catch {
                        throw corrupt("transaction \(index) cannot be read: \(error)")
                    }
                }
                transactions.append(transaction)
            }
            guard transactions.count == row.count else {
                throw corrupt("only \(transactions.count) of its \(row.count) transactions are stored")
            }

            let selectCheckpoints = try database.cached(SQL.selectCheckpoints)
            defer { selectCheckpoints.reset() }
            try selectCheckpoints.bind(row.row, at: 1)
            try selectCheckpoints.bind(row.count, at: 2)
            var checkpoints: [Int: Signature] = [:]
            while try selectCheckpoints.step() {
                let index = selectCheckpoints.int(at: 0)
                let raw = selectCheckpoints.text(at: 1) ?? ""
                do {
                    checkpoints[index] = try Signature(raw)
                } catch {
                    throw corrupt("the checkpoint signature after transaction \(index) is invalid: \(error)")
                }
            }

            sessions.append(StoredSession(
                sessionID: sessionID, transactions: transactions, lastSignature: lastSignature, checkpoints: checkpoints,
                bytesSinceLastSignature: row.bytesSinceLastSignature))
        }
        return StoredCoValue(id: id, header: header, sessions: sessions)
    }
}

// MARK: - Schema and statements

extension SQLiteCoValueStore {
    /// The tables (jazz-protocol-sync.md §4.2). `lastIdx` is a count, as in cojson.
    enum Schema {
        static let version1 = """
            CREATE TABLE coValues (
                rowID INTEGER PRIMARY KEY,
                id TEXT NOT NULL UNIQUE,
                header TEXT NOT NULL
            );
            CREATE TABLE sessions (
                rowID INTEGER PRIMARY KEY,
                coValue INTEGER NOT NULL REFERENCES coValues(rowID),
                sessionID TEXT NOT NULL,
                lastIdx INTEGER NOT NULL CHECK (lastIdx >= 0),
                lastSignature TEXT NOT NULL,
                bytesSinceLastSignature INTEGER NOT NULL DEFAULT 0,
                UNIQUE (sessionID, coValue)
            );
            CREATE INDEX sessionsByCoValue ON sessions(coValue);
            CREATE TABLE transactions (
                ses INTEGER NOT NULL REFERENCES sessions(rowID),
                idx INTEGER NOT NULL CHECK (idx >= 0),
                tx TEXT NOT NULL,
                PRIMARY KEY (ses, idx)
            ) WITHOUT ROWID;
            CREATE TABLE signatureAfter (
                ses INTEGER NOT NULL REFERENCES sessions(rowID),
                idx INTEGER NOT NULL CHECK (idx >= 0),
                signature TEXT NOT NULL,
                PRIMARY KEY (ses, idx)
            ) WITHOUT ROWID;
            CREATE TABLE unsynced (
                rowID INTEGER PRIMARY KEY,
                co_value_id TEXT NOT NULL,
                peer_id TEXT NOT NULL,
                UNIQUE (co_value_id, peer_id)
            );
            CREATE INDEX unsyncedByPeer ON unsynced(peer_id);
            """

        /// `transactions` again, as an ordinary table with a unique index on (`ses`, `idx`) instead of a
        /// `WITHOUT ROWID` one keyed by them: for a file whose transactions are large (a device home holds a
        /// history feed's, ~55 KB each), run on the empty table. A `WITHOUT ROWID` table keeps whole rows in
        /// its b-tree, and SQLite copies an overflowing cell whole to compare its key: every insert copied
        /// whole neighbouring rows from their overflow pages. It suits a relay's many small transactions,
        /// which it reads back in key order from the same pages (with rowids, each is one more lookup).
        /// Every statement of the store works on both.
        static let transactionsWithRowIDs = """
            DROP TABLE transactions;
            CREATE TABLE transactions (
                ses INTEGER NOT NULL REFERENCES sessions(rowID),
                idx INTEGER NOT NULL CHECK (idx >= 0),
                tx TEXT NOT NULL,
                UNIQUE (ses, idx)
            );
            """
    }

    /// Every statement the store runs; each is prepared once per connection.
    enum SQL {
        static let selectIDs = "SELECT id FROM coValues ORDER BY rowID"
        static let selectCoValueRow = "SELECT rowID FROM coValues WHERE id = ?"
        static let selectCoValue = "SELECT rowID, header FROM coValues WHERE id = ?"
        static let insertCoValue = "INSERT INTO coValues (id, header) VALUES (?, ?)"
        static let selectKnownState = """
            SELECT s.sessionID, s.lastIdx FROM coValues AS c LEFT JOIN sessions AS s ON s.coValue = c.rowID
            WHERE c.id = ? ORDER BY s.rowID
            """
        static let selectSessionRow = "SELECT rowID, lastIdx FROM sessions WHERE coValue = ? AND sessionID = ?"
        static let selectSessions = """
            SELECT rowID, sessionID, lastIdx, lastSignature, bytesSinceLastSignature FROM sessions
            WHERE coValue = ? ORDER BY rowID
            """
        static let insertSession = """
            INSERT INTO sessions (coValue, sessionID, lastIdx, lastSignature, bytesSinceLastSignature) VALUES (?, ?, ?, ?, ?)
            """
        static let updateSession = "UPDATE sessions SET lastIdx = ?, lastSignature = ?, bytesSinceLastSignature = ? WHERE rowID = ?"
        /// Overwrites an orphan row beyond the stored count (cannot arise from our atomic appends, but
        /// cojson 0.20.19 does the same for files written by interrupted non-atomic writers).
        static let insertTransaction = """
            INSERT INTO transactions (ses, idx, tx) VALUES (?, ?, ?) ON CONFLICT (ses, idx) DO UPDATE SET tx = excluded.tx
            """
        /// `idx < count`: never read past the stored count (cojson's 0.20.16 fix).
        static let selectTransactions = "SELECT idx, tx FROM transactions WHERE ses = ? AND idx < ? ORDER BY idx"
        static let insertCheckpoint = "INSERT OR REPLACE INTO signatureAfter (ses, idx, signature) VALUES (?, ?, ?)"
        static let selectCheckpoints = "SELECT idx, signature FROM signatureAfter WHERE ses = ? AND idx < ? ORDER BY idx"
        static let insertUnsynced = "INSERT OR IGNORE INTO unsynced (co_value_id, peer_id) VALUES (?, ?)"
        static let deleteUnsynced = "DELETE FROM unsynced WHERE co_value_id = ? AND peer_id = ?"
        static let selectUnsynced = "SELECT co_value_id FROM unsynced WHERE peer_id = ? ORDER BY rowID"
        /// The rows of every non-delete session (IDs not ending in `$`) of one CoValue.
        static let erasedSessions = """
            SELECT s.rowID FROM sessions AS s JOIN coValues AS c ON s.coValue = c.rowID
            WHERE c.id = ? AND substr(s.sessionID, -1) != '$'
            """
        static let eraseTransactions = "DELETE FROM transactions WHERE ses IN (\(erasedSessions))"
        static let eraseCheckpoints = "DELETE FROM signatureAfter WHERE ses IN (\(erasedSessions))"
        static let eraseSessions = "DELETE FROM sessions WHERE rowID IN (\(erasedSessions))"
    }
}
