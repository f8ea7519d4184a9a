import CaroStore
import JazzProto

/// `caro sync init` and `caro sync join`: the only code that holds the 24-word account (in memory, for
/// the duration of the command). Both create this device's own Jazz account, add it to the Caro group
/// as a writer, and leave the device with only its own secret (``DeviceCredentials``).
public struct SyncSetup {
    let home: DeviceHome
    let clock: @Sendable () -> Int64
    /// How long the relay may take to answer each step (`caro sync join --timeout`).
    let answerTimeout: Duration

    public init(home: DeviceHome, clock: @escaping @Sendable () -> Int64 = { Timestamp.now() },
                answerTimeout: Duration = .seconds(60)) {
        self.home = home
        self.clock = clock
        self.answerTimeout = answerTimeout
    }

    /// What `init` and `join` did.
    public struct Outcome: Sendable {
        public var identity: JazzIdentity
        public var credentials: DeviceCredentials
        /// Entries restored into this home (join).
        public var restored: Int
        /// Entries (and deletions) this home recorded before joining, still to be pushed (join).
        public var pending = 0
    }

    // MARK: init

    /// Creates a new identity (account, profile, Caro group, root, history, preferences, devices) and
    /// this device, and waits until the relay acknowledged all of it. No CoValue and no credentials are
    /// written to the home before the relay acknowledged (an unreachable relay leaves sync unset).
    public func initialize(relay: String, deviceName: String?, caFile: String? = nil, identity givenIdentity: JazzIdentity? = nil) async throws(CaroError) -> Outcome {
        try refuseIfSetUp()
        let identity: JazzIdentity
        if let givenIdentity { identity = givenIdentity } else { identity = try Self.newIdentity() }
        let history = try HomeDatabase.open(home)
        let deviceID = try CaroError.storage { try history.deviceID() }
        let device = try Self.newDevice(name: deviceName ?? HistoryService.hostname)
        let deviceAccount = device.accountID?.description ?? ""
        let bridge = try Self.bridge(device)
        let main = try jazz { () throws(NodeError) in try LocalNode.createJazzAccount(agentSecret: identity.agentSecret, name: "Caro") }
        try CaroError.storage { try main.restoreAll(from: bridge) }
        let now = clock()
        let ids = try jazz { () throws(NodeError) -> CaroIDs in
            let group = try main.createGroup()
            try main.addMember(deviceAccount, role: .writer, to: group)
            let feed = try HistoryStream.create(in: main, caroGroup: group)
            let preferences = try main.createValue(type: "comap", owner: group)
            let devices = try main.createValue(type: "comap", owner: group)
            let root = try main.createValue(type: "comap", owner: group)
            try main.makeTransaction(
                in: root, changes: CaroRoot.creation(history: feed, preferences: preferences, devices: devices, fieldKey: FieldCipher.newKey()),
                privacy: .private)
            try main.setGroupKey(identity.accountID, key: "root", value: .string(root.description))
            let record = Self.record(deviceID: deviceID, name: deviceName, account: deviceAccount, now: now)
            try main.makeTransaction(in: devices, changes: CoMapChanges.set(deviceID, record.json), privacy: .private)
            return CaroIDs(group: group, root: root, history: feed, preferences: preferences, devices: devices)
        }
        let client = try RelayConnection.client(node: main, storage: nil, relay: relay, caFile: caFile)
        defer { client.stop() }
        try await RelayConnection.connect(client, relay: relay)
        try await RelayConnection.wait(client, timeout: answerTimeout, for: "uploading the new identity") { $0.isSynced }
        let credentials = try finish(client: client, device: device, identity: identity, relay: relay, caFile: caFile, ids: ids)
        return Outcome(identity: identity, credentials: credentials, restored: 0)
    }

    // MARK: join

    /// Adds this home as a device of the identity `phrase` opens, and restores its history. Wrong words
    /// fail before anything is sent; an identity the relay does not know fails before anything is written.
    /// `progress` is told each step (for a progress line or bar on a terminal).
    public func join(relay: String, phrase: String, deviceName: String?, caFile: String? = nil,
                     progress: (JoinProgress) -> Void = { _ in }) async throws(CaroError) -> Outcome {
        let identity: JazzIdentity
        do {
            identity = try JazzIdentity(phrase: phrase)
        } catch {
            throw .invalidArgument("Those are not valid recovery words (\(error)); check each of the 24 words and their order. Nothing was written or sent.")
        }
        SyncTrace.mark("words read")
        try refuseIfSetUp()
        let history = try HomeDatabase.open(home)
        let deviceID = try CaroError.storage { try history.deviceID() }
        SyncTrace.mark("home opened")
        let device = try Self.newDevice(name: deviceName ?? HistoryService.hostname)
        let deviceAccount = device.accountID?.description ?? ""
        let bridge = try Self.bridge(device)
        // The identity's clock: after everything of the Caro group (set once the group is loaded).
        let identityClock = DeviceClock()
        let main = LocalNode(agentSecret: identity.agentSecret, accountID: identity.accountID, environment: identityClock.environment)
        // The restore decrypts the feed slice by slice; plaintext prefetched as it arrives would sit in
        // memory beside the ciphertext until then (as much again as the feed).
        main.prefetchesPlaintexts = false
        try CaroError.storage { try main.restoreAll(from: bridge) }
        SyncTrace.mark("device created")
        let client = try RelayConnection.client(node: main, storage: nil, relay: relay, caFile: caFile)
        SyncTrace.mark("client created")
        defer { client.stop() }
        progress(.step("connecting to \(relay)"))
        try await RelayConnection.connect(client, relay: relay)
        progress(.step("loading the account"))

        let account = identity.accountID
        SyncTrace.mark("connected")

        client.load(account)
        try await RelayConnection.wait(client, timeout: answerTimeout, for: "loading the account") {
            $0.read { $0.isCompletelyLoaded(account) } || $0.isUnavailable(anyOf: [account])
        }
        guard client.read({ $0.isCompletelyLoaded(account) }) else {
            throw .failed("The relay \(relay) has no account for these words: check the words and the relay, or run caro sync init for a new identity. Nothing was written.")
        }
        guard let rootID = client.read({ $0.accountReferences().root }) else {
            throw .failed("This account has no Caro data (it was not created by caro sync init). Nothing was written.")
        }
        client.load(rootID)

        SyncTrace.mark("account loaded")
        try await RelayConnection.wait(client, timeout: answerTimeout, for: "loading Caro's root") { $0.read { $0.isCompletelyLoaded(rootID) } }
        // A compaction made on a device points the root at a newer stream: its header and group decide whether
        // to trust it (its content, maybe large, is restored as it arrives, below).
        let settings = client.read { CaroRoot.settingsMaps(rootID, in: $0, admin: account) }
        let pointed = client.read { CaroRoot.unloadedHistories(rootID, in: $0) }
        let requested = settings + pointed
        for id in requested { client.load(id) }
        try await RelayConnection.wait(client, timeout: answerTimeout, for: "loading the history stream") { client in
            client.read { node in pointed.allSatisfy { HistoryStream.canJudge($0, in: node) } } || client.isUnavailable(anyOf: pointed)
        }
        guard let root = client.read({ CaroRoot(rootID, in: $0, admin: account) }), let group = client.read({ $0.core(rootID)?.header?.ownerGroup })
        else {
            throw .failed("Caro's root in this account cannot be read (damaged or not Caro's). Nothing was written.")
        }
        if let movedAt = client.read({ IdentityMove.movedAt(root: rootID, in: $0, identity: account) }) {
            throw .failed("This identity was revoked on \(Timestamp.iso8601(movedAt)) (caro sync revoke-identity): its devices moved to a new identity; join with the new words. Nothing was written.")
        }
        guard root.schemaVersion <= CaroSchema.version else {
            throw .failed("This identity's data uses schema version \(root.schemaVersion), newer than this caro understands (\(CaroSchema.version)): upgrade caro, then join. Nothing was written.")
        }
        for id in [root.history, root.preferences, root.devices] where !requested.contains(id) { client.load(id) }
        progress(.step("downloading the history"))

        SyncTrace.mark("root loaded")
        // The preferences and the device list (small) first: the restore applies the synced preferences.
        try await RelayConnection.wait(client, timeout: answerTimeout, for: "downloading the preferences and devices") { client in
            client.read { node in [root.preferences, root.devices].allSatisfy { node.isCompletelyLoaded($0) } }
        }
        SyncTrace.mark("settings loaded")
        let ids = CaroIDs(group: group, root: rootID, history: root.history, preferences: root.preferences, devices: root.devices)
        let synced = client.read { SyncSession.preferences(in: $0, map: root.preferences) }
        let now = clock()
        let rollback = (try? history.database.useRollbackJournal()) ?? false
        defer { if rollback { try? history.database.useWAL() } }

        // Restore in one SQLite transaction, while the history downloads: the synced preferences first (a
        // synced retention applies to the entries), then the feed slice by slice as it arrives. Once it has all
        // arrived, this device joins the group; the transaction commits only when the relay has acknowledged
        // that, so a relay lost on the way leaves nothing written here, and no device there.
        let restore = try FeedRestore.applyWhileDownloading(
            root, from: client, into: history, timeout: answerTimeout, now: now,
            prepare: { () throws -> HistoryRetention in
                let local = try PreferencesStore(database: history.database).timedValues()
                    .mapValues { PreferenceMerge.Stamped(value: $0.value, at: $0.updatedAt) }
                var engine = SyncedPreferences.engine(ownSession: device.sessionID.description)
                for action in engine.handle(.start(pending: [], preferences: local, now: now)) + engine.handle(.connected(now: now))
                    + engine.handle(.pulled(items: [], preferences: synced, now: now))
                {
                    // Local preferences newer than the synced ones go out with the next sync.
                    if case .applyPreferences(let values) = action {
                        try SyncedPreferences.apply(values, history: history, now: clock())
                    }
                }
                return try SyncedPreferences.retention(history)
            },
            beforeCommit: {
                progress(.step("adding this device"))
                client.read { node in identityClock.stayAfter(group, in: node) }
                let record = Self.record(deviceID: deviceID, name: deviceName, account: deviceAccount, now: clock())
                do {
                    try client.write { node in
                        try node.addMember(deviceAccount, role: .writer, to: group)
                        try node.makeTransaction(in: root.devices, changes: CoMapChanges.set(deviceID, record.json), privacy: .private)
                    }
                } catch {
                    throw CaroError.failed("Cannot add this device to the identity: \(error)")
                }
                try RelayConnection.block(client, timeout: answerTimeout, for: "registering this device") { $0.isSynced }
                // The identity's and the device's CoValues (the rest of the feed among them) commit with the
                // history: one sync of the disk for all of it, not a second transaction after this one.
                // `finish` then finds them stored.
                let store = SQLiteCoValueStore.storage(inTransactionOf: history.database)
                if let failure = (client.read { $0.persistAll(to: store) } + device.persistAll(to: store)).first {
                    throw CaroError.failed("Cannot store \(failure.0) in the home database: \(failure.1)")
                }
            },
            progress: { walked, total in progress(.restoring(done: walked, of: total)) })
        SyncTrace.mark("restored")
        // The restore's page cache (16 MiB for a large feed) goes before the CoValue store opens one of its own.
        try? history.database.execute("PRAGMA shrink_memory")
        let credentials = try finish(client: client, device: device, identity: identity, relay: relay, caFile: caFile, ids: ids,
                                     afterRestore: true)
        SyncTrace.mark("persisted")
        var state = SyncState()
        state.applied = restore.frontier
        state.streamEntries = restore.entries
        let restored = max(restore.inserted - restore.deleted - restore.expired, 0)
        state.lastSync = clock()
        try state.save(to: home)
        SyncTrace.mark("applied")

        return Outcome(identity: identity, credentials: credentials, restored: restored,
                       pending: try CaroError.storage { try history.pendingCount() })
    }

    /// What `join` is doing, for a progress line: a named step, or the restore (feed transactions walked).
    public enum JoinProgress: Sendable, Equatable {
        case step(String)
        case restoring(done: Int, of: Int)
    }

    // MARK: Shared

    struct CaroIDs {
        var group, root, history, preferences, devices: CoID
    }

    private func refuseIfSetUp() throws(CaroError) {
        // config.toml receives the relay at the end: a broken file must stop setup before anything is sent.
        do { _ = try ConfigFile.load(home) } catch { throw error.caroError }
        if try DeviceCredentials.load(from: home) != nil {
            throw .failed("Sync is already set up on this device (\(DeviceCredentials.path(in: home))); run caro sync reset --yes first to start over.")
        }
    }

    /// A new random identity (32-byte seed, the 24 words).
    public static func newIdentity() throws(CaroError) -> JazzIdentity {
        do { return try JazzIdentity(secretSeed: SecureRandom.bytes(32)) } catch { throw .failed("Cannot create an identity: \(error)") }
    }

    /// A new Jazz account for this device, shaped as jazz-tools shapes accounts (profile `{name}`).
    static func newDevice(name: String) throws(CaroError) -> LocalNode {
        try jazz { () throws(NodeError) in try LocalNode.createJazzAccount(agentSecret: AgentSecret.random(), name: name) }
    }

    static func record(deviceID: String, name: String?, account: String, now: Int64) -> DeviceRecord {
        DeviceRecord(id: deviceID, name: name ?? HistoryService.hostname, platform: HistoryService.platform,
                     account: account, firstSeen: now, lastSeen: now)
    }

    /// The device account's CoValues in a store, for the identity's node to restore (so it can add the
    /// device to the group and send the account to the relay with its own writes).
    static func bridge(_ device: LocalNode) throws(CaroError) -> SQLiteCoValueStore {
        try CaroError.storage {
            let store = try SQLiteCoValueStore.inMemory()
            _ = device.persistAll(to: store)
            return store
        }
    }

    /// Stores everything the identity's node and the device's node hold in the home's CoValue store, then the
    /// device's credentials (last: a home with credentials always has its CoValues). After a join, whose
    /// restore stored them in its own transaction (`afterRestore`), only what arrived since is left to store,
    /// and the store keeps the journal mode the restore chose.
    private func finish(client: SyncClient, device: LocalNode, identity: JazzIdentity, relay: String, caFile: String?, ids: CaroIDs,
                        afterRestore: Bool = false) throws(CaroError) -> DeviceCredentials
    {
        let store = try DeviceNode.coValueStore(home, keepsJournalMode: afterRestore)
        // One commit for all of it (one sync of the disk, not one per CoValue).
        let failures = try CaroError.storage {
            try store.inOneTransaction { client.read { $0.persistAll(to: store) } + device.persistAll(to: store) }
        }
        if let failure = failures.first {
            throw .failed("Cannot store \(failure.0) in the home database: \(failure.1)")
        }
        guard let account = device.accountID else { throw .failed("The device account was not created.") }
        var credentials = DeviceCredentials(
            agentSecret: device.agentSecret.description, account: account.description, session: device.sessionID.description,
            relay: relay, identity: identity.accountID.description, group: ids.group.description, root: ids.root.description,
            history: ids.history.description, preferences: ids.preferences.description, devices: ids.devices.description)
        credentials.ca = caFile
        try DeviceCredentials.configure(relay: relay, caFile: caFile, in: home)
        try credentials.save(to: home)
        return credentials
    }
}

/// Runs a Jazz operation, turning its error into ``CaroError/failed(_:)``.
func jazz<T>(_ body: () throws(NodeError) -> T) throws(CaroError) -> T {
    do { return try body() } catch { throw .failed("Jazz: \(error)") }
}
