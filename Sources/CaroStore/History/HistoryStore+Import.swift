extension HistoryStore {
    /// The time and import key of the `limit` newest live entries, newest first: what an import needs to
    /// skip the commands that retention would remove at once (so a second import adds nothing).
    public func newestLiveTimes(limit: Int) throws -> [(createdAt: Int64, importKey: String?)] {
        let statement = try database.prepare(
            "SELECT created_at, import_key FROM history WHERE deleted_at IS NULL ORDER BY created_at DESC, seq DESC LIMIT ?")
        try statement.bind(Int64(limit), at: 1)
        var rows: [(createdAt: Int64, importKey: String?)] = []
        rows.reserveCapacity(limit)
        while try statement.step() { rows.append((statement.int64(at: 0), statement.text(at: 1))) }
        return rows
    }
}
