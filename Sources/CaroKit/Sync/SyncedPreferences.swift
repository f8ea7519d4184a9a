import CaroStore

/// Applying what a sync received to the home database, the same way for `sync now`, `watch` and `join`.
enum SyncedPreferences {
    /// Stores synced preference values that are newer than the local ones, then applies the retention
    /// they give at once (a delete-all watermark or a smaller `max-entries` set on another device takes
    /// effect now, not only at the next add), erasing the text of what goes.
    static func apply(_ values: [String: PreferenceMerge.Stamped], history: HistoryStore, now: Int64) throws(CaroError) {
        let store = PreferencesStore(database: history.database)
        try CaroError.storage {
            try history.database.transaction(.immediate) { () throws in
                for (key, stamped) in values { try store.set(key, to: stamped.value, at: stamped.at) }
                // Metrics revoked on another device: this one stops counting and forgets its counters.
                if let metrics = values[Preferences.Key.shareMetrics.rawValue], metrics.value == "off" {
                    try MetricsStore(database: history.database).deleteAll()
                }
            }
        }
        let retention = try retention(history)
        _ = try CaroError.storage { try history.expire(retention, now: now) }
    }

    /// The retention the home's preferences ask for now.
    static func retention(_ history: HistoryStore) throws(CaroError) -> HistoryRetention {
        try CaroError.storage { try Preferences.load(from: PreferencesStore(database: history.database)).retention }
    }
}
