import CaroStore
import Foundation

/// `caro doctor --repair`: rebuilds a damaged home database, keeping what is intact.
///
/// When `caro.db` fails to open or fails `PRAGMA integrity_check`: the damaged file (and its `-wal`/`-shm`)
/// is renamed `caro.db.corrupt-<UTC time>` and kept; a fresh database is made with the current schema;
/// every readable row of history, preferences, exclusion patterns and the device ID is copied over
/// (``HomeSalvage``; the FTS index and counts are rebuilt by the triggers); the sync state's applied
/// frontier is cleared, so the next `caro sync now` re-applies the whole feed and fills in every synced
/// entry that was lost (the CoValue tables start empty and are fetched from the relay again). Rows that
/// were never pushed and sat on a damaged page are gone. A sound database is left untouched.
public struct DatabaseRepair {
    let home: DeviceHome
    let clock: @Sendable () -> Int64

    public init(home: DeviceHome, clock: @escaping @Sendable () -> Int64 = { Timestamp.now() }) {
        self.home = home
        self.clock = clock
    }

    /// What a repair did.
    public struct Outcome: Sendable, Equatable {
        /// False when the database was sound (or absent) and nothing was changed.
        public var repaired: Bool
        /// Why it was repaired (the integrity problem or the open error), or why not.
        public var reason: String
        /// Where the damaged file was moved.
        public var movedTo: String?
        /// Per table: rows kept and unreadable.
        public var tables: [HomeSalvage.Table]
        /// Live entries in the repaired database.
        public var entries: Int
    }

    public func run() throws(CaroError) -> Outcome {
        let path = home.databasePath
        guard FileManager.default.fileExists(atPath: path) else {
            return Outcome(repaired: false, reason: "there is no database yet (\(path))", movedTo: nil, tables: [], entries: 0)
        }
        // No sync may write the session while the file is swapped.
        let lock = try SessionLock(home: home, timeoutMilliseconds: 10_000)
        defer { lock.release() }
        guard let problem = Self.damage(of: path) else {
            return Outcome(repaired: false, reason: "\(path) passes the integrity check: nothing to repair", movedTo: nil, tables: [],
                           entries: try liveEntries())
        }
        let aside = path + ".corrupt-" + Self.stamp(clock())
        for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
            guard rename(path + suffix, aside + suffix) == 0 else {
                throw .failed("Cannot move \(path + suffix) aside to \(aside + suffix) (\(String(cString: strerror(errno)))); nothing was changed.")
            }
        }
        let store = try HomeDatabase.open(home)
        let tables = try CaroError.storage { try HomeSalvage.copyReadableRows(from: aside, into: store.database) }
        var state = SyncState.load(from: home)
        if !state.applied.isEmpty {
            state.applied = [:]
            try state.save(to: home)
        }
        return Outcome(repaired: true, reason: problem, movedTo: aside, tables: tables, entries: try liveEntries())
    }

    /// Why `path` needs repair (it cannot be opened or read, or fails the integrity check), or nil.
    static func damage(of path: String) -> String? {
        do {
            let database = try SQLiteDatabase(path: path, options: .init(create: false, readOnly: true))
            defer { database.close() }
            _ = try database.userVersion()
            let problems = try database.integrityProblems(thorough: true)
            guard !problems.isEmpty else { return nil }
            let lines = problems.flatMap { $0.split(whereSeparator: \.isNewline).map(String.init) }.filter { !$0.hasPrefix("***") }
            return "the integrity check failed (\(lines.count) problems: \(lines.prefix(2).joined(separator: "; ")))"
        } catch {
            return error.message
        }
    }

    private func liveEntries() throws(CaroError) -> Int {
        let store = try HomeDatabase.open(home)
        return try CaroError.storage { try store.liveCount() }
    }

    /// `20261206T012345Z` for a Unix time in milliseconds.
    static func stamp(_ milliseconds: Int64) -> String {
        Timestamp.iso8601(milliseconds).filter { $0 != "-" && $0 != ":" }.split(separator: ".").first.map { String($0) + "Z" }
            ?? String(milliseconds)
    }
}
