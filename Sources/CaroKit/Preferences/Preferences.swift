import CaroStore

/// The user's preferences for this home: one typed value, read and written through ``load(from:)`` and
/// ``set(_:to:in:now:)``. Stored today as rows of the home database (device-local); the sync issue turns
/// the synced keys into a Jazz CoMap behind this same type.
public struct Preferences: Sendable, Equatable {
    /// Keep at most this many entries (the oldest go first); 0 = unlimited.
    public var maxEntries: Int = 10_000
    /// Drop entries older than this many days; 0 = unlimited.
    public var retentionDays: Int = 0
    /// The built-in secret rules (`caro exclude builtin on|off`).
    public var builtinExclusions: Bool = true
    /// With sync set up, `caro history add` starts a background `caro sync now` at most once per this
    /// many minutes (0 = never: sync only with `caro sync now|watch`).
    public var syncFrequencyMinutes: Int = 0
    /// The user's exclusion patterns (`caro exclude add|remove`).
    public var exclusionPatterns: [String] = []
    /// The last `caro history delete --all` on any device (ms since the epoch; 0 = never): no entry
    /// created at or before it is kept. Synced under ``clearedBeforeKey`` (not a `caro prefs` key).
    public var clearedBefore: Int64 = 0
    /// Opt-in usage counters (`caro community enable|revoke`): off unless the user turned them on.
    public var shareMetrics: Bool = false

    public init() {}

    /// The preferences-table and synced-CoMap key of ``clearedBefore`` (its value: the milliseconds as
    /// text; its time: the same milliseconds, so "last write wins" keeps the latest delete-all).
    public static let clearedBeforeKey = "history-cleared-before"

    /// Every key that syncs through the preferences CoMap: the `caro prefs` keys and ``clearedBeforeKey``.
    public static let syncedKeys: Set<String> = Set(Key.allCases.map(\.rawValue) + [clearedBeforeKey])

    /// The keys `caro prefs get|set` accept.
    public enum Key: String, CaseIterable, Sendable {
        case maxEntries = "max-entries"
        case retentionDays = "retention-days"
        case excludeBuiltin = "exclude-builtin"
        case syncFrequency = "sync-frequency"
        case shareMetrics = "share-metrics"

        /// One line for `caro prefs list` and the docs.
        public var summary: String {
            switch self {
            case .maxEntries: return "keep at most this many history entries, oldest dropped first (0 = unlimited)"
            case .retentionDays: return "drop history entries older than this many days (0 = unlimited)"
            case .excludeBuiltin: return "apply the built-in secret filters (on|off)"
            case .syncFrequency: return "with sync set up, history add syncs in the background at most once per this many minutes (0 = never)"
            case .shareMetrics: return "count commands for caro community (counts only, never text; on|off, default off)"
            }
        }

        /// Parses a key, or explains which keys exist.
        public init(parsing text: String) throws(CaroError) {
            guard let key = Key(rawValue: text) else {
                throw .invalidArgument(
                    "Unknown preference '\(text)': the keys are \(Key.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            self = key
        }
    }

    /// A preference value as printed (`--json` keeps its type).
    public enum Value: Equatable, Sendable {
        case integer(Int)
        case boolean(Bool)

        /// `10000`, `on`, `off`.
        public var text: String {
            switch self {
            case .integer(let value): return String(value)
            case .boolean(let value): return value ? "on" : "off"
            }
        }
    }

    /// The value of `key`.
    public func value(of key: Key) -> Value {
        switch key {
        case .maxEntries: return .integer(maxEntries)
        case .retentionDays: return .integer(retentionDays)
        case .excludeBuiltin: return .boolean(builtinExclusions)
        case .syncFrequency: return .integer(syncFrequencyMinutes)
        case .shareMetrics: return .boolean(shareMetrics)
        }
    }

    /// Sets `key` from the text a user typed; throws ``CaroError/invalidArgument(_:)`` for a bad value.
    public mutating func set(_ key: Key, from text: String) throws(CaroError) {
        switch key {
        case .maxEntries: maxEntries = try Self.count(text, key: key)
        case .retentionDays: retentionDays = try Self.count(text, key: key)
        case .excludeBuiltin: builtinExclusions = try Self.switchValue(text, key: key)
        case .syncFrequency: syncFrequencyMinutes = try Self.count(text, key: key)
        case .shareMetrics: shareMetrics = try Self.switchValue(text, key: key)
        }
    }

    /// The retention these preferences ask for.
    public var retention: HistoryRetention {
        HistoryRetention(maxEntries: maxEntries, maxAgeDays: retentionDays, clearedBefore: clearedBefore)
    }

    // MARK: Storage

    /// Reads the preferences of a home database; unset keys keep their defaults, and a stored value
    /// that no longer parses is ignored (the default applies).
    public static func load(from store: PreferencesStore) throws(SQLiteError) -> Preferences {
        var preferences = Preferences()
        preferences.take(try store.values())
        preferences.exclusionPatterns = try store.exclusionPatterns()
        return preferences
    }

    /// Takes stored values (key name → text) over these: the known keys whose text parses (a value that no
    /// longer parses is ignored), and the delete-all watermark, which only moves forward.
    mutating func take(_ values: [String: String]) {
        for (name, text) in values {
            if name == Self.clearedBeforeKey, let watermark = Int64(text), watermark > 0 { clearedBefore = max(clearedBefore, watermark) }
            guard let key = Key(rawValue: name) else { continue }
            try? set(key, from: text)
        }
    }

    /// Validates and stores one preference; returns the new preferences.
    @discardableResult
    public static func set(_ key: Key, to text: String, in store: PreferencesStore, now: Int64) throws(CaroError) -> Preferences {
        var preferences = try CaroError.storage { try load(from: store) }
        try preferences.set(key, from: text)
        let stored = preferences.value(of: key).text
        try CaroError.storage { try store.set(key.rawValue, to: stored, at: now) }
        return preferences
    }

    static func count(_ text: String, key: Key) throws(CaroError) -> Int {
        guard let value = Int(text.trimmingCharacters(in: " ")), value >= 0 else {
            throw .invalidArgument("\(key.rawValue) must be a whole number of 0 or more (0 = unlimited), not '\(text)'.")
        }
        return value
    }

    static func switchValue(_ text: String, key: Key) throws(CaroError) -> Bool {
        switch text.lowercased() {
        case "on", "true", "yes", "1": return true
        case "off", "false", "no", "0": return false
        default: throw .invalidArgument("\(key.rawValue) must be on or off, not '\(text)'.")
        }
    }
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        var result = Substring(self)
        while result.first == set { result.removeFirst() }
        while result.last == set { result.removeLast() }
        return String(result)
    }
}
