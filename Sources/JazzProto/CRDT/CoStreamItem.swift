/// One item of a CoStream (cojson `{value, tx, madeAt}`, exposed as `{by, tx, at, value}`).
public struct CoStreamItem: Sendable, Hashable {
    /// The item as stored.
    public let value: JSONValue
    /// The transaction that pushed it.
    public let txID: TransactionID
    /// When (merge-adjusted), in milliseconds.
    public let madeAt: UInt64

    public init(value: JSONValue, txID: TransactionID, madeAt: UInt64) {
        self.value = value
        self.txID = txID
        self.madeAt = madeAt
    }

    /// The session it was pushed in.
    public var sessionID: SessionID { txID.sessionID }

    /// The account or agent that pushed it.
    public var author: AccountOrAgentID { txID.sessionID.author }
}
