extension PreferencesStore {
    /// The key prefix under which exclusion patterns sync, one key per pattern: `exclude:<pattern>` is
    /// `on` (added) or `off` (removed), so patterns added on two devices both survive and a removal wins
    /// over an older add (last write per key, as every preference).
    public static let exclusionKeyPrefix = "exclude:"

    /// Every stored value with the time it was last set (ms since the epoch), by key: what a sync
    /// compares with the synced preferences (last write wins per key). Exclusion patterns appear as
    /// `exclude:<pattern>` keys; a pattern added before they synced counts as `on` since it was added.
    public func timedValues() throws(SQLiteError) -> [String: (value: String, updatedAt: Int64)] {
        let statement = try database.cached(
            """
            SELECT key, value, updated_at FROM preferences
            UNION ALL
            SELECT '\(Self.exclusionKeyPrefix)' || pattern, 'on', created_at FROM exclusion_patterns
                WHERE '\(Self.exclusionKeyPrefix)' || pattern NOT IN (SELECT key FROM preferences)
            """)
        defer { statement.reset() }
        var values: [String: (value: String, updatedAt: Int64)] = [:]
        while try statement.step() { values[statement.text(at: 0) ?? ""] = (statement.text(at: 1) ?? "", statement.int64(at: 2)) }
        return values
    }

    /// Stores a value that came from the synced preferences. For an `exclude:<pattern>` key the pattern
    /// is added (`on`) or removed (`off`) as well, in the same transaction.
    public func applySynced(_ key: String, to value: String, at time: Int64) throws {
        try database.transaction(.immediate) { () throws in
            try set(key, to: value, at: time)
            guard key.hasPrefix(Self.exclusionKeyPrefix) else { return }
            let pattern = String(key.dropFirst(Self.exclusionKeyPrefix.count))
            if value == "on" {
                let add = try database.cached("INSERT OR IGNORE INTO exclusion_patterns (pattern, created_at) VALUES (?, ?)")
                try add.bind(.text(pattern), .integer(time))
                try add.run()
            } else {
                let remove = try database.cached("DELETE FROM exclusion_patterns WHERE pattern = ?")
                try remove.bind(.text(pattern))
                try remove.run()
            }
        }
    }
}

extension PreferencesStore {
    /// When a preference was last set here (the largest `updated_at`; `Int64.min` when none is set):
    /// `caro sync watch` syncs when it changes.
    public func lastUpdate() throws(SQLiteError) -> Int64 {
        let statement = try database.cached("SELECT max(updated_at) FROM preferences")
        defer { statement.reset() }
        return try statement.step() && !statement.isNull(at: 0) ? statement.int64(at: 0) : .min
    }
}
