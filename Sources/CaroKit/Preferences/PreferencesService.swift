import CaroStore

/// `caro prefs …`: read and change the home's ``Preferences``.
public struct PreferencesService {
    let store: PreferencesStore
    let database: SQLiteDatabase
    let clock: () -> Int64

    public init(database: SQLiteDatabase, clock: @escaping () -> Int64 = Timestamp.now) {
        store = PreferencesStore(database: database)
        self.database = database
        self.clock = clock
    }

    /// The current preferences (defaults for keys never set).
    public func load() throws(CaroError) -> Preferences {
        try CaroError.storage { try Preferences.load(from: store) }
    }

    /// Checks and stores `value` for the key named `key`; returns the stored value. A retention key
    /// applies at once (as it will on the other devices when they sync).
    public func set(_ key: String, to value: String) throws(CaroError) -> Preferences.Value {
        let key = try Preferences.Key(parsing: key)
        let now = clock()
        let preferences = try Preferences.set(key, to: value, in: store, now: now)
        if key == .maxEntries || key == .retentionDays {
            _ = try CaroError.storage { try HistoryStore(database: database).expire(preferences.retention, now: now) }
        }
        return preferences.value(of: key)
    }

    /// The value of the key named `key`.
    public func get(_ key: String) throws(CaroError) -> Preferences.Value {
        try load().value(of: try Preferences.Key(parsing: key))
    }
}
