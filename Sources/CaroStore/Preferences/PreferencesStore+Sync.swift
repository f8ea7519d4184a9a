extension PreferencesStore {
    /// Every stored value with the time it was last set (ms since the epoch), by key: what a sync
    /// compares with the synced preferences (last write wins per key).
    public func timedValues() throws(SQLiteError) -> [String: (value: String, updatedAt: Int64)] {
        let statement = try database.cached("SELECT key, value, updated_at FROM preferences")
        defer { statement.reset() }
        var values: [String: (value: String, updatedAt: Int64)] = [:]
        while try statement.step() { values[statement.text(at: 0) ?? ""] = (statement.text(at: 1) ?? "", statement.int64(at: 2)) }
        return values
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
