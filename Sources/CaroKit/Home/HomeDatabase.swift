import CaroStore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Opens the database of a device home, with errors in terms of the home.
public enum HomeDatabase {
    /// Opens (creating the data directory and the file if needed) and migrates the home database.
    /// Cheap when the schema is current: no write happens.
    public static func open(_ home: DeviceHome) throws(CaroError) -> HistoryStore {
        let path = home.databasePath
        // The default: the log is checkpointed when the process closes the database, so the next process
        // starts from a short log (keeping the log across processes made each one re-read it: slower).
        let options = SQLiteDatabase.Options()
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
