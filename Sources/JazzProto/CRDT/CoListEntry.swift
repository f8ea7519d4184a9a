/// One visible element of a CoList (or one grapheme of a CoPlainText), as cojson's `entries()` yields it.
public struct CoListEntry: Sendable, Hashable {
    /// The inserted value (`null` if the insertion op had no `value`).
    public let value: JSONValue
    /// The op that inserted it; pass this as the anchor of later edits.
    public let opID: CoListOpID
    /// When the inserting transaction was made (merge-adjusted).
    public let madeAt: UInt64

    public init(value: JSONValue, opID: CoListOpID, madeAt: UInt64) {
        self.value = value
        self.opID = opID
        self.madeAt = madeAt
    }

    /// The inserting transaction (cojson `editAt(i).tx`).
    public var txID: TransactionID { opID.txID }

    /// The account or agent that inserted it (cojson `editAt(i).by`).
    public var author: AccountOrAgentID { opID.sessionID.author }
}
