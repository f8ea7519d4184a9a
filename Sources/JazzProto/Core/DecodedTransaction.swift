/// A transaction that passed signature and permission checks and whose changes could be read
/// (parsed if trusting, decrypted and parsed if private): the input of every CRDT view.
public struct DecodedTransaction: Sendable, Hashable {
    /// The transaction's own position. For transactions merged from a branch (meta `mi`), the
    /// effective (source) position used for CRDT ordering and op IDs.
    public var txID: TransactionID
    /// The effective `madeAt` (merge-adjusted for branch merges; otherwise the transaction's own).
    public var madeAt: UInt64
    /// The parsed changes array (each element one CRDT op or stream item).
    public var changes: [JSONValue]
    /// The parsed meta object, if any.
    public var meta: JSONObject?
    /// False for transactions made invalid by meta rules (first-writer-wins losers): CoList keeps their
    /// insertions as invisible anchors; other views ignore them.
    public var isVisible: Bool

    public init(txID: TransactionID, madeAt: UInt64, changes: [JSONValue], meta: JSONObject? = nil, isVisible: Bool = true) {
        self.txID = txID
        self.madeAt = madeAt
        self.changes = changes
        self.meta = meta
        self.isVisible = isVisible
    }

    /// The account or agent that wrote it.
    public var author: AccountOrAgentID { txID.sessionID.author }
}

extension DecodedTransaction {
    /// The total order used by CoMap, CoList and group validation: `madeAt`, then — our deterministic
    /// tiebreak where cojson 0.20.19 uses arrival order — session ID in UTF-16 order, then `txIndex`.
    public static func precedes(_ a: DecodedTransaction, _ b: DecodedTransaction) -> Bool {
        TransactionOrder.precedes(
            (a.madeAt, a.txID.sessionID, a.txID.txIndex), (b.madeAt, b.txID.sessionID, b.txID.txIndex))
    }
}

/// The ordering of transactions across sessions (jazz-sync §6.2, with a deterministic tiebreak).
public enum TransactionOrder {
    public static func precedes(_ a: (UInt64, SessionID, Int), _ b: (UInt64, SessionID, Int)) -> Bool {
        if a.0 != b.0 { return a.0 < b.0 }
        if a.1 != b.1 { return a.1 < b.1 }
        return a.2 < b.2
    }
}
