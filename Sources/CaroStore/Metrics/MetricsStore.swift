/// This device's usage counters (opt-in metrics, Docs/security.md "Opt-in metrics"): one row per counter
/// name (`generated`, `executed`, `succeeded`, `safety:<level>`, `shell:<shell>`) with its count. Names
/// only ever come from a fixed vocabulary (CaroKit's `UsageCounters`): never command text, paths or hosts.
public struct MetricsStore {
    let database: SQLiteDatabase

    /// Uses an open, migrated home database (e.g. ``HistoryStore/database``).
    public init(database: SQLiteDatabase) {
        self.database = database
    }

    /// `metrics`: counter name → count (the migration of `user_version` 3).
    static let version3 = """
        CREATE TABLE metrics (
            name TEXT PRIMARY KEY,
            count INTEGER NOT NULL
        ) WITHOUT ROWID;
        """

    /// Every counter, by name (an empty dictionary when nothing was counted).
    public func counts() throws(SQLiteError) -> [String: Int] {
        let statement = try database.cached("SELECT name, count FROM metrics")
        defer { statement.reset() }
        var counts: [String: Int] = [:]
        while try statement.step() { counts[statement.text(at: 0) ?? ""] = statement.int(at: 1) }
        return counts
    }

    /// Adds one to each counter of `names` with a single UPSERT (call it inside the transaction that
    /// stored what is counted, so both happen or neither).
    public func increment(_ names: [String]) throws(SQLiteError) {
        guard !names.isEmpty else { return }
        let rows = Array(repeating: "(?, 1)", count: names.count).joined(separator: ", ")
        let statement = try database.cached(
            "INSERT INTO metrics (name, count) VALUES \(rows) ON CONFLICT (name) DO UPDATE SET count = count + 1")
        for (offset, name) in names.enumerated() { try statement.bind(.text(name), at: Int32(offset + 1)) }
        try statement.run()
    }

    /// Forgets every counter; returns how many there were.
    @discardableResult
    public func deleteAll() throws -> Int {
        try database.transaction(.immediate) { () throws -> Int in
            try database.cached("DELETE FROM metrics").run()
            return database.changes
        }
    }
}
