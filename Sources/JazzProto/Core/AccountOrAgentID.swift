/// Who writes a session or administers a group: an account (`co_z…`) or a bare agent (`sealer_z…/signer_z…`).
public enum AccountOrAgentID: CanonicalString {
    case account(CoID)
    case agent(AgentID)

    /// Parses either form (`co_z…` or `sealer_z…/signer_z…`).
    public init(_ string: some StringProtocol) throws(IdentifierError) {
        if string.hasPrefix(CoID.prefix) {
            self = .account(try CoID(string))
        } else if string.hasPrefix(SealerID.prefix) {
            self = .agent(try AgentID(string))
        } else {
            throw .malformed(kind: "account or agent ID", value: String(string), expectedShape: "co_z… or sealer_z…/signer_z…")
        }
    }

    public var description: String {
        switch self {
        case .account(let id): return id.description
        case .agent(let id): return id.description
        }
    }

    /// The account ID, if this is an account.
    public var accountID: CoID? {
        if case .account(let id) = self { return id }
        return nil
    }

    /// The agent ID, if this is a bare agent.
    public var agentID: AgentID? {
        if case .agent(let id) = self { return id }
        return nil
    }

}
