import CaroStore

/// `caro exclude …`: the user's patterns and the built-in rules' switch, stored with the preferences.
public struct ExclusionService {
    let store: PreferencesStore
    let clock: () -> Int64

    public init(database: SQLiteDatabase, clock: @escaping () -> Int64 = Timestamp.now) {
        store = PreferencesStore(database: database)
        self.clock = clock
    }

    /// Adds a pattern after checking that it compiles (nothing is stored if it does not). Returns
    /// false if it was already there.
    public func add(_ pattern: String) throws(CaroError) -> Bool {
        _ = try Exclusions.compile(pattern)
        return try CaroError.storage { try store.addExclusionPattern(pattern, at: clock()) }
    }

    /// Removes a pattern; ``CaroError/notFound(_:)`` if there is no such pattern.
    public func remove(_ pattern: String) throws(CaroError) {
        guard try CaroError.storage({ try store.removeExclusionPattern(pattern, at: clock()) }) else {
            throw .notFound("There is no exclusion pattern '\(pattern)': `caro exclude list` shows them.")
        }
    }

    /// The user's patterns and whether the built-in rules are on.
    public func current() throws(CaroError) -> Preferences {
        try CaroError.storage { try Preferences.load(from: store) }
    }

    /// Turns the built-in secret rules on or off.
    public func setBuiltin(_ enabled: Bool) throws(CaroError) {
        try Preferences.set(.excludeBuiltin, to: enabled ? "on" : "off", in: store, now: clock())
    }

    /// What would happen to `command` if it were recorded now.
    public func test(_ command: String) throws(CaroError) -> Exclusions.Screened {
        let preferences = try current()
        return try Exclusions(patterns: preferences.exclusionPatterns, builtinRules: preferences.builtinExclusions).screen(command)
    }
}
