import CaroStore

/// `caro export` and `caro import`: a snapshot of the home (decrypted, from SQLite and, with sync set up,
/// the device list of the last sync), and the merge of such a snapshot back into a home.
public struct CaroExportService {
    let home: DeviceHome
    let clock: () -> Int64

    public init(home: DeviceHome, clock: @escaping () -> Int64 = Timestamp.now) {
        self.home = home
        self.clock = clock
    }

    /// Everything the home holds, in the order the file is written (so two exports of the same data are
    /// the same bytes).
    public func snapshot() throws(CaroError) -> CaroExport {
        let history = try HomeDatabase.open(home)
        let store = PreferencesStore(database: history.database)
        var export = CaroExport()
        try CaroError.storage { () throws in
            try history.database.transaction(.deferred) { () throws in
                export.history = try history.liveRows()
                export.deletions = try history.tombstones().map { HistoryBatch.Deletion(id: $0.id, deletedAt: $0.deletedAt) }
                let timed = try store.timedValues()
                let preferences = try Preferences.load(from: store)
                export.preferences = Preferences.Key.allCases.map { key in
                    CaroExport.Preference(key: key.rawValue, value: preferences.value(of: key).text, setAt: timed[key.rawValue]?.updatedAt)
                }
                if let watermark = timed[Preferences.clearedBeforeKey], preferences.clearedBefore > 0 {
                    export.preferences.append(CaroExport.Preference(
                        key: Preferences.clearedBeforeKey, value: String(preferences.clearedBefore), setAt: watermark.updatedAt))
                }
                export.exclusions = preferences.exclusionPatterns
                export.currentDevice = try history.deviceID()
            }
        }
        // The device list is informational: a sync setup that cannot be read does not stop the export.
        do {
            if try DeviceCredentials.load(from: home) != nil { export.devices = try SyncStatusService(home: home).devices().devices }
        } catch {
            export.devicesProblem = error.description
        }
        return export
    }

    /// What ``merge(_:progress:)`` did.
    public struct MergeResult: Sendable, Equatable {
        public var history = HistoryMergeResult()
        public var preferences = 0
        public var exclusions = 0
    }

    /// Merges `export` into the home: entries by ID (an entry already here, live or deleted, adds
    /// nothing), deletions applied (deletion wins), preferences by "last set wins" (a key set later here
    /// keeps its value), exclusion patterns added. Entries and deletions are written pending, so the next
    /// sync pushes them. One transaction: on any error nothing is written.
    public func merge(_ export: CaroExport, progress: ((Int) -> Void)? = nil) throws(CaroError) -> MergeResult {
        let history = try HomeDatabase.open(home)
        let store = PreferencesStore(database: history.database)
        let now = clock()
        var result = MergeResult()
        try CaroError.storage { () throws in
            result.history = try history.merge(
                entries: export.history, deletions: export.deletions.map { ($0.id, $0.deletedAt) }, now: now, progress: progress
            ) { () throws -> HistoryRetention in
                let local = try store.timedValues()
                for preference in export.preferences {
                    guard let setAt = preference.setAt, Preferences.syncedKeys.contains(preference.key) else { continue }
                    if let mine = local[preference.key], mine.updatedAt >= setAt { continue }
                    try store.set(preference.key, to: preference.value, at: setAt)
                    result.preferences += 1
                }
                for pattern in export.exclusions where try store.addExclusionPattern(pattern, at: now) { result.exclusions += 1 }
                return try Preferences.load(from: store).retention
            }
        }
        return result
    }
}
