import CaroStore

/// Which preferences sync, and applying what a sync received to the home database, the same way for
/// `sync now`, `watch` and `join`: the keys of ``Preferences/syncedKeys`` (the `caro prefs` keys and the
/// delete-all watermark) and one `exclude:<pattern>` key per exclusion pattern (Docs/schema.md, "Preferences").
enum SyncedPreferences {
    static let keys = Preferences.syncedKeys
    static let prefixes = [PreferencesStore.exclusionKeyPrefix]

    /// A sync engine that merges exactly these preferences.
    static func engine(applied: [String: Int] = [:], ownSession: String, timeouts: SyncEngine.Timeouts = .init()) -> SyncEngine {
        SyncEngine(applied: applied, ownSession: ownSession, syncedPreferenceKeys: keys, syncedPreferencePrefixes: prefixes, timeouts: timeouts)
    }

    /// Stores synced preference values that are newer than the local ones, then applies the retention
    /// they give at once (a delete-all watermark or a smaller `max-entries` set on another device takes
    /// effect now, not only at the next add), erasing the text of what goes. A synced exclusion pattern
    /// that does not compile here is left out of the patterns (recording it would stop every `history
    /// add`), but its time is kept, so the merge stays settled.
    static func apply(_ values: [String: PreferenceMerge.Stamped], history: HistoryStore, now: Int64) throws(CaroError) {
        let store = PreferencesStore(database: history.database)
        try CaroError.storage {
            try history.database.transaction(.immediate) { () throws in
                for (key, stamped) in values.sorted(by: { $0.key < $1.key }) {
                    let pattern = key.dropFirst(PreferencesStore.exclusionKeyPrefix.count)
                    if key.hasPrefix(PreferencesStore.exclusionKeyPrefix), stamped.value == "on", (try? Exclusions.compile(String(pattern))) == nil {
                        try store.set(key, to: stamped.value, at: stamped.at)
                    } else {
                        try store.applySynced(key, to: stamped.value, at: stamped.at)
                    }
                }
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
