import CaroStore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Opens the database of a device home, with errors in terms of the home.
public enum HomeDatabase {
    /// The page size of a new home's file: 16 KiB, four times SQLite's default. A 100 000-entry restore writes
    /// the history, its indexes and the feed's 55 MB of transactions in a quarter as many pages: ~10 % faster
    /// whole process than with 4 KiB pages (8 KiB: ~7 %; 32 KiB: as 16), with a third less system time.
    /// `history add`, `history search` and a 10 000-entry restore took the same time, at the same peak memory
    /// (Docs/benchmarks.md, "Session 10").
    static let pageSize = 16_384

    /// Opens (creating the data directory and the file if needed) and migrates the home database.
    /// Cheap when the schema is current: no write happens.
    public static func open(_ home: DeviceHome) throws(CaroError) -> HistoryStore {
        let path = home.databasePath
        // Each command is a short process that writes a few pages: instead of checkpointing (and syncing
        // the disk four times) on every exit, the log is emptied once it passes ~64 pages (every few adds).
        let options = SQLiteDatabase.Options(checkpointAfterPages: 64, pageSize: pageSize)
        do {
            return try HistoryStore(path: path, options: options)
        } catch {
            // Only on failure: find out whether the directory or the path itself is the problem.
            var info = stat()
            if stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR {
                throw .homeUnusable(path: home.dataDirectory,
                                    reason: "\(path) is a directory where the database file should be; move it away")
            }
            if stat(home.dataDirectory, &info) != 0 {
                try home.createDataDirectory()
                do {
                    return try HistoryStore(path: path, options: options)
                } catch {
                    throw .storage(error)
                }
            }
            // A read-only file system or directory: a WAL database can still be read as immutable, so
            // that reading works; writes then fail with a read-only error.
            if stat(path, &info) == 0, case .cannotOpen = error {
                if let store = try? HistoryStore(path: path, options: .init(immutable: true)) { return store }
            } else if stat(path, &info) == 0, case .readOnly = error {
                if let store = try? HistoryStore(path: path, options: .init(immutable: true)) { return store }
            }
            throw .storage(error)
        }
    }
}
