import CaroStore

/// Errors of Caro's commands, each with a message that says what happened and what to do, and the
/// kind of failure that decides the exit code (see ``exitCode``).
public enum CaroError: Error, CustomStringConvertible, Equatable {
    /// A value on the command line cannot be used (exit 2): a date, a duration, a pattern, a key.
    case invalidArgument(String)
    /// Nothing has this ID (exit 1).
    case notFound(String)
    /// The home directory cannot be used (exit 1).
    case homeUnusable(path: String, reason: String)
    /// The database failed (exit 1), with a message about the home rather than SQLite.
    case storage(SQLiteError)
    /// The user must confirm (exit 1): a destructive command without `--yes` and no terminal to ask on.
    case needsConfirmation(String)
    /// A relay could not be reached (exit 3).
    case relayUnreachable(String)
    /// Anything else (exit 1).
    case failed(String)

    /// The process exit code: 1 error, 2 usage, 3 relay unreachable.
    public var exitCode: Int32 {
        switch self {
        case .invalidArgument: return 2
        case .relayUnreachable: return 3
        default: return 1
        }
    }

    public var description: String {
        switch self {
        case .invalidArgument(let message), .notFound(let message), .needsConfirmation(let message),
            .relayUnreachable(let message), .failed(let message):
            return message
        case .homeUnusable(let path, let reason):
            return "Cannot use the caro home \(path): \(reason)."
        case .storage(let error):
            return Self.describe(error)
        }
    }

    /// Storage errors in terms of the home (SQLite's own message at the end).
    static func describe(_ error: SQLiteError) -> String {
        let detail = " (SQLite: \(error.message))"
        switch error {
        case .notADatabase(let path, _, _), .corrupt(let path, _, _):
            return "The database \(path) is damaged or not a caro database: run caro doctor --repair to keep every readable entry "
                + "(the damaged file is kept aside), or restore it from a backup; caro did not change it." + detail
        case .cannotOpen(let path, _, _):
            return "Cannot open the database \(path): check that it is a file (not a directory) and that you may write "
                + "to it and to its directory." + detail
        case .readOnly(let path, _, _):
            return "Cannot write to \(path): the file or its directory is read-only; check the permissions of the caro home." + detail
        case .diskFull(let path, _, _):
            return "The disk holding \(path) is full: free some space and try again; nothing was stored and nothing "
                + "already stored was changed." + detail
        default:
            return error.description
        }
    }
}

extension CaroError {
    /// Runs `body`, turning SQLite errors into ``storage(_:)``.
    static func storage<T>(_ body: () throws -> T) throws(CaroError) -> T {
        do {
            return try body()
        } catch let error as CaroError {
            throw error
        } catch let error as SQLiteError {
            throw .storage(error)
        } catch {
            throw .failed("\(error)")
        }
    }
}
