import CaroStore
import JazzProto

/// `caro community …`: the opt-in usage counters (Docs/security.md, "Opt-in metrics"). Off by default
/// (the synced preference `share-metrics`); `enable` turns counting on, `preview` shows the snapshot that
/// would be shared (this device's counters plus the synced counters of the user's other devices),
/// `contribute` appends it to a community CoFeed as a fresh anonymous account, `revoke` turns counting off
/// and deletes this device's counters, locally and (at the next sync) in the synced data.
public struct CommunityMetrics {
    let home: DeviceHome

    public init(home: DeviceHome) {
        self.home = home
    }

    /// What would be shared: the counters summed over the user's devices.
    public struct Snapshot: Sendable, Equatable {
        public var counters: UsageCounters
        /// How many devices' counters are in the sum (this one included).
        public var devices: Int
        public var enabled: Bool
    }

    /// `caro community enable`: sets `share-metrics` on (it syncs, so every device of the identity counts).
    public func enable() throws(CaroError) {
        let database = try HomeDatabase.open(home).database
        _ = try PreferencesService(database: database).set(Preferences.Key.shareMetrics.rawValue, to: "on")
    }

    /// `caro community preview`: this device's counters plus, when sync is set up, the other devices'
    /// synced counters as of the last sync. Reads only local files (no network).
    public func snapshot() throws(CaroError) -> Snapshot {
        let history = try HomeDatabase.open(home)
        let enabled = try CaroError.storage { try Preferences.load(from: PreferencesStore(database: history.database)).shareMetrics }
        var counters = UsageCounters(rows: try CaroError.storage { try MetricsStore(database: history.database).counts() })
        var devices = 1
        if let credentials = try DeviceCredentials.load(from: home) {
            let deviceID = try CaroError.storage { try history.deviceID() }
            let store = try DeviceNode.coValueStore(home)
            let node = try DeviceNode.open(credentials)
            try CaroError.storage { _ = try node.restoreAll(from: store) }
            for (otherID, synced) in Self.syncedCounters(in: node, devices: try credentials.id(credentials.devices)) where otherID != deviceID {
                counters = counters + synced
                devices += 1
            }
        }
        return Snapshot(counters: counters, devices: devices, enabled: enabled)
    }

    /// The counters each device synced (key `metrics:<device ID>` of the devices CoMap), by device ID.
    static func syncedCounters(in node: LocalNode, devices: CoID) -> [(String, UsageCounters)] {
        guard let object = node.view(of: devices)?.objectValue else { return [] }
        return object.compactMap { key, value in
            guard key.hasPrefix("metrics:"), let counters = UsageCounters(json: value) else { return nil }
            return (String(key.dropFirst("metrics:".count)), counters)
        }
    }

    /// What `revoke` did.
    public struct Revocation: Sendable, Equatable {
        /// Counter rows deleted on this device.
        public var deletedCounters: Int
        /// True when a sync removed this device's synced counters now; false when that waits for the next
        /// sync (sync not set up, paused, or the relay unreachable).
        public var syncedRemoved: Bool
    }

    /// `caro community revoke`: `share-metrics` off, this device's counters deleted; with sync set up, a
    /// sync then spreads the preference and deletes this device's synced counters (if the relay cannot be
    /// reached, the next sync does).
    public func revoke() async throws(CaroError) -> Revocation {
        let history = try HomeDatabase.open(home)
        _ = try PreferencesService(database: history.database).set(Preferences.Key.shareMetrics.rawValue, to: "off")
        let deleted = try CaroError.storage { try MetricsStore(database: history.database).deleteAll() }
        var synced = false
        if let credentials = try DeviceCredentials.load(from: home), !credentials.paused {
            synced = (try? await SyncSession(home: home).syncNow()) != nil
        }
        return Revocation(deletedCounters: deleted, syncedRemoved: synced)
    }

    /// `caro community contribute`: appends the snapshot to the configured community feed, written by a
    /// new random Jazz account made for this one contribution (nothing links it to the identity or the
    /// device). Returns the snapshot sent.
    public func contribute() async throws(CaroError) -> Snapshot {
        let snapshot = try snapshot()
        guard snapshot.enabled else {
            throw .failed("Metrics are off: run caro community enable first (and let caro count some commands). Nothing was sent.")
        }
        let config: DeviceConfig
        do {
            config = try ConfigFile.load(home)
        } catch {
            throw error.caroError
        }
        guard let feedText = config.communityFeed, let feed = try? CoID(feedText) else {
            throw .failed("No community feed is configured: set the feed's ID with caro config set community-feed co_z… (Docs/config.md). Nothing was sent.")
        }
        let syncRelay = try DeviceCredentials.load(from: home)?.relay
        guard let relay = config.communityRelay ?? config.relay ?? syncRelay else {
            throw .failed("No relay for the community feed: set community-relay (or relay) with caro config set. Nothing was sent.")
        }
        let node: LocalNode
        do {
            node = try LocalNode.createAccount(agentSecret: AgentSecret.random())
        } catch {
            throw .failed("Cannot create an anonymous account: \(error)")
        }
        let client = try RelayConnection.client(node: node, storage: nil, relay: relay, caFile: config.relayCAFile)
        defer { client.stop() }
        try await RelayConnection.connect(client, relay: relay)
        client.load(feed)
        try await RelayConnection.wait(client, for: "loading the community feed") {
            $0.read { $0.isCompletelyLoaded(feed) } || $0.isUnavailable(anyOf: [feed])
        }
        let isCommunityFeed = client.read { node -> Bool in
            guard let header = node.core(feed)?.header, header.type == "costream", let group = header.ownerGroup else { return false }
            return node.groupState(for: group)?.value("everyone")?.stringValue == Role.writeOnly.rawValue
        }
        guard client.read({ $0.isCompletelyLoaded(feed) }) else {
            throw .failed("The relay \(relay) has no community feed \(feed): check community-feed and community-relay. Nothing was sent.")
        }
        guard isCommunityFeed else {
            throw .failed("\(feed) is not a community feed (a CoFeed whose group gives everyone the writeOnly role). Nothing was sent.")
        }
        do {
            try client.write { node in
                try node.makeTransaction(in: feed, changes: CoStreamChanges.push(snapshot.counters.json), privacy: .private)
            }
        } catch {
            throw .failed("Cannot add to the community feed: \(error). Nothing was sent.")
        }
        try await RelayConnection.wait(client, for: "sending the snapshot") { $0.isSynced }
        return snapshot
    }
}
