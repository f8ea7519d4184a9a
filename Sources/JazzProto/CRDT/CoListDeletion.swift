/// One `del` op of a CoList (cojson `deletionEdits()`), whether or not its target exists.
public struct CoListDeletion: Sendable, Hashable {
    /// The deleting op.
    public let opID: CoListOpID
    /// The element it deletes.
    public let target: CoListOpID
    /// When the deleting transaction was made.
    public let madeAt: UInt64

    public init(opID: CoListOpID, target: CoListOpID, madeAt: UInt64) {
        self.opID = opID
        self.target = target
        self.madeAt = madeAt
    }

    /// The deleting transaction.
    public var txID: TransactionID { opID.txID }

    /// Who deleted.
    public var author: AccountOrAgentID { opID.sessionID.author }
}
