import CaroStore

/// Everything a `caro export` file holds (Docs/cli.md, "caro export"): the live entries, the deletions,
/// the preferences with the time each was set, the exclusion patterns, and the identity's devices.
/// Built by ``CaroExportService/snapshot()``, written by the CLI, read back by ``CaroExportReader``.
public struct CaroExport: Sendable, Equatable {
    /// The file format this `caro` writes and reads (`formatVersion`).
    public static let formatVersion = 1

    /// A preference as exported: its text (as `caro prefs get` prints it) and when it was set (nil:
    /// never set, the default applies).
    public struct Preference: Sendable, Equatable {
        public var key: String
        public var value: String
        public var setAt: Int64?
        public init(key: String, value: String, setAt: Int64?) {
            self.key = key
            self.value = value
            self.setAt = setAt
        }
    }

    /// Live entries, oldest first by (`createdAt`, `id`).
    public var history: [HistoryRow] = []
    /// Deleted (or expired) entry IDs with their deletion time, by ID.
    public var deletions: [HistoryBatch.Deletion] = []
    /// Every `caro prefs` key in ``Preferences/Key`` order, then the delete-all watermark when there is one.
    public var preferences: [Preference] = []
    /// The user's exclusion patterns, in the order they were added.
    public var exclusions: [String] = []
    /// The identity's devices as of the last sync (empty without sync); informational, never imported.
    public var devices: [DeviceRecord] = []
    /// Why ``devices`` is empty although sync is set up (the device list could not be read), if so.
    public var devicesProblem: String?
    /// This device's ID (marks the current device in ``devices``).
    public var currentDevice: String = ""

    public init() {}

    /// How many records the file holds (entries, deletions, preferences, exclusions, devices).
    public var recordCount: Int { history.count + deletions.count + preferences.count + exclusions.count + devices.count }
}
