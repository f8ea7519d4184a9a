import Foundation

/// What the last syncs of this device did (`sync-state.json` in the data directory): the feed items
/// already applied (so they are not decoded again) and the last result, for `caro sync status`.
public struct SyncState: Codable, Sendable, Equatable {
    /// Per feed session, how many of its transactions are applied.
    public var applied: [String: Int] = [:]
    /// The history stream `applied` counts in (nil: the one in `sync.json`); a compaction replaces it.
    public var stream: String?
    /// Entry records applied from that stream (duplicates included): with the live count, how much a
    /// compaction would reclaim.
    public var streamEntries: Int?
    /// When the last sync finished (ms since the epoch), and what it did.
    public var lastSync: Int64?
    public var lastSummary: SyncSummary?
    /// The last failure's message, cleared by the next success.
    public var lastError: String?

    public init() {}

    static func path(in home: DeviceHome) -> String { home.dataDirectory + "/sync-state.json" }

    /// The state of `home` (empty if there is none or it cannot be read: then everything is applied
    /// again, which adds nothing).
    public static func load(from home: DeviceHome) -> SyncState {
        guard let data = FileManager.default.contents(atPath: path(in: home)),
            let state = try? JSONDecoder().decode(SyncState.self, from: data)
        else { return SyncState() }
        return state
    }

    public func save(to home: DeviceHome) throws(CaroError) {
        guard let data = try? JSONEncoder().encode(self) else { return }
        try SecretFile.write(data, to: Self.path(in: home))
    }
}
