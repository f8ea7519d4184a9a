/// What happened when a content piece was offered to a node.
public struct IngestReport: Sendable {
    public var id: CoID
    /// CoValues that must be loaded before this piece can be processed (nothing was applied).
    public var missingDependencies: [CoID] = []
    /// Header problem (nothing was applied).
    public var headerError: IngestError?
    /// Per-session outcomes, in message order.
    public var outcomes: [(SessionID, SessionIngestOutcome)] = []

    /// True if the sender's idea of our state was wrong (gap or unknown header): reply with a correction.
    public var needsCorrection: Bool {
        if case .missingHeader = headerError { return true }
        return outcomes.contains { if case .gap = $0.1 { return true } else { return false } }
    }

    /// Sessions rejected, with reasons.
    public var rejections: [(SessionID, String)] {
        outcomes.compactMap { if case .rejected(let reason) = $0.1 { return ($0.0, reason) } else { return nil } }
    }

    /// True if anything new was stored.
    public var appendedAnything: Bool {
        outcomes.contains { if case .appended = $0.1 { return true } else { return false } }
    }
}

/// Errors of local writes.
public enum NodeError: Error, CustomStringConvertible, Equatable, Sendable {
    case unknownCoValue(CoID)
    case notAGroup(CoID)
    case noWriteKey(CoID)
    case notPermitted(CoID, String)
    case deleted(CoID)
    case transaction(SessionLogError)
    case crypto(CryptoError)

    public var description: String {
        switch self {
        case .unknownCoValue(let id): return "\(id) is not loaded on this node; load or sync it first."
        case .notAGroup(let id): return "\(id) is not a group."
        case .noWriteKey(let id): return "No key to encrypt for \(id): this account has no access to its group's read key."
        case .notPermitted(let id, let why): return "Not allowed on \(id): \(why)"
        case .deleted(let id): return "\(id) is deleted; it accepts no more changes."
        case .transaction(let error): return error.description
        case .crypto(let error): return error.description
        }
    }
}

/// A Jazz node: holds CoValues, verifies what arrives, makes transactions and computes views.
///
/// Not thread-safe: confine it to one isolation domain (the sync layer wraps it).
public final class LocalNode: GroupResolving {
    /// This node's agent.
    public let agentSecret: AgentSecret
    /// The account this node acts as (nil for an agent-only node such as a relay).
    public let accountID: CoID?
    /// The session this node writes in (`<account>_session_z…`, or `<agent>_session_z…`).
    public let sessionID: SessionID
    public let environment: NodeEnvironment

    private(set) var cores: [CoID: CoValueCore] = [:]
    private var groupStateCache: [CoID: GroupState] = [:]
    private var groupStatesBeingBuilt: Set<CoID> = []
    /// Bumped whenever a group or account changes (every owned value's validity and keys may change).
    private var groupEpoch = 0
    private var decodedCache: [CoID: DecodedCache] = [:]
    /// Decrypts large verified private content in the background (see ``prefetchesPlaintexts``).
    let plaintexts = PlaintextPrefetch()

    /// When true (the default), the private transactions of large content pieces this node can read are
    /// decrypted on a background thread right after they are verified, while the node goes on with the
    /// next pieces; the first view then only parses them. Off: all decoding happens when a view is asked for.
    public var prefetchesPlaintexts = true

    /// ``dependencies(ofCoValue:)`` by CoValue, with the version of the logs it was computed from.
    private var dependencyCache: [CoID: (version: Int, ids: [CoID])] = [:]

    /// Creates a node acting as `accountID` (or as the bare agent if nil), writing in a new session.
    public convenience init(agentSecret: AgentSecret, accountID: CoID?, environment: NodeEnvironment = .system) {
        let author: AccountOrAgentID = accountID.map { .account($0) } ?? .agent(agentSecret.agentID)
        self.init(agentSecret: agentSecret, accountID: accountID, environment: environment,
                  sessionID: SessionID.random(for: author, randomBytes: environment.randomBytes))
    }

    /// Creates a node writing in `sessionID` (whose author the caller has checked; see
    /// ``continuing(session:agentSecret:accountID:environment:)``).
    init(agentSecret: AgentSecret, accountID: CoID?, environment: NodeEnvironment, sessionID: SessionID) {
        self.agentSecret = agentSecret
        self.accountID = accountID
        self.environment = environment
        self.sessionID = sessionID
    }

    /// The reader identity used to obtain keys.
    public var keyReader: KeyReader { KeyReader(accountID: accountID, agentSecret: agentSecret) }

    // MARK: Lookup

    /// The core of a CoValue, if this node has it (header or not).
    public func core(_ id: CoID) -> CoValueCore? { cores[id] }

    /// True if the node has the header of `id`.
    public func hasContent(_ id: CoID) -> Bool { cores[id]?.header != nil }

    /// True if `id` and everything it depends on (transitively) is here and nothing is still streaming
    /// (cojson `isCompletelyDownloaded`).
    public func isCompletelyLoaded(_ id: CoID) -> Bool {
        var visited: Set<CoID> = []
        func check(_ id: CoID) -> Bool {
            guard visited.insert(id).inserted else { return true }
            guard let core = cores[id], core.header != nil, !core.isStreaming else { return false }
            return dependencies(ofCoValue: id).allSatisfy(check)
        }
        return check(id)
    }

    /// IDs of all CoValues with a header, in no particular order.
    public var coValueIDs: [CoID] { cores.compactMap { $0.value.header != nil ? $0.key : nil } }

    /// Our known state of a CoValue (empty if unknown).
    public func knownState(of id: CoID) -> KnownState { cores[id]?.knownState ?? KnownState(id: id) }

    public func agent(ofAccount id: CoID) -> AgentID? {
        guard let header = cores[id]?.header, header.isAccount, case .group(.agent(let agent)) = header.ruleset else {
            return nil
        }
        return agent
    }

    public func groupState(for id: CoID) -> GroupState? {
        if let cached = groupStateCache[id] { return cached }
        guard let core = cores[id], let header = core.header, header.isGroup, !groupStatesBeingBuilt.contains(id) else {
            return nil
        }
        groupStatesBeingBuilt.insert(id)
        defer { groupStatesBeingBuilt.remove(id) }
        let state = GroupState(id: id, header: header, transactions: core.allTransactions, resolver: self)
        groupStateCache[id] = state
        return state
    }

    /// The signer of a session, if it can be resolved now.
    public func signer(of session: SessionID) -> SignerID? {
        switch session.author {
        case .agent(let agent): return agent.signerID
        case .account(let account): return agent(ofAccount: account)?.signerID
        }
    }

    // MARK: Dependencies (jazz-protocol-sync.md §2.6)

    /// CoValues a piece needs before it can be verified and understood.
    public func dependencies(of piece: ContentPiece) -> [CoID] {
        var result: [CoID] = []
        func add(_ id: CoID) { if id != piece.id && !result.contains(id) { result.append(id) } }
        let header = piece.header ?? cores[piece.id]?.header
        if let header {
            if let owner = header.ownerGroup { add(owner) }
            if let source = header.meta["source"]?.stringValue, let id = try? CoID(source) { add(id) }
        }
        for (session, content) in piece.new {
            if case .account(let account) = session.author { add(account) }
            if header?.isGroup == true {
                for tx in content.newTransactions {
                    guard case .trusting(_, let changes, _) = tx, let parsed = try? JSONValue(parsing: changes),
                        let ops = parsed.arrayValue
                    else { continue }
                    for op in ops {
                        guard op["op"]?.stringValue == "set", let key = op["key"]?.stringValue else { continue }
                        if key.hasPrefix("co_"), let id = try? CoID(key) { add(id) }
                        if key.hasPrefix("parent_"), let id = try? CoID(key.dropFirst(7)) { add(id) }
                    }
                }
            }
        }
        return result
    }

    /// Everything a CoValue we hold depends on (owner, author accounts, members and parents of groups).
    public func dependencies(ofCoValue id: CoID) -> [CoID] {
        guard let core = cores[id], let header = core.header else { return [] }
        // Logs only grow and every session holds at least one transaction: the answer changes only when
        // a session appears or, for a group (members and parents come from its transactions), when a
        // transaction does.
        let version = header.isGroup
            ? core.sessionOrder.reduce(0) { $0 + core.count(of: $1) } : core.sessionOrder.count
        if let cached = dependencyCache[id], cached.version == version { return cached.ids }
        let ids = computeDependencies(ofCoValue: id, core: core)
        dependencyCache[id] = (version, ids)
        return ids
    }

    private func computeDependencies(ofCoValue id: CoID, core: CoValueCore) -> [CoID] {
        var piece = ContentPiece(id: id, header: core.header, priority: 0)
        for session in core.sessionOrder {
            guard let log = core.sessions[session], let signature = log.lastSignature else { continue }
            let transactions = core.header?.isGroup == true ? log.transactions : []
            piece.new.append((session, SessionNewContent(after: 0, newTransactions: transactions, lastSignature: signature)))
        }
        return dependencies(of: piece)
    }

    /// Loads every CoValue from storage into memory (a node resuming after a restart). Values that fail to
    /// load are reported and skipped; the rest load.
    @discardableResult
    public func restoreAll(from storage: any CoValueStorage) throws -> [(CoID, String)] {
        var failures: [(CoID, String)] = []
        for id in try storage.storedIDs() where !hasContent(id) {
            do {
                if let stored = try storage.load(id) { restore(CoValueCore(stored: stored)) }
            } catch {
                failures.append((id, "\(error)"))
            }
        }
        return failures
    }

    /// Stores whatever this node holds that `storage` lacks (e.g. an account created before storage was
    /// attached). Returns the CoValues that could not be stored, with why.
    @discardableResult
    public func persistAll(to storage: any CoValueStorage) -> [(CoID, String)] {
        var failures: [(CoID, String)] = []
        for id in coValueIDs {
            guard let core = cores[id], let header = core.header else { continue }
            do {
                let stored = try storage.knownState(of: id)
                let appends = core.storageAppends(since: stored ?? KnownState(id: id))
                if stored == nil || !appends.isEmpty {
                    try storage.append(id, header: stored == nil ? header : nil, sessions: appends)
                }
            } catch {
                failures.append((id, "\(error)"))
            }
        }
        return failures
    }

    /// Forgets every streaming target (the connection that announced them is gone).
    public func clearStreamingTargets() {
        for id in cores.keys where !(cores[id]?.streamingTarget.isEmpty ?? true) {
            cores[id]?.streamingTarget = [:]
        }
    }

    /// Adds a core read back from trusted storage (no-op if the node already has content for it).
    public func restore(_ core: CoValueCore) {
        guard cores[core.id]?.header == nil else { return }
        cores[core.id] = core
        invalidate(core.id)
    }

    /// Drops a CoValue from memory (e.g. after storing it failed, so it is read back from storage
    /// rather than claimed from memory). Derived state that may depend on it is dropped too.
    public func forget(_ id: CoID) {
        let wasGroup = cores[id]?.header?.isGroup == true
        cores[id] = nil
        decodedCache[id] = nil
        dependencyCache[id] = nil
        if wasGroup { invalidateGroupDerivedState() }
    }

    /// The dependencies of `piece` that this node lacks.
    public func missingDependencies(of piece: ContentPiece) -> [CoID] {
        dependencies(of: piece).filter { !hasContent($0) }
    }

    // MARK: Ingest (jazz-protocol-sync.md §2.4 steps 2–4)

    /// Verifies and applies a content piece. Nothing is applied when dependencies are missing or the
    /// header is bad; otherwise each session is applied or rejected on its own.
    @discardableResult
    public func ingest(_ piece: ContentPiece) -> IngestReport {
        var report = IngestReport(id: piece.id)
        report.missingDependencies = missingDependencies(of: piece)
        guard report.missingDependencies.isEmpty else { return report }
        // Taken out of the dictionary while it changes, so its logs stay uniquely referenced (no copies).
        var core = cores.removeValue(forKey: piece.id) ?? CoValueCore(id: piece.id)
        defer { if core.header != nil { cores[piece.id] = core } }
        if core.header == nil {
            guard let header = piece.header else {
                report.headerError = .missingHeader(piece.id)
                return report
            }
            do {
                try core.provideHeader(header)
            } catch {
                report.headerError = error
                return report
            }
        }
        if let until = piece.expectContentUntil {
            for (session, count) in until where count > core.count(of: session) {
                core.streamingTarget[session] = max(core.streamingTarget[session] ?? 0, count)
            }
        }
        for (session, content) in piece.new {
            guard let signer = signer(of: session) else {
                report.outcomes.append((session, .rejected("the author's account is not loaded")))
                continue
            }
            let header = core.header
            let outcome = core.ingest(session: session, content: content, signer: signer) { madeAt in
                self.isAdmin(session.author, ofOwnerOf: header, atTime: madeAt)
            }
            report.outcomes.append((session, outcome))
            if case .appended(let count) = outcome, prefetchesPlaintexts, accountID != nil {
                prefetch(core, session: session, fresh: content.newTransactions.suffix(count))
            }
        }
        // `core` is out of `cores` until this returns, so its kind is told directly.
        if report.appendedAnything || piece.header != nil, core.header?.isGroup == true { invalidateGroupDerivedState() }
        return report
    }

    /// Queues the private transactions of `fresh` (just appended to `session` of `core`) for decryption on
    /// the prefetch thread, if this node reads with an account and can open their key now.
    private func prefetch(_ core: CoValueCore, session: SessionID, fresh: ArraySlice<Transaction>) {
        guard fresh.reduce(0, { $0 + ($1.isPrivate ? $1.size : 0) }) >= PlaintextPrefetch.minimumBytes,
            let header = core.header, !header.isGroup, let owner = header.ownerGroup,
            let firstPrivate = fresh.first(where: \.isPrivate), case .private(_, let keyUsed, _, _) = firstPrivate,
            let keyID = try? KeyID(keyUsed), let authority = groupState(for: owner),
            let secret = authority.readKey(keyID, reader: keyReader, resolver: self)
        else { return }
        plaintexts.submit(coID: core.id, sessionID: session, firstIndex: core.count(of: session) - fresh.count,
                          transactions: fresh, keyUsed: keyUsed, key: secret.bytes)
    }

    private func isAdmin(_ author: AccountOrAgentID, ofOwnerOf header: CoValueHeader?, atTime time: UInt64) -> Bool {
        guard let owner = header?.ownerGroup, let state = groupState(for: owner) else { return false }
        return state.role(of: author.description, atTime: time, resolver: self) == .admin
    }

    /// Drops cached derived state after `id` changed.
    func invalidate(_ id: CoID) {
        guard cores[id]?.header?.isGroup == true else { return }
        invalidateGroupDerivedState()
    }

    /// A group or account changed: it can change the state of every group that extends it, and the
    /// validity and keys of every value, so all derived state is dropped.
    private func invalidateGroupDerivedState() {
        groupStateCache.removeAll()
        groupEpoch += 1
    }

    // MARK: Local writes

    /// Stores a CoValue created here (header only) and returns its ID.
    @discardableResult
    public func createCoValue(_ header: CoValueHeader) -> CoID {
        let core = CoValueCore(header: header)
        if cores[core.id]?.header == nil {
            noteLocalChange(core.id)
            cores[core.id] = core
        }
        return core.id
    }

    /// CoValues written here since the last `takeLocalChanges()`, each with its known state before the
    /// first of those writes, in first-touched order.
    private var localChanges: [(id: CoID, before: KnownState)] = []
    private var locallyChanged: Set<CoID> = []

    private func noteLocalChange(_ id: CoID) {
        guard locallyChanged.insert(id).inserted else { return }
        localChanges.append((id, knownState(of: id)))
    }

    /// Returns and forgets the CoValues written here since the last call (with their earlier known state),
    /// in the order they were first touched — what a sync layer must store and send.
    public func takeLocalChanges() -> [(id: CoID, before: KnownState)] {
        defer {
            localChanges.removeAll()
            locallyChanged.removeAll()
        }
        return localChanges
    }

    /// The session this node writes `id` in: the agent session for its own account, else `sessionID`.
    public func writingSession(for id: CoID) -> SessionID {
        if let header = cores[id]?.header, header.isAccount {
            return sessionID.withAuthor(.agent(agentSecret.agentID))
        }
        return sessionID
    }

    /// Appends a transaction made here. Private transactions are encrypted with `key` (defaults to the
    /// key this node should write with). Returns the new transaction's position.
    @discardableResult
    public func makeTransaction(in id: CoID, changes: [JSONValue], privacy: Privacy, meta: JSONValue? = nil,
                                key: KeyPair? = nil) throws(NodeError) -> TransactionID {
        guard let existing = cores[id], existing.header != nil else { throw .unknownCoValue(id) }
        guard !existing.isDeleted else { throw .deleted(id) }
        let session = writingSession(for: id)
        let txIndex = existing.count(of: session)
        let madeAt = environment.now()
        let changesText = JSONValue.array(changes).jsonStringify()
        // A null meta is no meta (cojson writes none rather than an encrypted `null`).
        let metaText = meta.flatMap { $0 == .null ? nil : $0.jsonStringify() }
        let transaction: Transaction
        switch privacy {
        case .trusting:
            transaction = .trusting(madeAt: madeAt, changes: changesText, meta: metaText)
        case .private:
            var chosen = key ?? writeKey(for: id)
            if chosen == nil { chosen = try createEveryoneWriteOnlyKey(for: id) }
            guard let key = chosen else { throw .noWriteKey(id) }
            let material = NonceMaterial.transaction(coID: id, sessionID: session, txIndex: txIndex)
            let nonce = material.nonce
            let encrypted = Encrypted(bytes: key.secret.xor(Array(changesText.utf8), nonce: nonce))
            let encryptedMeta = metaText.map { Encrypted(bytes: key.secret.xor(Array($0.utf8), nonce: nonce)).description }
            transaction = .private(madeAt: madeAt, keyUsed: key.id.description, encryptedChanges: encrypted.description,
                                   meta: encryptedMeta)
        }
        try appendTransaction(transaction, to: id, session: session)
        return TransactionID(sessionID: session, txIndex: txIndex)
    }

    /// Signs and appends a transaction made here to `session` of `id`.
    func appendTransaction(_ transaction: Transaction, to id: CoID, session: SessionID) throws(NodeError) {
        guard cores[id] != nil else { throw .unknownCoValue(id) }
        noteLocalChange(id)
        do {
            // Mutated in place (no copy of the session's transactions).
            try cores[id]!.appendLocal(transaction, session: session, signer: agentSecret.signerSecret)
        } catch {
            throw .transaction(error)
        }
        invalidate(id)
    }

    /// The key this node encrypts new private transactions of `id` with (cojson `getCurrentReadKeyId`).
    public func writeKey(for id: CoID) -> KeyPair? {
        guard let header = cores[id]?.header else { return nil }
        let authorityID = header.ownerGroup ?? id
        guard let group = groupState(for: authorityID) else { return nil }
        let me = keyReader.memberKey(in: authorityID)
        let role = group.role(of: me, resolver: self)
        var keyIDString = group.value("readKey")?.stringValue
        if role == .writeOnly || role == nil, let writeKey = group.value("writeKeyFor_\(me)")?.stringValue {
            keyIDString = writeKey
        }
        guard let keyIDString, let keyID = try? KeyID(keyIDString),
            let secret = group.readKey(keyID, reader: keyReader, resolver: self)
        else { return nil }
        return KeyPair(id: keyID, secret: secret)
    }

    /// Transaction privacy.
    public enum Privacy: Sendable { case trusting, `private` }

    // MARK: Reading

    /// Validity of every transaction of a CoValue under its permission rules.
    public func validity(of id: CoID) -> [TransactionID: TransactionValidity] {
        guard let core = core(id), let header = core.header else { return [:] }
        if header.isGroup { return groupState(for: id)?.validity ?? [:] }
        let owner = header.ownerGroup.flatMap { groupState(for: $0) }
        return OwnedValueRules.validity(of: core.allTransactions, ruleset: header.ruleset, owner: owner, resolver: self).validity
    }

    /// The transactions of `id` that reach its views: valid, readable, in view order
    /// (sorted by madeAt, session, index), with meta rules applied.
    public func decodedTransactions(of id: CoID) -> [DecodedTransaction] {
        guard let core = cores[id], let header = core.header else { return [] }
        if header.isGroup {
            var decoded = decodeValid(id, header: header, runs: SessionRun.all(of: core))
            TransactionSorting.sortInPlace(&decoded)
            return decoded
        }
        let counts = core.knownState.sessions
        if var cache = decodedCache[id], cache.groupEpoch == groupEpoch {
            if cache.counts == counts { return cache.decoded }
            // Only new transactions: decode them and merge (validity of an owned value's transaction depends
            // only on the owner group, which did not change).
            var fresh: [(TransactionID, Transaction)] = []
            for session in core.sessionOrder {
                guard let log = core.sessions[session] else { continue }
                for index in (cache.counts[session] ?? 0)..<log.count {
                    fresh.append((TransactionID(sessionID: session, txIndex: index), log.transactions[index]))
                }
            }
            var added = decode(id, core: core, header: header, transactions: fresh)
            TransactionSorting.sortInPlace(&added)
            if let last = cache.decoded.last, let first = added.first, !DecodedTransaction.precedes(last, first) {
                cache.decoded += added
                TransactionSorting.sortInPlace(&cache.decoded)
            } else {
                cache.decoded += added
            }
            if cache.decoded.contains(where: { $0.meta?["fww"] != nil }) { MetaRules.apply(to: &cache.decoded) }
            cache.counts = counts
            cache.view = nil
            decodedCache[id] = cache
            return cache.decoded
        }
        // Walks the session logs in place (no list of all transactions).
        var decoded = decodeValid(id, header: header, runs: SessionRun.all(of: core))
        TransactionSorting.sortInPlace(&decoded)
        MetaRules.apply(to: &decoded)
        decodedCache[id] = DecodedCache(groupEpoch: groupEpoch, counts: counts, decoded: decoded)
        return decoded
    }

    /// Valid, readable transactions among `transactions` (unsorted).
    private func decode(_ id: CoID, core: CoValueCore, header: CoValueHeader, transactions: [(TransactionID, Transaction)])
        -> [DecodedTransaction]
    {
        decodeValid(id, header: header, runs: SessionRun.runs(of: transactions))
    }

    /// A CoValue's decoded transactions (and view), valid while its counts and the groups are unchanged.
    struct DecodedCache {
        var groupEpoch: Int
        var counts: [SessionID: Int]
        var decoded: [DecodedTransaction]
        var view: JSONValue? = nil
    }

    /// The cached view of `id`, if still current.
    func cachedView(of id: CoID) -> JSONValue? {
        guard let cache = decodedCache[id], cache.groupEpoch == groupEpoch, cache.counts == cores[id]?.knownState.sessions else {
            return nil
        }
        return cache.view
    }

    func cacheView(_ view: JSONValue, of id: CoID) {
        decodedCache[id]?.view = view
    }
}

extension SessionID {
    /// A fresh session with randomness from `randomBytes`.
    static func random(for author: AccountOrAgentID, randomBytes: (Int) -> [UInt8]) -> SessionID {
        // Build through the parser so the result is a normal session ID.
        (try? SessionID(author.description + "_session_z" + Base58.encode(randomBytes(8)))) ?? .random(for: author)
    }
}
