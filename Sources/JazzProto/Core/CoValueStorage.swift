/// One session as persisted: every transaction in order plus the signatures needed to verify and re-send it.
public struct StoredSession: Sendable, Hashable {
    public var sessionID: SessionID
    public var transactions: [Transaction]
    /// Signature over the whole session.
    public var lastSignature: Signature
    /// In-between signatures (transaction index → signature), the piece boundaries.
    public var checkpoints: [Int: Signature]
    /// Size counter since the last checkpoint (to keep placing checkpoints like cojson).
    public var bytesSinceLastSignature: Int

    public init(sessionID: SessionID, transactions: [Transaction], lastSignature: Signature,
                checkpoints: [Int: Signature] = [:], bytesSinceLastSignature: Int = 0) {
        self.sessionID = sessionID
        self.transactions = transactions
        self.lastSignature = lastSignature
        self.checkpoints = checkpoints
        self.bytesSinceLastSignature = bytesSinceLastSignature
    }
}

/// A CoValue as persisted.
public struct StoredCoValue: Sendable, Hashable {
    public var id: CoID
    public var header: CoValueHeader
    /// Sessions in first-stored order.
    public var sessions: [StoredSession]

    public init(id: CoID, header: CoValueHeader, sessions: [StoredSession]) {
        self.id = id
        self.header = header
        self.sessions = sessions
    }
}

/// New transactions of one session to persist: `transactions` start at index `after`; the rest of the
/// fields are the session's state after them.
public struct StoredSessionAppend: Sendable, Hashable {
    public var sessionID: SessionID
    public var after: Int
    public var transactions: [Transaction]
    public var lastSignature: Signature
    /// Checkpoints at indices ≥ `after` (earlier ones are already stored).
    public var newCheckpoints: [Int: Signature]
    public var bytesSinceLastSignature: Int

    public init(sessionID: SessionID, after: Int, transactions: [Transaction], lastSignature: Signature,
                newCheckpoints: [Int: Signature], bytesSinceLastSignature: Int) {
        self.sessionID = sessionID
        self.after = after
        self.transactions = transactions
        self.lastSignature = lastSignature
        self.newCheckpoints = newCheckpoints
        self.bytesSinceLastSignature = bytesSinceLastSignature
    }
}

/// Persistent storage of verified CoValue data. JazzProto defines it; CaroStore implements it on SQLite.
///
/// Every `append` call must be atomic: after a crash either all of it is stored or none of it.
public protocol CoValueStorage: AnyObject {
    /// IDs of every stored CoValue.
    func storedIDs() throws -> [CoID]
    /// Everything stored for a CoValue, or nil.
    func load(_ id: CoID) throws -> StoredCoValue?
    /// The stored known state (header + counts) without reading transactions, or nil.
    func knownState(of id: CoID) throws -> KnownState?
    /// Stores a header (if new) and appended session data, atomically. An append whose `after` does not
    /// equal the stored count of its session is skipped (the caller re-sends from the stored count).
    func append(_ id: CoID, header: CoValueHeader?, sessions: [StoredSessionAppend]) throws
}

extension CoValueCore {
    /// The data to persist after the sessions grew from `before` (a known state taken earlier).
    public func storageAppends(since before: KnownState) -> [StoredSessionAppend] {
        sessionOrder.compactMap { session in
            guard let log = sessions[session], let signature = log.lastSignature else { return nil }
            let from = before.sessions[session] ?? 0
            guard log.count > from else { return nil }
            return StoredSessionAppend(
                sessionID: session, after: from, transactions: Array(log.transactions[from...]), lastSignature: signature,
                newCheckpoints: log.signatureAfter.filter { $0.key >= from },
                bytesSinceLastSignature: log.bytesSinceLastSignature)
        }
    }

    /// Like ``storageAppends(since:)``, with at most `limit` transactions per session: a longer rest is cut
    /// after its last checkpoint within the limit (the prefix has a signature of its own there, and is
    /// stored as the session was when it ended there), or left out when no checkpoint lies within it.
    /// For storing a long download in pieces while it arrives.
    public func storageAppends(since before: KnownState, atMost limit: Int) -> [StoredSessionAppend] {
        storageAppends(since: before).compactMap { append in
            guard append.transactions.count > limit else { return append }
            let end = append.after + limit
            guard let last = append.newCheckpoints.keys.filter({ $0 < end }).max(),
                let signature = append.newCheckpoints[last]
            else { return nil }
            return StoredSessionAppend(
                sessionID: append.sessionID, after: append.after,
                transactions: Array(append.transactions[..<(last + 1 - append.after)]), lastSignature: signature,
                newCheckpoints: append.newCheckpoints.filter { $0.key <= last }, bytesSinceLastSignature: 0)
        }
    }

    /// Rebuilds a core from storage (transactions were verified before they were stored; the hash
    /// chain is recomputed).
    public init(stored: StoredCoValue) {
        self.init(header: stored.header)
        for session in stored.sessions where !session.transactions.isEmpty {
            restore(session: session.sessionID, transactions: session.transactions, lastSignature: session.lastSignature,
                    checkpoints: session.checkpoints, bytesSinceLastSignature: session.bytesSinceLastSignature)
        }
    }
}
