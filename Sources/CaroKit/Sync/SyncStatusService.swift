import CaroStore
import JazzProto

/// What `caro sync status` and `caro devices list` show, read from the home alone (no network).
public struct SyncStatusService {
    let home: DeviceHome

    public init(home: DeviceHome) { self.home = home }

    /// The state of sync on this device.
    public struct Status: Sendable {
        public var configured: Bool
        public var paused: Bool
        public var relay: String?
        public var deviceAccount: String?
        public var identity: String?
        public var deviceID: String
        public var pending: Int
        public var state: SyncState
    }

    public func status() throws(CaroError) -> Status {
        let history = try HomeDatabase.open(home)
        let credentials = try DeviceCredentials.load(from: home)
        return Status(
            configured: credentials != nil, paused: credentials?.paused ?? false, relay: credentials?.relay,
            deviceAccount: credentials?.account, identity: credentials?.identity,
            deviceID: try CaroError.storage { try history.deviceID() },
            pending: try CaroError.storage { try history.pendingCount() }, state: SyncState.load(from: home))
    }

    /// Every device of the identity as of the last sync, and this device's ID.
    public func devices() throws(CaroError) -> (devices: [DeviceRecord], current: String) {
        let credentials = try DeviceCredentials.required(in: home)
        let history = try HomeDatabase.open(home)
        let deviceID = try CaroError.storage { try history.deviceID() }
        let store = try DeviceNode.coValueStore(home)
        let node = try DeviceNode.open(credentials)
        try CaroError.storage { _ = try node.restoreAll(from: store) }
        return (DeviceRecord.all(in: node, devices: try credentials.id(credentials.devices)), deviceID)
    }
}
