import CaroStore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Caro's local history: record, search, show, delete, count. Applies the exclusions before anything
/// is stored and the retention preferences after every add. Everything is local: no network.
///
/// Not thread-safe (one SQLite connection); one per command invocation.
public final class HistoryService {
    /// The underlying store (for importers' progress, sync, and tests).
    public let store: HistoryStore
    /// Where now comes from (tests pass a fixed clock).
    let clock: () -> Int64

    /// Opens the home's database.
    public convenience init(home: DeviceHome) throws(CaroError) {
        self.init(store: try HomeDatabase.open(home))
    }

    public init(store: HistoryStore, clock: @escaping () -> Int64 = Timestamp.now) {
        self.store = store
        self.clock = clock
    }

    /// The home's preferences (read on each call: cheap, two small queries).
    public func preferences() throws(CaroError) -> Preferences {
        try CaroError.storage { try Preferences.load(from: PreferencesStore(database: store.database)) }
    }

    // MARK: Recording

    /// Screens `entry` with the exclusions, then stores it and applies retention in one transaction.
    /// A blank command is refused with ``CaroError/invalidArgument(_:)`` (exit 2).
    public func add(_ entry: NewHistoryEntry) throws(CaroError) -> AddOutcome {
        guard !entry.command.allSatisfy(\.isWhitespace) else {
            throw .invalidArgument("--command is empty: give the command line to record.")
        }
        let preferences = try preferences()
        let exclusions = try Exclusions(patterns: preferences.exclusionPatterns, builtinRules: preferences.builtinExclusions)
        var entry = entry
        let verdict = exclusions.screen(&entry)
        if case .drop(let rule) = verdict { return .excluded(rule: rule) }
        let now = clock()
        let row = try makeRow(entry, now: now)
        // Opt-in metrics: with share-metrics off (the default) nothing is counted and no statement runs.
        let counters = preferences.shareMetrics
            ? UsageCounters.names(prompt: row.prompt, executed: row.executed, exitCode: row.exitCode, safetyLevel: row.safetyLevel,
                                  shell: row.shell)
            : []
        _ = try CaroError.storage { try store.insert(row, retention: preferences.retention, now: now, counters: counters) }
        return .stored(row, verdict: verdict)
    }

    /// Records many entries at once (imports): screens each, stores the rest in one transaction
    /// (entries whose `importKey` is already stored count as duplicates), then applies retention.
    /// `progress` gets the number of entries handled so far.
    public func add(batch entries: [NewHistoryEntry], progress: ((Int) -> Void)? = nil) throws(CaroError) -> BatchAddResult {
        let preferences = try preferences()
        let exclusions = try Exclusions(patterns: preferences.exclusionPatterns, builtinRules: preferences.builtinExclusions)
        let now = clock()
        var result = BatchAddResult()
        var rows: [HistoryRow] = []
        rows.reserveCapacity(entries.count)
        // Random bits for thousands of IDs, fetched in bulk (one `history add` keeps the system generator:
        // setting up the bulk source costs more than its two calls).
        var random = UUIDv7.RandomBits()
        for var entry in entries {
            if case .drop = exclusions.screen(&entry) {
                result.excluded += 1
                continue
            }
            rows.append(try makeRow(entry, now: now, random: &random))
        }
        let stored = try CaroError.storage {
            try store.insert(rows, retention: preferences.retention, now: now, progress: progress)
        }
        result.imported = stored.inserted
        result.duplicates = stored.duplicates
        result.expired = stored.expired
        return result
    }

    private var cachedDeviceID: String?

    func makeRow(_ entry: NewHistoryEntry, now: Int64) throws(CaroError) -> HistoryRow {
        var random = SystemRandomNumberGenerator()
        return try makeRow(entry, now: now, random: &random)
    }

    func makeRow(_ entry: NewHistoryEntry, now: Int64, random: inout some RandomNumberGenerator) throws(CaroError) -> HistoryRow {
        if cachedDeviceID == nil { cachedDeviceID = try CaroError.storage { try store.deviceID() } }
        let createdAt = entry.createdAt ?? now
        return HistoryRow(
            id: UUIDv7.make(milliseconds: createdAt, using: &random), createdAt: createdAt, command: entry.command, prompt: entry.prompt,
            explanation: entry.explanation, executed: entry.executed, exitCode: entry.exitCode, durationMs: entry.durationMs,
            cwd: entry.cwd, shell: entry.shell, hostname: Self.hostname, deviceID: cachedDeviceID, platform: Self.platform,
            safetyLevel: entry.safetyLevel, tags: entry.tags, importKey: entry.importKey)
    }

    /// This machine's host name.
    public static let hostname: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }()

    /// `linux` or `macos`.
    public static let platform: String = {
        #if os(Linux)
            return "linux"
        #elseif os(macOS)
            return "macos"
        #else
            return "unknown"
        #endif
    }()

    // MARK: Reading

    /// The live entries `query` matches, newest first (oldest first with `reverse`).
    public func search(_ query: HistoryQuery) throws(CaroError) -> [HistoryRow] {
        try CaroError.storage { try store.entries(matching: query) }
    }

    /// The live entry with `id` (or with a unique ID prefix of 8+ characters).
    /// Throws ``CaroError/notFound(_:)`` for an unknown or deleted ID.
    public func entry(id: String) throws(CaroError) -> HistoryRow {
        let id = try resolve(id)
        guard let row = try CaroError.storage({ try store.entry(id: id) }), row.isLive else {
            throw .notFound("No history entry has the ID \(id) (it may have been deleted): `caro history list` shows the IDs.")
        }
        return row
    }

    /// A full ID for `id`, which may be a unique prefix of at least 8 characters.
    func resolve(_ id: String) throws(CaroError) -> String {
        let lowered = id.lowercased()
        guard lowered.count < 36, lowered.count >= 8 else { return lowered }
        let matches = try CaroError.storage { try store.ids(withPrefix: lowered) }
        if matches.count == 1 { return matches[0] }
        if matches.count > 1 { throw .invalidArgument("The ID prefix \(id) matches several entries: give more characters.") }
        return lowered
    }

    // MARK: Deleting

    /// Deletes these entries (they become tombstones that sync spreads; deletion wins). If any ID is
    /// unknown nothing is deleted and ``CaroError/notFound(_:)`` names it.
    public func delete(ids: [String]) throws(CaroError) -> Int {
        var resolved: [String] = []
        for id in ids {
            let full = try resolve(id)
            guard let row = try CaroError.storage({ try store.entry(id: full) }), row.isLive else {
                throw .notFound("No history entry has the ID \(id) (nothing was deleted): `caro history list` shows the IDs.")
            }
            resolved.append(full)
        }
        return try CaroError.storage { try store.delete(ids: resolved, at: clock()) }
    }

    /// Deletes every live entry `query` matches; returns how many.
    public func delete(matching query: HistoryQuery) throws(CaroError) -> Int {
        try CaroError.storage { try store.delete(matching: query, at: clock()) }
    }

    /// `caro history delete --all`: deletes every entry created at or before now, here and — through
    /// the synced watermark ``Preferences/clearedBefore`` — on every device at its next sync, including
    /// entries another device recorded before now and has not pushed yet; entries created later stay.
    /// Returns how many entries went here.
    public func deleteAll() throws(CaroError) -> Int {
        let watermark = max(clock(), try preferences().clearedBefore)
        let preferencesStore = PreferencesStore(database: store.database)
        return try CaroError.storage {
            try store.expire(HistoryRetention(maxEntries: 0, maxAgeDays: 0, clearedBefore: watermark), now: watermark) {
                try preferencesStore.set(Preferences.clearedBeforeKey, to: String(watermark), at: watermark)
            }
        }
    }

    // MARK: Counting

    /// Entries that are still in the synced history stream but no longer live — deleted, expired by
    /// retention, or cleared by a delete-all (tombstones already pushed or received): what a compaction
    /// would reclaim, for an automatic compaction past a threshold.
    public func reclaimableCount() throws(CaroError) -> Int {
        try CaroError.storage { try store.reclaimableCount() }
    }

    /// Counts for `caro history stats`.
    public func stats(top: Int = 10) throws(CaroError) -> HistoryStats {
        let preferences = try preferences()
        let counts = try CaroError.storage { try store.stats(top: top) }
        return HistoryStats(
            entries: counts.live, deleted: counts.deleted, pending: counts.pending, maxEntries: preferences.maxEntries,
            retentionDays: preferences.retentionDays, oldest: counts.oldest, newest: counts.newest,
            topCommands: counts.topCommands.map { HistoryStats.CommandCount(command: $0.command, count: $0.count) })
    }
}

/// What `caro history stats` reports.
public struct HistoryStats: Sendable, Equatable {
    public struct CommandCount: Sendable, Equatable {
        public var command: String
        public var count: Int
    }

    /// Live entries.
    public var entries: Int
    /// Deleted entries kept as tombstones for sync.
    public var deleted: Int
    /// Entries not pushed by sync yet.
    public var pending: Int
    public var maxEntries: Int
    public var retentionDays: Int
    /// Times of the oldest and newest live entries (ms since the epoch).
    public var oldest: Int64?
    public var newest: Int64?
    public var topCommands: [CommandCount]
}
