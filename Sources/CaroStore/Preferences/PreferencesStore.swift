/// The preference rows of a home database: `preferences` (key → text value) and
/// `exclusion_patterns`. Typed access is `CaroKit.Preferences`; this layer only stores text.
public struct PreferencesStore {
    let database: SQLiteDatabase

    /// Uses an open, migrated home database (e.g. ``HistoryStore/database``).
    public init(database: SQLiteDatabase) {
        self.database = database
    }

    /// Every stored value, by key (keys never set are absent).
    public func values() throws(SQLiteError) -> [String: String] {
        let statement = try database.cached("SELECT key, value FROM preferences")
        defer { statement.reset() }
        var values: [String: String] = [:]
        while try statement.step() { values[statement.text(at: 0) ?? ""] = statement.text(at: 1) ?? "" }
        return values
    }

    /// Stores `value` for `key` (replacing any earlier value).
    public func set(_ key: String, to value: String, at now: Int64) throws {
        try database.transaction(.immediate) { () throws -> Void in
            let statement = try database.cached(
                "INSERT INTO preferences (key, value, updated_at) VALUES (?, ?, ?) "
                    + "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at")
            try statement.bind(.text(key), .text(value), .integer(now))
            try statement.run()
        }
    }

    /// The user's exclusion patterns, in the order they were added.
    public func exclusionPatterns() throws(SQLiteError) -> [String] {
        let statement = try database.cached("SELECT pattern FROM exclusion_patterns ORDER BY created_at, rowid")
        defer { statement.reset() }
        var patterns: [String] = []
        while try statement.step() { patterns.append(statement.text(at: 0) ?? "") }
        return patterns
    }

    /// Adds a pattern; false if it was already there. Records the add (`exclude:<pattern>` = `on`) for sync.
    public func addExclusionPattern(_ pattern: String, at now: Int64) throws -> Bool {
        try database.transaction(.immediate) { () throws -> Bool in
            let statement = try database.cached("INSERT OR IGNORE INTO exclusion_patterns (pattern, created_at) VALUES (?, ?)")
            try statement.bind(.text(pattern), .integer(now))
            try statement.run()
            guard database.changes > 0 else { return false }
            try set(Self.exclusionKeyPrefix + pattern, to: "on", at: now)
            return true
        }
    }

    /// Removes a pattern; false if it was not there. Records the removal (`exclude:<pattern>` = `off`) for sync.
    public func removeExclusionPattern(_ pattern: String, at now: Int64) throws -> Bool {
        try database.transaction(.immediate) { () throws -> Bool in
            let statement = try database.cached("DELETE FROM exclusion_patterns WHERE pattern = ?")
            try statement.bind(.text(pattern))
            try statement.run()
            guard database.changes > 0 else { return false }
            try set(Self.exclusionKeyPrefix + pattern, to: "off", at: now)
            return true
        }
    }
}
