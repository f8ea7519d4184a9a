import CaroKit

/// `caro history stats --json`.
struct StatsOutput: Encodable {
    struct CommandCount: Encodable {
        var command: String
        var count: Int
    }

    /// Live entries.
    var entries: Int
    /// Deleted entries kept as tombstones.
    var deleted: Int
    /// Entries not pushed by sync yet.
    var pending: Int
    var maxEntries: Int
    var retentionDays: Int
    var oldest: String?
    var newest: String?
    var topCommands: [CommandCount]

    init(_ stats: HistoryStats) {
        entries = stats.entries
        deleted = stats.deleted
        pending = stats.pending
        maxEntries = stats.maxEntries
        retentionDays = stats.retentionDays
        oldest = stats.oldest.map(Timestamp.iso8601)
        newest = stats.newest.map(Timestamp.iso8601)
        topCommands = stats.topCommands.map { CommandCount(command: $0.command, count: $0.count) }
    }

    enum CodingKeys: String, CodingKey { case entries, deleted, pending, maxEntries, retentionDays, oldest, newest, topCommands }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(entries, forKey: .entries)
        try container.encode(deleted, forKey: .deleted)
        try container.encode(pending, forKey: .pending)
        try container.encode(maxEntries, forKey: .maxEntries)
        try container.encode(retentionDays, forKey: .retentionDays)
        try container.encodeOrNull(oldest, forKey: .oldest)
        try container.encodeOrNull(newest, forKey: .newest)
        try container.encode(topCommands, forKey: .topCommands)
    }
}

/// `caro history delete --json`.
struct DeleteOutput: Encodable {
    var deleted: Int
}

/// `caro history add --json` for an entry an exclusion rule dropped (nothing stored).
struct ExcludedOutput: Encodable {
    var excluded = true
    var rule: String
}

/// `caro exclude list --json`.
struct ExclusionListOutput: Encodable {
    struct Rule: Encodable {
        var name: String
        var action: String
        var summary: String
    }

    /// The user's patterns, in the order they were added.
    var patterns: [String]
    /// Whether the built-in rules apply.
    var builtin: Bool
    /// The built-in rules.
    var builtinRules: [Rule]
}

/// `caro exclude test --json`.
struct ExclusionTestOutput: Encodable {
    /// True when a rule matched (the command would be dropped or redacted).
    var excluded: Bool
    /// `keep`, `drop` or `redact`.
    var action: String
    /// The rules that matched.
    var rules: [String]
    /// What would be stored (null when dropped).
    var stored: String?

    enum CodingKeys: String, CodingKey { case excluded, action, rules, stored }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(excluded, forKey: .excluded)
        try container.encode(action, forKey: .action)
        try container.encode(rules, forKey: .rules)
        try container.encodeOrNull(stored, forKey: .stored)
    }
}

/// `caro prefs get --json`: one key and its typed value.
struct PreferenceOutput: Encodable {
    var key: String
    var value: PreferenceValue
}

/// A preference value with its JSON type (number or boolean).
struct PreferenceValue: Encodable {
    var value: Preferences.Value

    func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch value {
        case .integer(let number): try container.encode(number)
        case .boolean(let flag): try container.encode(flag)
        }
    }
}

/// An error under `--json` (on stderr).
struct ErrorOutput: Encodable {
    var error: String
    var exitCode: Int
}

/// `caro prefs list --json`: every key and its typed value, in ``Preferences/Key`` order.
struct PreferencesOutput: Encodable {
    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    var preferences: Preferences

    init(_ preferences: Preferences) { self.preferences = preferences }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for key in Preferences.Key.allCases {
            try container.encode(PreferenceValue(value: preferences.value(of: key)), forKey: Key(stringValue: key.rawValue))
        }
    }
}
