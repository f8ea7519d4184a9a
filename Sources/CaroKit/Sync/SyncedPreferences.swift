import CaroStore

/// Which preferences sync, and how synced values are stored on this device: the keys of
/// ``Preferences/Key`` and one `exclude:<pattern>` key per exclusion pattern (Docs/schema.md, "Preferences").
enum SyncedPreferences {
    static let keys = Set(Preferences.Key.allCases.map(\.rawValue))
    static let prefixes = [PreferencesStore.exclusionKeyPrefix]

    /// A sync engine that merges exactly these preferences.
    static func engine(applied: [String: Int] = [:], ownSession: String) -> SyncEngine {
        SyncEngine(applied: applied, ownSession: ownSession, syncedPreferenceKeys: keys, syncedPreferencePrefixes: prefixes)
    }

    /// Stores values that came from the synced preferences. A synced exclusion pattern that does not
    /// compile here is left out of the patterns (recording it would stop every `history add`), but its
    /// time is kept, so the merge stays settled.
    static func apply(_ values: [String: PreferenceMerge.Stamped], to store: PreferencesStore) throws(CaroError) {
        try CaroError.storage {
            for (key, stamped) in values.sorted(by: { $0.key < $1.key }) {
                let pattern = key.dropFirst(PreferencesStore.exclusionKeyPrefix.count)
                if key.hasPrefix(PreferencesStore.exclusionKeyPrefix), stamped.value == "on", (try? Exclusions.compile(String(pattern))) == nil {
                    try store.set(key, to: stamped.value, at: stamped.at)
                } else {
                    try store.applySynced(key, to: stamped.value, at: stamped.at)
                }
            }
        }
    }
}
