/// Why content for a CoValue was not (fully) applied.
public enum IngestError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The header does not hash to the ID, or is malformed.
    case invalidHeader(CoID, HeaderError)
    /// Content without a header for a CoValue we do not have.
    case missingHeader(CoID)
    /// A session's batch failed verification.
    case rejectedSession(CoID, SessionID, reason: String)
    /// The signer of a session cannot be resolved yet (its account is not loaded).
    case unknownSigner(CoID, SessionID, account: CoID)

    public var description: String {
        switch self {
        case .invalidHeader(let id, let error): return "\(id): header rejected: \(error)"
        case .missingHeader(let id): return "\(id): content without a header for a value this node does not have."
        case .rejectedSession(let id, let session, let reason): return "\(id) session \(session): rejected: \(reason)"
        case .unknownSigner(let id, let session, let account):
            return "\(id) session \(session): its author account \(account) is not loaded yet, so its signature cannot be checked."
        }
    }
}

/// The outcome of applying one session's new content.
public enum SessionIngestOutcome: Sendable, Equatable {
    /// Transactions appended (count).
    case appended(Int)
    /// Nothing new (entirely duplicate).
    case duplicate
    /// `after` is beyond what we have: the sender must resend from our count.
    case gap(have: Int)
    /// Rejected (bad signature, delete rules); nothing stored.
    case rejected(String)
    /// Not applied because the CoValue is deleted (only delete sessions are kept); not an error.
    case ignoredBecauseDeleted
}

/// One CoValue's verified data: header, session logs, deletion state (jazz-protocol-core.md §5).
public struct CoValueCore: Sendable {
    public let id: CoID
    public private(set) var header: CoValueHeader?
    public private(set) var sessions: [SessionID: SessionLog] = [:]
    /// Sessions in first-seen order.
    public private(set) var sessionOrder: [SessionID] = []
    /// True once a valid delete marker was accepted.
    public private(set) var isDeleted = false
    /// Streaming target announced by a server peer (counts still to come).
    public var streamingTarget: [SessionID: Int] = [:]

    public init(id: CoID) {
        self.id = id
    }

    /// A core for a header we created or verified.
    public init(header: CoValueHeader) {
        self.id = header.id
        self.header = header
    }

    /// Sets the header after checking it hashes to the ID.
    public mutating func provideHeader(_ header: CoValueHeader) throws(IngestError) {
        if self.header != nil { return }
        do {
            try header.verify(id: id)
        } catch {
            throw .invalidHeader(id, error)
        }
        self.header = header
    }

    /// Our known state (deleted values report only their delete sessions).
    public var knownState: KnownState {
        var state = KnownState(id: id, header: header != nil)
        for (session, log) in sessions where log.count > 0 && (!isDeleted || session.isDeleteSession) {
            state.sessions[session] = log.count
        }
        return state
    }

    /// Known state including the streaming target (for `load`s and non-ack `known`s).
    public var knownStateWithStreaming: KnownState {
        var state = knownState
        for (session, count) in streamingTarget where count > (state.sessions[session] ?? 0) {
            state.sessions[session] = count
        }
        return state
    }

    /// True while a streaming target is not yet reached.
    public var isStreaming: Bool {
        streamingTarget.contains { $0.value > (sessions[$0.key]?.count ?? 0) }
    }

    /// All transactions with their positions.
    public var allTransactions: [(TransactionID, Transaction)] {
        var result: [(TransactionID, Transaction)] = []
        result.reserveCapacity(sessions.values.reduce(0) { $0 + $1.count })
        for session in sessionOrder {
            guard let log = sessions[session] else { continue }
            for (index, transaction) in log.transactions.enumerated() {
                result.append((TransactionID(sessionID: session, txIndex: index), transaction))
            }
        }
        return result
    }

    public func count(of session: SessionID) -> Int { sessions[session]?.count ?? 0 }

    /// Applies new content of one session: drops what we already have, verifies the rest against
    /// `content.lastSignature` by `signer`, appends atomically. `deleteAuthorIsAdmin` decides delete markers.
    public mutating func ingest(
        session: SessionID, content: SessionNewContent, signer: SignerID,
        deleteAuthorIsAdmin: (UInt64) -> Bool = { _ in false }
    ) -> SessionIngestOutcome {
        if isDeleted && !session.isDeleteSession { return .ignoredBecauseDeleted }
        let have = count(of: session)
        guard have >= content.after else { return .gap(have: have) }
        let fresh = Array(content.newTransactions.dropFirst(have - content.after))
        guard !fresh.isEmpty else { return .duplicate }
        if session.isDeleteSession {
            if let reason = deleteMarkerProblem(fresh, have: have, deleteAuthorIsAdmin: deleteAuthorIsAdmin) {
                return .rejected(reason)
            }
        }
        let isNewSession = sessions[session] == nil
        if isNewSession { sessions[session] = SessionLog(sessionID: session) }
        do {
            // Mutated in place: the log's arrays stay uniquely referenced, so appends are O(batch).
            try sessions[session]!.appendVerified(fresh, signature: content.lastSignature, signer: signer)
        } catch {
            if isNewSession { sessions[session] = nil }
            return .rejected(error.description)
        }
        if isNewSession { sessionOrder.append(session) }
        if session.isDeleteSession { isDeleted = true }
        if !isStreaming { streamingTarget = [:] }
        return .appended(fresh.count)
    }

    /// The delete-session rules (jazz-protocol-core.md §5.7); nil if acceptable.
    private func deleteMarkerProblem(_ fresh: [Transaction], have: Int, deleteAuthorIsAdmin: (UInt64) -> Bool) -> String? {
        guard have == 0, fresh.count == 1, case .trusting(let madeAt, _, let meta) = fresh[0] else {
            return "a delete session must hold exactly one trusting transaction"
        }
        guard let meta, let parsed = try? JSONValue(parsing: meta), parsed["deleted"]?.stringValue == id.description else {
            return "the delete marker does not name this CoValue"
        }
        guard let header, !header.isGroup else { return "groups and accounts cannot be deleted" }
        guard header.ownerGroup != nil else { return "only values owned by a group can be deleted" }
        guard deleteAuthorIsAdmin(madeAt) else { return "only an admin of the owner group may delete" }
        return nil
    }

    /// Appends transactions read back from our own storage (verified when first stored).
    public mutating func restore(session: SessionID, transactions: [Transaction], lastSignature: Signature,
                                 checkpoints: [Int: Signature], bytesSinceLastSignature: Int) {
        if sessions[session] == nil {
            sessions[session] = SessionLog(sessionID: session)
            sessionOrder.append(session)
        }
        sessions[session]!.appendFromTrustedStorage(transactions, signature: lastSignature)
        sessions[session]!.restoreCheckpoints(checkpoints, bytesSinceLastSignature: bytesSinceLastSignature)
        if session.isDeleteSession { isDeleted = true }
    }

    /// Our known state as told to a peer about a deleted CoValue (cojson `stopSyncingKnownStateMessage`):
    /// our delete sessions merged with every count the peer claims, so it stops re-sending what we dropped.
    public func stopSyncingKnownState(peerClaims: KnownState?) -> KnownState {
        var state = knownState
        if let peerClaims { state.combine(with: KnownState(id: id, header: state.header, sessions: peerClaims.sessions)) }
        return state
    }

    /// Appends a transaction we make, signed with our agent's signer secret.
    @discardableResult
    public mutating func appendLocal(_ transaction: Transaction, session: SessionID, signer: SignerSecret)
        throws(SessionLogError) -> Signature
    {
        let isNewSession = sessions[session] == nil
        if isNewSession { sessions[session] = SessionLog(sessionID: session) }
        let signature: Signature
        do {
            signature = try sessions[session]!.appendLocal(transaction, signer: signer)
        } catch {
            if isNewSession { sessions[session] = nil }
            throw error
        }
        if isNewSession { sessionOrder.append(session) }
        if session.isDeleteSession { isDeleted = true }
        return signature
    }

    // MARK: Outgoing content (cojson `newContentSince`, jazz-protocol-sync.md §3.5)

    /// The content pieces a peer with known state `known` lacks (nil = it has nothing), split at
    /// checkpoint signatures like cojson. Empty if there is nothing to send.
    public func newContentSince(_ known: KnownState?) -> [ContentPiece] {
        guard let header else { return [] }
        let limit = SessionLog.checkpointThreshold
        let priority = header.priority
        var pieces: [ContentPiece] = []
        var current = ContentPiece(id: id, priority: priority)
        var pieceSize = 0

        func add(_ tx: Transaction, index: Int, session: SessionID, to piece: inout ContentPiece) {
            if let position = piece.new.lastIndex(where: { $0.0 == session }) {
                piece.new[position].1.newTransactions.append(tx)
            } else {
                // The placeholder signature is replaced before the entry leaves (checkpoint or last index).
                piece.new.append((session, SessionNewContent(after: index, newTransactions: [tx], lastSignature: Self.placeholder)))
            }
        }
        func moveOut(_ session: SessionID, from piece: inout ContentPiece) -> ContentPiece {
            guard let position = piece.new.lastIndex(where: { $0.0 == session }) else { return ContentPiece(id: id, priority: priority) }
            let entry = piece.new.remove(at: position)
            return ContentPiece(id: id, priority: priority, new: [entry])
        }

        for session in sessionOrder {
            if isDeleted && !session.isDeleteSession { continue }
            guard let log = sessions[session], let lastSignature = log.lastSignature else { continue }
            let from = known?.sessions[session] ?? 0
            guard from < log.count else { continue }
            var sessionBytes = 0
            for index in from..<log.count {
                let tx = log.transactions[index]
                sessionBytes += tx.size
                if let checkpoint = log.signatureAfter[index] {
                    add(tx, index: index, session: session, to: &current)
                    setSignature(checkpoint, session: session, in: &current)
                    pieces.append(moveOut(session, from: &current))
                    sessionBytes = 0
                } else if index == log.count - 1 {
                    add(tx, index: index, session: session, to: &current)
                    setSignature(lastSignature, session: session, in: &current)
                    if sessionBytes > limit {
                        pieces.append(moveOut(session, from: &current))
                    } else if pieceSize + sessionBytes > limit {
                        pieces.append(current)
                        current = ContentPiece(id: id, priority: priority)
                    } else {
                        pieceSize += sessionBytes
                    }
                } else {
                    add(tx, index: index, session: session, to: &current)
                }
            }
        }
        pieces.append(current)
        if known == nil || known?.header == false {
            pieces[0].header = header
        }
        let nonEmpty = pieces.filter { !$0.isEmpty }
        guard !nonEmpty.isEmpty else { return [] }
        var result = nonEmpty
        if result.count > 1 || isStreaming {
            var until: [SessionID: Int] = [:]
            for (session, count) in knownStateWithStreaming.sessions where count > (known?.sessions[session] ?? 0) {
                until[session] = count
            }
            result[0].expectContentUntil = until
        }
        return result
    }

    private func setSignature(_ signature: Signature, session: SessionID, in piece: inout ContentPiece) {
        if let position = piece.new.lastIndex(where: { $0.0 == session }) {
            piece.new[position].1.lastSignature = signature
        }
    }

    private static let placeholder = Signature(uncheckedString: "signature_z", bytes: [])
}
