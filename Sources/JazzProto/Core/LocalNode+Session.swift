/// Continuing a session across processes (cojson keeps one session per device too): a node that writes
/// in a session it wrote in before, instead of minting a new one on every start.
extension LocalNode {
    /// A node acting as `accountID` that writes in the existing `session`.
    ///
    /// The session's transactions must reach the node from storage (``restoreAll(from:)``, or a
    /// `SyncClient` given the store) before it writes, so that new transactions continue the log where it
    /// stopped: the next index and the signature chain come from what is stored. Storage that appends
    /// atomically (``CoValueStorage``) and a writer that stores before it sends (``SyncClient``) make this
    /// crash-safe: a transaction lost in a crash was never sent, so the session never forks. Two processes
    /// must never write the same session at once (the caller holds a lock).
    ///
    /// Throws ``ForeignSessionError`` if `session` is not a writing session of this account (or agent).
    public static func continuing(session: SessionID, agentSecret: AgentSecret, accountID: CoID?,
                                  environment: NodeEnvironment = .system) throws(ForeignSessionError) -> LocalNode
    {
        let author: AccountOrAgentID = accountID.map { .account($0) } ?? .agent(agentSecret.agentID)
        guard session.author == author, !session.isDeleteSession else {
            throw ForeignSessionError(session: session, author: author)
        }
        return LocalNode(agentSecret: agentSecret, accountID: accountID, environment: environment, sessionID: session)
    }
}

/// A session given to ``LocalNode/continuing(session:agentSecret:accountID:environment:)`` that the node
/// may not write in (another author's, or a delete session).
public struct ForeignSessionError: Error, CustomStringConvertible, Equatable, Sendable {
    public let session: SessionID
    public let author: AccountOrAgentID

    public var description: String {
        "Session \(session) is not a writing session of \(author): the device's saved session belongs to another account."
    }
}
