import CaroStore

/// One `caro sync now` as a pure state machine (style-product.md §8): events in, actions out. It owns no
/// socket and no clock — ``SyncSession`` does the I/O and passes `now` (milliseconds) in every event that
/// needs it, so tests drive it without a relay.
///
/// The run: connect (fail as *unreachable* past ``Timeouts/connect``) → wait until the relay and this
/// device agree on every CoValue (pull) → apply the remote history items not applied before (idempotent
/// upserts: entries keep their IDs, deletions win) → push the pending rows as one transaction per batch →
/// once the relay acknowledged them, clear their pending flags → finish.
public struct SyncEngine: Sendable {
    /// How long each phase may take (milliseconds).
    public struct Timeouts: Sendable, Equatable {
        public var connect: Int64 = 5_000
        public var pull: Int64 = 30_000
        public var push: Int64 = 30_000
        /// A relay that keeps answering extends a wait up to this many times its timeout, no further.
        public static let longestWaitFactor: Int64 = 20
        public init() {}
        /// Receiving the relay's changes and the acknowledgement of the push may each take `seconds`
        /// (connecting keeps its 5 s).
        public init(answerWithin seconds: Int) {
            pull = Int64(seconds) * 1_000
            push = pull
        }
    }

    /// One history item of the feed, as decoded by the session: its place in the feed (session and
    /// transaction index) and its batch.
    public struct FeedItem: Sendable, Equatable {
        public var session: String
        public var txIndex: Int
        public var batch: HistoryBatch
        public init(session: String, txIndex: Int, batch: HistoryBatch) {
            self.session = session
            self.txIndex = txIndex
            self.batch = batch
        }
    }

    public enum Event: Sendable {
        /// Start a sync with the rows waiting in SQLite (pending = 1) and the local preferences.
        case start(pending: [HistoryRow], preferences: [String: PreferenceMerge.Stamped] = [:], now: Int64)
        case connected(now: Int64)
        case disconnected(reason: String)
        /// The relay and this device agree on every CoValue; `items` is every item of the history feed,
        /// `preferences` the synced preferences.
        case pulled(items: [FeedItem], preferences: [String: PreferenceMerge.Stamped] = [:], now: Int64)
        /// The relay acknowledged everything this device holds (the pushed batches included).
        case acknowledged(now: Int64)
        /// The relay sent something while this sync waits for it: the wait restarts (the timeouts are for a
        /// relay that stopped answering, not for a large push that takes long), up to
        /// ``Timeouts/longestWaitFactor`` times the timeout in all.
        case relayAnswered(now: Int64)
        case tick(now: Int64)
    }

    public enum Action: Sendable, Equatable {
        case connect
        /// Wait until the relay and this device agree, then report ``Event/pulled(items:now:)``.
        case awaitPull
        /// Upsert into SQLite (deletion wins), then remember `frontier` as applied.
        case applyRemote(RemoteMerge, frontier: [String: Int])
        /// Store newer synced preferences locally (with the synced time).
        case applyPreferences([String: PreferenceMerge.Stamped])
        /// Append each batch as one private transaction to the history feed and set `preferences` in the
        /// preferences CoMap; then report ``Event/acknowledged(now:)`` once the relay confirmed.
        case push([HistoryBatch], preferences: [String: PreferenceMerge.Stamped])
        /// Clear the pending flag of these rows (as they were when pushed).
        case markPushed([HistoryRow])
        case finish(SyncSummary)
        case fail(SyncFailure)
    }

    enum Phase: Equatable {
        case idle, connecting(deadline: Int64), pulling(deadline: Int64), pushing(deadline: Int64), done, failed
    }

    public let timeouts: Timeouts
    private(set) var phase: Phase = .idle
    private var pending: [HistoryRow] = []
    private var localPreferences: [String: PreferenceMerge.Stamped] = [:]
    /// The preference keys that sync (the others stay on the device), and the prefixes of synced keys.
    let syncedPreferenceKeys: Set<String>
    let syncedPreferencePrefixes: [String]
    /// Per feed session, how many of its transactions were applied already (from the last run).
    private(set) var applied: [String: Int]
    private var summary = SyncSummary()
    private var lastDisconnect: String?
    /// The end of the current wait however often the relay answers (see ``Event/relayAnswered(now:)``).
    private var waitLimit: Int64 = 0

    /// This device's own session: its items are applied like any other (harmless) but not counted as received.
    let ownSession: String?

    /// `applied`: the frontier of feed items applied by earlier runs (they are skipped).
    public init(applied: [String: Int] = [:], ownSession: String? = nil, syncedPreferenceKeys: Set<String> = [],
                syncedPreferencePrefixes: [String] = [], timeouts: Timeouts = Timeouts()) {
        self.applied = applied
        self.syncedPreferenceKeys = syncedPreferenceKeys
        self.syncedPreferencePrefixes = syncedPreferencePrefixes
        self.ownSession = ownSession
        self.timeouts = timeouts
    }

    public var isFinished: Bool { phase == .done || phase == .failed }

    /// Forgets the applied frontier: the history moved to a new stream (a compaction), whose items are
    /// all applied (an entry already here adds nothing).
    public mutating func restartFeed() { applied = [:] }

    /// Records feed items the session applied itself, in slices, before it reports ``Event/pulled(items:preferences:now:)``
    /// (a large backlog, see `FeedRestore`): they count as received, and `frontier` joins the applied
    /// frontier, so only items past it are applied from the pulled ones.
    public mutating func appliedInSlices(frontier: [String: Int], received: Int, receivedDeletions: Int) {
        for (session, count) in frontier { applied[session] = max(applied[session] ?? 0, count) }
        summary.received += received
        summary.receivedDeletions += receivedDeletions
    }

    public mutating func handle(_ event: Event) -> [Action] {
        switch (phase, event) {
        case (.idle, .start(let rows, let preferences, let now)):
            pending = rows
            localPreferences = preferences
            phase = .connecting(deadline: now + timeouts.connect)
            return [.connect]
        case (.connecting, .connected(let now)):
            phase = .pulling(deadline: now + timeouts.pull)
            waitLimit = now + timeouts.pull * Timeouts.longestWaitFactor
            return [.awaitPull]
        case (.pulling, .relayAnswered(let now)):
            phase = .pulling(deadline: min(now + timeouts.pull, waitLimit))
            return []
        case (.pushing, .relayAnswered(let now)):
            phase = .pushing(deadline: min(now + timeouts.push, waitLimit))
            return []
        case (_, .disconnected(let reason)):
            lastDisconnect = reason
            return []
        case (.pulling, .pulled(let items, let preferences, let now)):
            return pulled(items, preferences: preferences, now: now)
        case (.pushing, .acknowledged):
            phase = .done
            return [.markPushed(pending), .finish(summary)]
        case (.connecting(let deadline), .tick(let now)) where now >= deadline:
            phase = .failed
            return [.fail(.unreachable(lastDisconnect ?? "no answer within \(timeouts.connect / 1000) s"))]
        case (.pulling(let deadline), .tick(let now)) where now >= deadline:
            phase = .failed
            return [.fail(.timedOut("receiving the relay's changes"))]
        case (.pushing(let deadline), .tick(let now)) where now >= deadline:
            phase = .failed
            return [.fail(.timedOut("waiting for the relay to acknowledge the push"))]
        default:
            return []
        }
    }

    private mutating func pulled(_ items: [FeedItem], preferences: [String: PreferenceMerge.Stamped], now: Int64) -> [Action] {
        var actions: [Action] = []
        // Preferences first: a synced retention applies to the entries applied next.
        let preferenceMerge = PreferenceMerge(local: localPreferences, remote: preferences, syncedKeys: syncedPreferenceKeys,
                                              syncedPrefixes: syncedPreferencePrefixes)
        if !preferenceMerge.toLocal.isEmpty { actions.append(.applyPreferences(preferenceMerge.toLocal)) }
        var frontier = applied
        var fresh: [HistoryBatch] = []
        var foreign: [HistoryBatch] = []
        for item in items where item.txIndex >= (applied[item.session] ?? 0) {
            fresh.append(item.batch)
            if item.session != ownSession { foreign.append(item.batch) }
            frontier[item.session] = max(frontier[item.session] ?? 0, item.txIndex + 1)
        }
        let merge = RemoteMerge(fresh)
        if frontier != applied || !merge.isEmpty {
            actions.append(.applyRemote(merge, frontier: frontier))
            let received = RemoteMerge(foreign)
            summary.received += received.entries.count
            summary.receivedDeletions += received.deletions.count
        }
        applied = frontier
        summary.preferencesReceived = preferenceMerge.toLocal.count
        summary.preferencesPushed = preferenceMerge.toRemote.count
        // A delete-all watermark (ours or one just received) clears the live entries created before it:
        // they are not pushed (every device drops them anyway).
        let watermark = max(Self.watermark(localPreferences), Self.watermark(preferenceMerge.toLocal))
        if watermark > 0 { pending.removeAll { $0.isLive && $0.createdAt <= watermark } }
        let batches = HistoryBatch.batches(from: pending)
        summary.pushed = pending.filter(\.isLive).count
        summary.pushedDeletions = pending.count - summary.pushed
        if batches.isEmpty && preferenceMerge.toRemote.isEmpty {
            phase = .done
            actions.append(.finish(summary))
        } else {
            phase = .pushing(deadline: now + timeouts.push)
            waitLimit = now + timeouts.push * Timeouts.longestWaitFactor
            actions.append(.push(batches, preferences: preferenceMerge.toRemote))
        }
        return actions
    }
}

extension SyncEngine {
    /// The delete-all watermark among `preferences` (0 when there is none).
    static func watermark(_ preferences: [String: PreferenceMerge.Stamped]) -> Int64 {
        preferences[Preferences.clearedBeforeKey].flatMap { Int64($0.value) } ?? 0
    }
}

/// What one sync did.
public struct SyncSummary: Sendable, Equatable, Codable {
    public var pushed = 0
    public var pushedDeletions = 0
    public var received = 0
    public var receivedDeletions = 0
    public var preferencesPushed = 0
    public var preferencesReceived = 0
    /// Entry records an automatic compaction reclaimed (nil when none ran).
    public var compacted: Int?
    public init() {}

    /// Adds what another run did.
    public mutating func add(_ other: SyncSummary) {
        pushed += other.pushed
        pushedDeletions += other.pushedDeletions
        received += other.received
        receivedDeletions += other.receivedDeletions
        preferencesPushed += other.preferencesPushed
        preferencesReceived += other.preferencesReceived
    }
}

/// Why a sync stopped.
public enum SyncFailure: Error, Sendable, Equatable, CustomStringConvertible {
    case unreachable(String)
    case timedOut(String)

    /// What was being waited for, for `.timedOut` (the reason, for `.unreachable`).
    public var step: String {
        switch self {
        case .unreachable(let why), .timedOut(let why): return why
        }
    }

    public var description: String {
        switch self {
        case .unreachable(let why): return "The relay could not be reached (\(why)); check the URL and the network, then run caro sync now again."
        case .timedOut(let step): return "The relay stopped answering while \(step); nothing was lost: run caro sync now again."
        }
    }
}
