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
