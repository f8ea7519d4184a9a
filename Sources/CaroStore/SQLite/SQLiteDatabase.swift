import CSQLite

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The raw connection shared by a database and its statements, so that a statement can tell whether
/// the connection was closed under it.
final class SQLiteConnection {
    private(set) var handle: OpaquePointer?
    let path: String

    init(handle: OpaquePointer, path: String) {
        self.handle = handle
        self.path = path
    }

    /// The error for `code`, with SQLite's current message.
    func error(_ code: Int32, sql: String?) -> SQLiteError {
        let message = handle.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(code))
        // An I/O error whose cause is a full file system (e.g. the -wal or -shm file cannot grow) is a full disk.
        if code & 0xFF == SQLITE_IOERR, let handle, sqlite3_system_errno(handle) == 28 /* ENOSPC */ {
            return .diskFull(path: path, message: message, sql: sql)
        }
        return SQLiteError(code: code, message: message, sql: sql, path: path)
    }

    /// The open handle, or `.closed`.
    func open() throws(SQLiteError) -> OpaquePointer {
        guard let handle else { throw .closed(path: path) }
        return handle
    }

    /// Whether statements are compiled without this connection's triggers now
    /// (``SQLiteDatabase/cachedWithoutTriggers(_:)``).
    private var triggersOff = false

    /// Turns the triggers on or off for the statement about to run (`off`: one that runs without them), if
    /// they are not already. A change expires every prepared statement: SQLite prepares each again on its
    /// next step, so statements of one kind in a row change it once.
    func useTriggers(off: Bool) throws(SQLiteError) {
        guard triggersOff != off else { return }
        let code = caro_sqlite_enable_triggers(try open(), off ? 0 : 1)
        guard code == SQLITE_OK else { throw error(code, sql: off ? "triggers off" : "triggers on") }
        triggersOff = off
    }

    func close() {
        guard let handle else { return }
        // close_v2 defers the real close until every statement still alive is finalized.
        sqlite3_close_v2(handle)
        self.handle = nil
    }
}

/// How a transaction takes its locks.
public enum SQLiteTransactionMode: Sendable {
    /// Locks on first use: for read-only work.
    case deferred
    /// Takes the write lock at once (waiting up to the busy timeout): for every transaction that writes,
    /// so that it never fails half-way with `SQLITE_BUSY` on upgrading a read lock.
    case immediate
    /// Like `immediate`; readers in other connections are also locked out (outside WAL mode).
    case exclusive
}

/// One schema change, applied once when the database's `user_version` is below `version`.
public struct SQLiteMigration: Sendable {
    /// The schema version this migration produces (1, 2, …; strictly increasing in a list).
    public let version: Int
    /// What it does, for error messages.
    public let name: String
    /// Applies the change; runs inside the migration transaction.
    public let apply: @Sendable (SQLiteDatabase) throws -> Void

    public init(version: Int, name: String, apply: @escaping @Sendable (SQLiteDatabase) throws -> Void) {
        self.version = version
        self.name = name
        self.apply = apply
    }

    /// A migration that runs SQL text (several statements allowed).
    public init(version: Int, name: String, sql: String) {
        self.init(version: version, name: name) { database in try database.execute(sql) }
    }
}

/// A thin wrapper over one SQLite connection.
///
/// Opened in WAL mode with `synchronous=NORMAL` (durable up to the last checkpoint-able commit; a
/// power loss may drop the last commits but never corrupts), foreign keys on, and a busy timeout so
/// that a second process waits instead of failing. Statements from ``cached(_:)`` are prepared once
/// and reused.
///
/// **Threading:** a connection is confined to one thread or actor at a time (it is opened with
/// `SQLITE_OPEN_NOMUTEX`), which is why this class is deliberately not `Sendable`: the compiler keeps it
/// in one isolation domain. To share one between threads, put it behind a lock (as
/// ``SQLiteCoValueStore`` does). Several processes may open the same file; writers serialize on the
/// file lock.
public final class SQLiteDatabase {
    /// How to open a database.
    public struct Options: Sendable {
        /// Create the file if it does not exist.
        public var create: Bool
        /// Open read-only (no WAL switch, no migrations possible).
        public var readOnly: Bool
        /// How long to wait for another connection's lock before failing with ``SQLiteError/busy(path:message:sql:)``.
        public var busyTimeoutMilliseconds: Int32
        /// Foreign-key enforcement (`PRAGMA foreign_keys`).
        public var foreignKeys: Bool
        /// Open read-only as an immutable file (SQLite's `immutable=1`): for a database on a read-only
        /// file system, where a WAL database cannot otherwise be read. Nobody may write the file meanwhile.
        public var immutable: Bool
        /// For many short-lived processes writing a little each (`caro history add`): when set, closing does
        /// not checkpoint the write-ahead log (a checkpoint syncs the disk several times), and instead a
        /// commit that leaves the log above this many pages checkpoints it and truncates it to empty
        /// (`wal_checkpoint(TRUNCATE)`). The log must be emptied, not just copied: a new process rebuilds
        /// its index of the log by reading every frame in it. Nil: SQLite's default (checkpoint on close).
        public var checkpointAfterPages: Int?
        /// Leave the file in the journal mode it is in, instead of switching it to WAL: for a second connection
        /// of a bulk load that switched the file to a rollback journal (``useRollbackJournal()``).
        public var keepsJournalMode: Bool
        /// The page size, in bytes (a power of two from 512 to 65 536), of a file this connection creates; nil:
        /// SQLite's default (4 096). An existing file keeps its own.
        public var pageSize: Int?

        public init(
            create: Bool = true, readOnly: Bool = false, busyTimeoutMilliseconds: Int32 = 5_000, foreignKeys: Bool = true,
            immutable: Bool = false, checkpointAfterPages: Int? = nil, keepsJournalMode: Bool = false, pageSize: Int? = nil
        ) {
            self.checkpointAfterPages = checkpointAfterPages
            self.keepsJournalMode = keepsJournalMode
            self.pageSize = pageSize
            self.create = create
            self.readOnly = readOnly || immutable
            self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
            self.foreignKeys = foreignKeys
            self.immutable = immutable
        }
    }

    /// The file path (`:memory:` for an in-memory database).
    public let path: String
    let connection: SQLiteConnection
    private var statementCache: [String: Statement] = [:]
    private var savepointDepth = 0
    private let checkpointAfterPages: Int?
    /// The file's page size, in bytes (read once the connection is configured).
    private var pageSize = 4_096

    /// SQLite's process-wide settings, made once before the first connection opens: no memory statistics
    /// (each allocation took a global lock for a count nothing reads; ~3 % of a restore's main thread).
    private static let configured: Bool = caro_sqlite_stop_memory_statistics() == SQLITE_OK

    /// Opens (and by default creates) the database at `path` and configures the connection. A file that
    /// is not a database fails here with ``SQLiteError/notADatabase(path:message:sql:)``.
    public init(path: String, options: Options = Options()) throws(SQLiteError) {
        self.path = path
        var flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        if options.readOnly {
            flags |= SQLITE_OPEN_READONLY
        } else {
            flags |= SQLITE_OPEN_READWRITE
            if options.create { flags |= SQLITE_OPEN_CREATE }
        }
        var handle: OpaquePointer?
        var name = path
        if options.immutable {
            flags |= SQLITE_OPEN_URI
            name = "file:" + Self.uriEscaped(path) + "?immutable=1"
        }
        _ = Self.configured
        let code = sqlite3_open_v2(name, &handle, flags, nil)
        guard code == SQLITE_OK, let handle else {
            let message = handle.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(code))
            if let handle { sqlite3_close_v2(handle) }
            throw SQLiteError.cannotOpen(path: path, code: code, message: message)
        }
        connection = SQLiteConnection(handle: handle, path: path)
        sqlite3_extended_result_codes(handle, 1)
        sqlite3_busy_timeout(handle, options.busyTimeoutMilliseconds)
        checkpointAfterPages = options.readOnly ? nil : options.checkpointAfterPages
        if checkpointAfterPages != nil {
            caro_sqlite_no_checkpoint_on_close(handle)
            sqlite3_wal_autocheckpoint(handle, 0)
        }
        do {
            try configureRetryingWhileBusy(options)
        } catch {
            close()
            throw error
        }
    }

    /// The connection's first statements (journal mode, pragmas, a read of the schema).
    ///
    /// They are retried on `SQLITE_BUSY` until the busy timeout: SQLite returns it from a connection's
    /// first access *without* calling the busy handler while another connection briefly holds an exclusive
    /// lock to run WAL recovery or, closing last, to clean up the WAL files (https://www.sqlite.org/wal.html,
    /// "Sometimes Queries Return SQLITE_BUSY In WAL Mode"). Twenty shells each adding a command at once
    /// hit that window; a shell hook must never lose a command to it.
    private func configureRetryingWhileBusy(_ options: Options) throws(SQLiteError) {
        let deadline = ContinuousClock.now + .milliseconds(Int(options.busyTimeoutMilliseconds))
        while true {
            do {
                try configure(options)
                return
            } catch .busy(let path, let message, let sql) {
                guard ContinuousClock.now < deadline else { throw .busy(path: path, message: message, sql: sql) }
                usleep(useconds_t.random(in: 1_000...5_000))
            }
        }
    }

    private func configure(_ options: Options) throws(SQLiteError) {
        // Before anything is written: it applies only to a file created now (SQLite ignores it otherwise).
        if let size = options.pageSize, !options.readOnly { try execute("PRAGMA page_size = \(size)") }
        // The first statement that reads the file: a non-database fails here. WAL mode is persistent:
        // set it only when the file is not in it yet (changing it needs an exclusive lock).
        if !options.readOnly && !options.keepsJournalMode && path != ":memory:" && !path.isEmpty {
            let mode = try prepare("PRAGMA journal_mode")
            let isWAL = try mode.step() && mode.text(at: 0)?.lowercased() == "wal"
            mode.finalize()
            if !isWAL { try execute("PRAGMA journal_mode = WAL") }
        }
        try execute("PRAGMA synchronous = NORMAL")
        try execute("PRAGMA foreign_keys = \(options.foreignKeys ? "ON" : "OFF")")
        // Reads the schema: a damaged first page fails here rather than later.
        _ = try userVersion()
        let schema = try cached("SELECT count(*) FROM sqlite_schema")
        defer { schema.reset() }
        try schema.step()
        if checkpointAfterPages != nil {
            let size = try prepare("PRAGMA page_size")
            defer { size.finalize() }
            if try size.step() { pageSize = size.int(at: 0) }
        }
    }

    /// `path` with the characters a `file:` URI reserves percent-encoded.
    static func uriEscaped(_ path: String) -> String {
        var result = ""
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "?"), UInt8(ascii: "#"), UInt8(ascii: "%"), 0..<32, 127...:
                result += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            default:
                result.unicodeScalars.append(Unicode.Scalar(byte))
            }
        }
        return result
    }

    /// A private in-memory database (tests, `--in-memory`).
    public static func inMemory() throws(SQLiteError) -> SQLiteDatabase {
        try SQLiteDatabase(path: ":memory:")
    }

    deinit {
        close()
    }

    /// True until ``close()``.
    public var isOpen: Bool { connection.handle != nil }

    /// Finalizes the cached statements and closes the connection. Later calls throw ``SQLiteError/closed(path:)``.
    /// An open transaction is rolled back by SQLite.
    public func close() {
        for statement in statementCache.values { statement.finalize() }
        statementCache = [:]
        connection.close()
    }

    // MARK: Statements

    /// Runs SQL text, which may hold several statements; result rows are discarded.
    public func execute(_ sql: String) throws(SQLiteError) {
        let handle = try connection.open()
        try connection.useTriggers(off: false)
        let code = sqlite3_exec(handle, sql, nil, nil, nil)
        guard code == SQLITE_OK else { throw connection.error(code, sql: sql) }
    }

    /// Prepares a new statement (finalized when released). For statements run more than once use ``cached(_:)``.
    public func prepare(_ sql: String) throws(SQLiteError) -> Statement {
        try Statement(connection: connection, sql: sql, persistent: false)
    }

    /// The prepared statement for `sql`, prepared on first use and reused afterwards; returned reset with
    /// its bindings cleared. Do not hold it across another use of the same SQL text (e.g. recursion
    /// while stepping through its rows).
    public func cached(_ sql: String) throws(SQLiteError) -> Statement {
        try cached(sql, withoutTriggers: false)
    }

    private func cached(_ sql: String, withoutTriggers: Bool) throws(SQLiteError) -> Statement {
        let key = withoutTriggers ? Self.withoutTriggersKey + sql : sql
        if let statement = statementCache[key] {
            statement.reset()
            return statement
        }
        let statement = try Statement(connection: connection, sql: sql, persistent: true, withoutTriggers: withoutTriggers)
        statementCache[key] = statement
        return statement
    }

    /// Like ``cached(_:)``, for a statement that runs without this connection's triggers: for a caller that
    /// knows none of them would fire (their `WHEN` is false for every row it writes), since a trigger
    /// compiled into a statement that writes several rows makes SQLite keep a statement journal of every
    /// page it changes. Also for one that writes only tables without triggers, so that it does not turn them
    /// back on. The triggers go off when it steps and stay off until another statement of this database
    /// that writes steps (or ``execute(_:)`` runs), which turns them back on first.
    public func cachedWithoutTriggers(_ sql: String) throws(SQLiteError) -> Statement {
        try cached(sql, withoutTriggers: true)
    }

    /// Like ``prepare(_:)``, for a statement that runs without this connection's triggers
    /// (``cachedWithoutTriggers(_:)``).
    public func prepareWithoutTriggers(_ sql: String) throws(SQLiteError) -> Statement {
        try Statement(connection: connection, sql: sql, persistent: false, withoutTriggers: true)
    }

    /// Keeps ``cachedWithoutTriggers(_:)``'s statements apart from ``cached(_:)``'s in the cache (SQL text
    /// cannot start with a NUL).
    private static let withoutTriggersKey = "\u{0}no triggers\u{0}"

    /// The rowid of the last successful INSERT on this connection.
    public var lastInsertRowID: Int64 {
        connection.handle.map { sqlite3_last_insert_rowid($0) } ?? 0
    }

    /// Rows changed by the last INSERT, UPDATE or DELETE.
    public var changes: Int {
        connection.handle.map { Int(sqlite3_changes64($0)) } ?? 0
    }

    /// True while a transaction is open.
    public var isInTransaction: Bool {
        connection.handle.map { sqlite3_get_autocommit($0) == 0 } ?? false
    }

    // MARK: Transactions

    /// Runs `body` in a transaction: committed if it returns, rolled back if it throws (the error is
    /// rethrown). Inside another transaction it becomes a savepoint, so nesting works. Use `.immediate`
    /// (the default) for anything that writes.
    public func transaction<T>(_ mode: SQLiteTransactionMode = .immediate, _ body: () throws -> T) throws -> T {
        if isInTransaction {
            return try savepoint(body)
        }
        let begin: String
        switch mode {
        case .deferred: begin = "BEGIN DEFERRED"
        case .immediate: begin = "BEGIN IMMEDIATE"
        case .exclusive: begin = "BEGIN EXCLUSIVE"
        }
        try cached(begin).run()
        let result: T
        do {
            result = try body()
            try cached("COMMIT").run()
        } catch {
            rollbackIfOpen()
            throw error
        }
        if mode != .deferred { checkpointIfLogIsLong() }
        return result
    }

    /// Switches the file from WAL to a rollback journal (`journal_mode=DELETE`) for a bulk load: in WAL mode every
    /// page is written twice, to the log and, at the checkpoint, to the file; with a rollback journal new pages
    /// are written once and only the pages that held data before are copied to the journal. Crash-safe
    /// either way (SQLite rolls a hot journal back). Returns false, and changes nothing, when another
    /// connection has the file open in WAL mode. Call ``useWAL()`` after the load; a process that opens the
    /// file meanwhile switches it back to WAL itself, which is harmless.
    public func useRollbackJournal() throws(SQLiteError) -> Bool {
        let statement = try prepare("PRAGMA journal_mode = DELETE")
        defer { statement.finalize() }
        do {
            return try statement.step() && statement.text(at: 0)?.lowercased() == "delete"
        } catch .busy {
            return false
        }
    }

    /// Switches the file back to WAL mode (after ``useRollbackJournal()``).
    public func useWAL() throws(SQLiteError) {
        try execute("PRAGMA journal_mode = WAL")
    }

    /// With ``Options/checkpointAfterPages``: checkpoints and empties the log once it is longer than that.
    /// Best effort: if readers keep it busy past the busy timeout, a later commit tries again.
    private func checkpointIfLogIsLong() {
        guard let limit = checkpointAfterPages, let handle = connection.handle else { return }
        var info = stat()
        guard stat(path + "-wal", &info) == 0 else { return }
        // A frame of the log: a page and its 24-byte header, after the log's 32-byte header.
        guard Int(info.st_size) > 32 + limit * (pageSize + 24) else { return }
        var logged: Int32 = 0
        var copied: Int32 = 0
        _ = sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_TRUNCATE, &logged, &copied)
    }

    private func savepoint<T>(_ body: () throws -> T) throws -> T {
        savepointDepth += 1
        defer { savepointDepth -= 1 }
        let name = "caro_savepoint_\(savepointDepth)"
        try cached("SAVEPOINT \(name)").run()
        do {
            let result = try body()
            try cached("RELEASE \(name)").run()
            return result
        } catch {
            // Undo the savepoint's work and drop it; the outer transaction stays open.
            if isInTransaction {
                try? cached("ROLLBACK TO \(name)").run()
                try? cached("RELEASE \(name)").run()
            }
            throw error
        }
    }

    private func rollbackIfOpen() {
        // Some errors (disk full, I/O) make SQLite roll back on its own.
        guard isInTransaction else { return }
        try? cached("ROLLBACK").run()
    }

    // MARK: Schema

    /// `PRAGMA user_version`: the schema version written by the last migration.
    public func userVersion() throws(SQLiteError) -> Int {
        let statement = try cached("PRAGMA user_version")
        // Reset at once: a statement left on a row keeps its read transaction open.
        defer { statement.reset() }
        guard try statement.step() else { return 0 }
        return statement.int(at: 0)
    }

    /// Applies, in one immediate transaction, every migration whose version is above the stored
    /// `user_version`, then stores the last version. A file with a newer version than the last
    /// migration fails with ``SQLiteError/schemaTooNew(path:found:supported:)``; a failing migration
    /// rolls everything back (``SQLiteError/migrationFailed(path:version:name:reason:)``).
    public func migrate(_ migrations: [SQLiteMigration]) throws(SQLiteError) {
        var previous = 0
        for migration in migrations {
            guard migration.version > previous else {
                throw .misuse(
                    path: path,
                    message: "migration versions must be positive and strictly increasing (\(migration.version) after \(previous))",
                    sql: nil)
            }
            previous = migration.version
        }
        let latest = previous
        // The common case, checked without a write lock: the schema is current.
        if try userVersion() == latest { return }
        do {
            try transaction(.immediate) { () throws -> Void in
                let current = try userVersion()
                guard current <= latest else { throw SQLiteError.schemaTooNew(path: path, found: current, supported: latest) }
                for migration in migrations where migration.version > current {
                    do {
                        try migration.apply(self)
                    } catch let error as SQLiteError {
                        throw SQLiteError.migrationFailed(
                            path: path, version: migration.version, name: migration.name, reason: error.description)
                    } catch {
                        throw SQLiteError.migrationFailed(
                            path: path, version: migration.version, name: migration.name, reason: "\(error)")
                    }
                }
                if latest > current { try execute("PRAGMA user_version = \(latest)") }
            }
        } catch let error as SQLiteError {
            throw error
        } catch {
            throw .failed(path: path, code: SQLITE_ERROR, message: "\(error)", sql: nil)
        }
    }

    /// `PRAGMA quick_check` (or `integrity_check` when `thorough`): the problems found, empty if the file is sound.
    /// Reads the whole file; meant for `caro sync doctor`, not for every open.
    public func integrityProblems(thorough: Bool = false) throws(SQLiteError) -> [String] {
        let statement = try prepare(thorough ? "PRAGMA integrity_check" : "PRAGMA quick_check")
        var problems: [String] = []
        while try statement.step() {
            if let line = statement.text(at: 0), line != "ok" { problems.append(line) }
        }
        return problems
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
