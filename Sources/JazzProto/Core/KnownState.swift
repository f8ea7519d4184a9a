/// What a node has of a CoValue: whether it has the header, and how many transactions per session.
/// Counts, never indices (jazz-protocol-sync.md §1.2).
public struct KnownState: Sendable, Hashable, CustomStringConvertible {
    public var id: CoID
    public var header: Bool
    public var sessions: [SessionID: Int]

    public init(id: CoID, header: Bool = false, sessions: [SessionID: Int] = [:]) {
        self.id = id
        self.header = header
        self.sessions = sessions
    }

    /// Per-session maximum and header OR (cojson `combine`).
    public mutating func combine(with other: KnownState) {
        header = header || other.header
        for (session, count) in other.sessions where count > (sessions[session] ?? 0) {
            sessions[session] = count
        }
    }

    /// Every session of ours has exactly the count `other` has (cojson `areCurrentSessionsInSyncWith`).
    public func isInSync(with other: KnownState) -> Bool {
        sessions.allSatisfy { other.sessions[$0.key] ?? 0 == $0.value }
    }

    /// Every session of ours is at most what `other` has.
    public func isSubset(of other: KnownState) -> Bool {
        sessions.allSatisfy { $0.value <= other.sessions[$0.key] ?? 0 }
    }

    /// Total number of transactions.
    public var transactionCount: Int { sessions.values.reduce(0, +) }

    public var description: String {
        "\(id) header:\(header) sessions:\(sessions.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: ","))"
    }
}
