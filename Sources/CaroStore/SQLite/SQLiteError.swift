import CSQLite

/// A failure of the SQLite database: what SQLite said, the statement that failed, and what to do about it.
///
/// The cases group SQLite's result codes by what the user can do (restore a corrupt file, free disk
/// space, close another process, …); ``code``, ``message`` and ``sql`` give the raw details.
public enum SQLiteError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file could not be opened or created (missing directory, no permission, …).
    case cannotOpen(path: String, code: Int32, message: String)
    /// The file exists but is not an SQLite database (`SQLITE_NOTADB`).
    case notADatabase(path: String, message: String, sql: String?)
    /// The database file is damaged (`SQLITE_CORRUPT`).
    case corrupt(path: String, message: String, sql: String?)
    /// Another connection held a lock for longer than the busy timeout (`SQLITE_BUSY`, `SQLITE_LOCKED`).
    case busy(path: String, message: String, sql: String?)
    /// The file or its directory is not writable (`SQLITE_READONLY`).
    case readOnly(path: String, message: String, sql: String?)
    /// The disk is full (`SQLITE_FULL`).
    case diskFull(path: String, message: String, sql: String?)
    /// The operating system failed a read or write (`SQLITE_IOERR*`).
    case ioError(path: String, code: Int32, message: String, sql: String?)
    /// A UNIQUE, CHECK, NOT NULL or FOREIGN KEY constraint failed (`SQLITE_CONSTRAINT*`).
    case constraint(path: String, code: Int32, message: String, sql: String?)
    /// The schema version stored in the file is newer than this program knows.
    case schemaTooNew(path: String, found: Int, supported: Int)
    /// A schema migration failed; it was rolled back and the file is unchanged.
    case migrationFailed(path: String, version: Int, name: String, reason: String)
    /// The connection was closed before this call.
    case closed(path: String)
    /// The program used SQLite wrongly (bad SQL, bad parameter index, bad migration list): a bug in caro.
    case misuse(path: String, message: String, sql: String?)
    /// Any other SQLite failure.
    case failed(path: String, code: Int32, message: String, sql: String?)

    /// Maps an SQLite result code (extended codes included) to a case.
    init(code: Int32, message: String, sql: String?, path: String) {
        switch code & 0xFF {
        case SQLITE_NOTADB: self = .notADatabase(path: path, message: message, sql: sql)
        case SQLITE_CORRUPT: self = .corrupt(path: path, message: message, sql: sql)
        case SQLITE_BUSY, SQLITE_LOCKED: self = .busy(path: path, message: message, sql: sql)
        case SQLITE_READONLY: self = .readOnly(path: path, message: message, sql: sql)
        case SQLITE_FULL: self = .diskFull(path: path, message: message, sql: sql)
        case SQLITE_IOERR: self = .ioError(path: path, code: code, message: message, sql: sql)
        case SQLITE_CONSTRAINT: self = .constraint(path: path, code: code, message: message, sql: sql)
        case SQLITE_CANTOPEN: self = .cannotOpen(path: path, code: code, message: message)
        case SQLITE_MISUSE, SQLITE_RANGE: self = .misuse(path: path, message: message, sql: sql)
        default: self = .failed(path: path, code: code, message: message, sql: sql)
        }
    }

    /// The SQLite result code (extended), when SQLite reported one.
    public var code: Int32? {
        switch self {
        case .cannotOpen(_, let code, _), .ioError(_, let code, _, _), .constraint(_, let code, _, _),
            .failed(_, let code, _, _):
            return code
        case .notADatabase: return SQLITE_NOTADB
        case .corrupt: return SQLITE_CORRUPT
        case .busy: return SQLITE_BUSY
        case .readOnly: return SQLITE_READONLY
        case .diskFull: return SQLITE_FULL
        case .misuse: return SQLITE_MISUSE
        case .schemaTooNew, .migrationFailed, .closed: return nil
        }
    }

    /// SQLite's own message (or ours, for the cases SQLite does not report).
    public var message: String {
        switch self {
        case .cannotOpen(_, _, let message), .notADatabase(_, let message, _), .corrupt(_, let message, _),
            .busy(_, let message, _), .readOnly(_, let message, _), .diskFull(_, let message, _),
            .ioError(_, _, let message, _), .constraint(_, _, let message, _), .misuse(_, let message, _),
            .failed(_, _, let message, _):
            return message
        case .schemaTooNew(_, let found, let supported): return "schema version \(found) > \(supported)"
        case .migrationFailed(_, _, _, let reason): return reason
        case .closed: return "the connection is closed"
        }
    }

    /// The SQL statement that failed, if any.
    public var sql: String? {
        switch self {
        case .notADatabase(_, _, let sql), .corrupt(_, _, let sql), .busy(_, _, let sql), .readOnly(_, _, let sql),
            .diskFull(_, _, let sql), .ioError(_, _, _, let sql), .constraint(_, _, _, let sql), .misuse(_, _, let sql),
            .failed(_, _, _, let sql):
            return sql
        case .cannotOpen, .schemaTooNew, .migrationFailed, .closed: return nil
        }
    }

    /// The database file the error is about (`:memory:` for an in-memory database).
    public var path: String {
        switch self {
        case .cannotOpen(let path, _, _), .notADatabase(let path, _, _), .corrupt(let path, _, _), .busy(let path, _, _),
            .readOnly(let path, _, _), .diskFull(let path, _, _), .ioError(let path, _, _, _),
            .constraint(let path, _, _, _), .schemaTooNew(let path, _, _), .migrationFailed(let path, _, _, _),
            .closed(let path), .misuse(let path, _, _), .failed(let path, _, _, _):
            return path
        }
    }

    /// True when the file itself is damaged or not a database (restore or reset it).
    public var isDamagedFile: Bool {
        switch self {
        case .notADatabase, .corrupt: return true
        default: return false
        }
    }

    public var description: String {
        let detail = " (SQLite: \(message)" + (sql.map { "; SQL: \($0)" } ?? "") + ")"
        switch self {
        case .cannotOpen(let path, _, _):
            return "Cannot open the database \(path): check that its directory exists and is writable by you." + detail
        case .notADatabase(let path, _, _):
            return "The file \(path) is not an SQLite database (it was overwritten or is another kind of file): "
                + "restore it from a backup, or move it aside and start again with an empty one (synced data is then "
                + "fetched again from the relay, or for a relay sent again by its clients)." + detail
        case .corrupt(let path, _, _):
            return "The database file \(path) is corrupt (`sqlite3 \(path) 'PRAGMA integrity_check'` shows where): restore it "
                + "from a backup, or move it aside and start again with an empty one (synced data is then fetched again "
                + "from the relay, or for a relay sent again by its clients)." + detail
        case .busy(let path, _, _):
            return "The database \(path) is locked by another process (another caro command or `caro sync watch`?): "
                + "wait for it to finish and try again." + detail
        case .readOnly(let path, _, _):
            return "The database \(path) is read-only: check the permissions of the file and of its directory." + detail
        case .diskFull(let path, _, _):
            return "The disk holding \(path) is full: free some space and try again; nothing was half-written." + detail
        case .ioError(let path, _, _, _):
            return "The operating system failed to read or write \(path): check the disk and the file system." + detail
        case .constraint(let path, _, _, _):
            return "A write to \(path) broke a database constraint and was rolled back; this is a bug in caro, please report it."
                + detail
        case .schemaTooNew(let path, let found, let supported):
            return "The database \(path) has schema version \(found), but this caro only knows versions up to \(supported): "
                + "it was written by a newer caro. Upgrade caro."
        case .migrationFailed(let path, let version, let name, let reason):
            return "Upgrading the database \(path) to schema version \(version) (\(name)) failed and was rolled back, "
                + "so the file is unchanged: \(reason). Report this bug; restore a backup if the problem persists."
        case .closed(let path):
            return "The database \(path) was already closed; open it again before using it (a bug in the caller)."
        case .misuse(let path, _, _):
            return "SQLite was used incorrectly on \(path); this is a bug in caro, please report it." + detail
        case .failed(let path, let code, _, _):
            return "The database \(path) failed (SQLite code \(code))." + detail
        }
    }
}
