/// New transactions of one session in a content message.
public struct SessionNewContent: Sendable, Hashable {
    /// How many transactions of the session the receiver is assumed to have (index of the first one here).
    public var after: Int
    public var newTransactions: [Transaction]
    /// The signature over the session's hash chain after the last transaction here.
    public var lastSignature: Signature

    public init(after: Int, newTransactions: [Transaction], lastSignature: Signature) {
        self.after = after
        self.newTransactions = newTransactions
        self.lastSignature = lastSignature
    }
}

/// The payload of a `content` message: header (if the receiver lacks it) and new transactions per session.
public struct ContentPiece: Sendable, Hashable {
    public var id: CoID
    public var header: CoValueHeader?
    /// 0 (accounts, groups), 3 (default), 6 (binary streams).
    public var priority: Int
    /// Sessions in message order.
    public var new: [(SessionID, SessionNewContent)]
    /// Streaming hint: more content follows up to these counts.
    public var expectContentUntil: [SessionID: Int]?

    public init(id: CoID, header: CoValueHeader? = nil, priority: Int, new: [(SessionID, SessionNewContent)] = [],
                expectContentUntil: [SessionID: Int]? = nil) {
        self.id = id
        self.header = header
        self.priority = priority
        self.new = new
        self.expectContentUntil = expectContentUntil
    }

    public static func == (lhs: ContentPiece, rhs: ContentPiece) -> Bool {
        lhs.id == rhs.id && lhs.header == rhs.header && lhs.priority == rhs.priority
            && lhs.expectContentUntil == rhs.expectContentUntil && lhs.new.count == rhs.new.count
            && zip(lhs.new, rhs.new).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(id)
        hasher.combine(new.count)
    }

    /// The known state a receiver has after applying this piece (cojson `knownStateFromContent`).
    public var impliedKnownState: KnownState {
        var state = KnownState(id: id, header: header != nil)
        for (session, content) in new { state.sessions[session] = content.after + content.newTransactions.count }
        return state
    }

    /// True if the piece carries nothing (no header, no sessions).
    public var isEmpty: Bool { header == nil && new.isEmpty }
}
