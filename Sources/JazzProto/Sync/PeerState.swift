/// Identifies one connection (one peer) within a sync manager.
public struct PeerID: Sendable, Hashable, CustomStringConvertible {
    public let value: String
    public init(_ value: String) { self.value = value }
    public var description: String { value }
}

/// What the remote end is to us: the relay we sync with (`server`), or a client of our relay (`client`).
public enum PeerRole: Sendable, Hashable {
    case server
    case client
}

/// Everything a node tracks about one peer (jazz-protocol-sync.md §2.1).
struct PeerState {
    let id: PeerID
    let role: PeerRole
    /// What the peer told us it has (`load` replaces, `known` merges, content we accepted from it merges).
    var confirmed: [CoID: KnownState] = [:]
    /// Confirmed plus what we sent and assume arrived; deltas are computed against this.
    var optimistic: [CoID: KnownState] = [:]
    /// CoValues we already told this peer about (suppresses known↔known ping-pong).
    var toldKnownState: Set<CoID> = []
    /// CoValues we asked this peer to load.
    var loadRequested: Set<CoID> = []
    /// CoValues whose content waits for the peer's queue to drain (``SyncManager/resumeStreams(to:)``).
    var pausedStreams: [CoID] = []

    init(id: PeerID, role: PeerRole) {
        self.id = id
        self.role = role
    }

    /// CoValues whose local changes wait for the peer to acknowledge an earlier push (see
    /// ``SyncManager/coalescesUnacknowledgedPushes``).
    var deferredPushes: Set<CoID> = []

    /// True if content of `id` was sent to the peer that it has not acknowledged yet.
    func hasUnacknowledgedContent(_ id: CoID) -> Bool {
        guard let sent = optimistic[id] else { return false }
        guard let acknowledged = confirmed[id] else { return true }
        return (sent.header && !acknowledged.header) || !sent.isSubset(of: acknowledged)
    }

    /// True if the peer has (or is assumed to get) a record for the CoValue: it is subscribed.
    func isSubscribed(_ id: CoID) -> Bool { confirmed[id] != nil || optimistic[id] != nil }

    mutating func replace(_ state: KnownState) {
        confirmed[state.id] = state
        optimistic[state.id] = state
    }

    mutating func combine(_ state: KnownState) {
        confirmed[state.id, default: KnownState(id: state.id)].combine(with: state)
        optimistic[state.id, default: KnownState(id: state.id)].combine(with: state)
    }

    mutating func combineOptimistic(_ state: KnownState) {
        optimistic[state.id, default: KnownState(id: state.id)].combine(with: state)
    }
}
