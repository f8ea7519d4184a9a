import CaroKit

/// `caro sync init --json` and `caro sync join --json`.
struct SyncSetupOutput: Encodable {
    /// The 24-word identity account.
    var identity: String
    /// This device's own Jazz account.
    var deviceAccount: String
    var relay: String
    /// The words, only from `init` without `--words-file`.
    var words: String?
    /// Entries restored (join).
    var restored: Int
}

/// `caro sync now --json`.
struct SyncNowOutput: Encodable {
    var pushed: Int
    var pushedDeletions: Int
    var received: Int
    var receivedDeletions: Int
    /// Entry records an automatic compaction reclaimed (absent when none ran).
    var compacted: Int?

    init(_ summary: SyncSummary) {
        pushed = summary.pushed
        pushedDeletions = summary.pushedDeletions
        received = summary.received
        receivedDeletions = summary.receivedDeletions
        compacted = summary.compacted
    }
}

/// `caro sync status --json`.
struct SyncStatusOutput: Encodable {
    var configured: Bool
    var paused: Bool
    var relay: String?
    var identity: String?
    var deviceAccount: String?
    var deviceID: String
    /// Rows waiting to be pushed.
    var pending: Int
    var lastSync: String?
    var lastError: String?

    init(_ status: SyncStatusService.Status) {
        configured = status.configured
        paused = status.paused
        relay = status.relay
        identity = status.identity
        deviceAccount = status.deviceAccount
        deviceID = status.deviceID
        pending = status.pending
        lastSync = status.state.lastSync.map(Timestamp.iso8601)
        lastError = status.state.lastError
    }
}

/// One element of `caro devices list --json`.
struct DeviceOutput: Encodable {
    var id: String
    var name: String
    var platform: String
    var caroVersion: String
    var schemaVersion: Int
    var firstSeen: String
    var lastSeen: String
    var active: Bool
    var current: Bool

    init(_ record: DeviceRecord, current: String) {
        id = record.id
        name = record.name
        platform = record.platform
        caroVersion = record.caroVersion
        schemaVersion = record.schemaVersion
        firstSeen = Timestamp.iso8601(record.firstSeen)
        lastSeen = Timestamp.iso8601(record.lastSeen)
        active = record.active
        self.current = record.id == current
    }
}
