/// Whether a transaction counts under the permission rules of its CoValue (jazz-protocol-core.md §6.3).
///
/// Invalid transactions stay stored and synced; they are only excluded from views.
public enum TransactionValidity: Sendable, Hashable, CustomStringConvertible {
    case valid
    /// Excluded from views, with cojson's reason.
    case invalid(String)
    /// A trusting group transaction whose changes are not JSON: neither valid nor invalid in cojson;
    /// it never reaches a view.
    case unparseable

    public var isValid: Bool { self == .valid }

    public var description: String {
        switch self {
        case .valid: return "valid"
        case .invalid(let reason): return "invalid: \(reason)"
        case .unparseable: return "unparseable changes"
        }
    }
}

/// Where the permission layer looks up other CoValues it depends on.
public protocol GroupResolving {
    /// The current state of a loaded group or account, or nil if it is not loaded.
    func groupState(for id: CoID) -> GroupState?
    /// The agent of a loaded account (its header's initialAdmin), or nil if not loaded.
    func agent(ofAccount id: CoID) -> AgentID?
}

/// The identity that reads keys: an account (or a bare agent) and its agent secret.
public struct KeyReader: Sendable, Hashable {
    public let accountID: CoID?
    public let agentSecret: AgentSecret

    public init(accountID: CoID?, agentSecret: AgentSecret) {
        self.accountID = accountID
        self.agentSecret = agentSecret
    }

    /// The member key under which reveals are stored for this reader in `group`
    /// (the agent for the reader's own account or an agent-only node, else the account).
    func memberKey(in group: CoID) -> String {
        guard let accountID, accountID != group else { return agentSecret.agentID.description }
        return accountID.description
    }
}
