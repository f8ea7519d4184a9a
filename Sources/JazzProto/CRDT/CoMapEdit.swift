/// One `set` or `del` op on a CoMap key (cojson `editsAt(key)` entries: `{by, tx, at, value}`).
public struct CoMapEdit: Sendable, Hashable {
    /// The transaction that made it.
    public let txID: TransactionID
    /// When (merge-adjusted), in milliseconds.
    public let madeAt: UInt64
    /// Position of the op inside its transaction.
    public let changeIdx: Int
    /// The value set, or `nil` for a deletion.
    public let value: JSONValue?

    public init(txID: TransactionID, madeAt: UInt64, changeIdx: Int, value: JSONValue?) {
        self.txID = txID
        self.madeAt = madeAt
        self.changeIdx = changeIdx
        self.value = value
    }

    /// The account or agent that made it (from the session ID).
    public var author: AccountOrAgentID { txID.sessionID.author }

    /// Whether this op deleted the key.
    public var isDeletion: Bool { value == nil }

    /// §6.2 order: `madeAt`, then session ID (UTF-16), then `txIndex`, then `changeIdx`.
    public static func precedes(_ a: CoMapEdit, _ b: CoMapEdit) -> Bool {
        if a.madeAt != b.madeAt { return a.madeAt < b.madeAt }
        if a.txID.sessionID != b.txID.sessionID { return a.txID.sessionID < b.txID.sessionID }
        if a.txID.txIndex != b.txID.txIndex { return a.txID.txIndex < b.txID.txIndex }
        return a.changeIdx < b.changeIdx
    }
}
