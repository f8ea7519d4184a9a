/// The view of a CoList (jazz-sync §6.5): a pure function of its transactions.
///
/// Input: the visible transactions plus the meta-invalid ones (`isVisible == false`, §6.1 step 4), in
/// any order; they are sorted with ``DecodedTransaction/precedes(_:_:)``. Every change is processed in
/// that order:
/// * `{"op":"app","value":V,"after":OpID|"start"}` / `{"op":"pre","value":V,"before":OpID|"end"}`
///   create the node named by the change's own op ID (a second op with the same ID is skipped). The node
///   is linked as a successor / predecessor of its anchor if the anchor node exists at that moment;
///   otherwise it is an **orphan** and never shown, even if the anchor appears later. `"start"` / `"end"`
///   append to the root lists. Nodes from invisible transactions are created (and anchor others) but are
///   never shown.
/// * `{"op":"del","insertion":OpID}` records a deletion of that element (which need not exist yet);
///   deletions from invisible transactions count too.
///
/// Reading: for each root (after-start roots oldest first, then before-end roots oldest first),
/// `visit(node)` = predecessors newest first, then the node if visible and not deleted, then successors
/// newest first. The walk is iterative (deep lists cannot overflow the stack).
///
/// Differences from cojson 0.20.19 (all on malformed data cojson never writes): an unknown op or a
/// change that is not an object is skipped and reported in ``skippedChanges`` (cojson throws and stops
/// building the view); an insertion without `value` shows as `null`; an insertion with a missing or
/// unusable anchor is an orphan (cojson throws); an insertion anchored to itself is an orphan (cojson
/// loops forever); `txIndex`/`changeIdx` must be JSON integers (cojson also matches numeric strings).
/// Equal-`madeAt` ties across sessions follow the deterministic §6.2 tiebreak (session ID, then
/// `txIndex`) where cojson uses its local processing order.
///
/// `restrictDeletion` (ownedByGroup rulesets with `restrictDeletion: true`) depends on roles, so the
/// caller decides it: ``init(transactions:isDeletionAllowed:)``.
public struct CoListState: Sendable, Equatable {
    /// The transactions the view was built from, sorted, without those dropped by a deletion restriction.
    public let transactions: [DecodedTransaction]
    /// The visible elements in list order.
    public let entries: [CoListEntry]
    /// Every `del` op, in transaction order (cojson `deletionEdits()`, which lists them grouped by target).
    public let deletions: [CoListDeletion]
    /// Changes that could not be interpreted (skipped).
    public let skippedChanges: [CRDTError]

    /// An empty list.
    public init() {
        self.init(sortedTransactions: [])
    }

    /// Builds the view from transactions in any order.
    public init(transactions: some Sequence<DecodedTransaction>) {
        self.init(sorting: TransactionSorting(Array(transactions)))
    }

    /// Builds the view of a CoList whose ruleset has `restrictDeletion: true`: a *visible* transaction that
    /// contains any `del` op is dropped entirely (its insertions too) unless `isDeletionAllowed` returns
    /// true for it — cojson allows it when the author is `admin` or `manager` of the owner group at the
    /// transaction's `madeAt`. Invisible (meta-invalid) transactions are never dropped, as in cojson.
    public init(transactions: some Sequence<DecodedTransaction>, isDeletionAllowed: (DecodedTransaction) -> Bool) {
        let kept = Array(transactions).filter { transaction in
            !(transaction.isVisible && Self.containsDeletion(transaction) && !isDeletionAllowed(transaction))
        }
        self.init(sorting: TransactionSorting(kept))
    }

    /// Builds from transactions that are already in ``DecodedTransaction/precedes(_:_:)`` order.
    init(sortedTransactions: [DecodedTransaction]) {
        self.init(sorting: TransactionSorting(sortedTransactions))
    }

    private init(sorting: TransactionSorting) {
        var builder = CoListBuilder(sorting: sorting)
        builder.build()
        transactions = sorting.sorted
        entries = builder.walk()
        deletions = builder.deletions
        skippedChanges = builder.skipped
    }

    /// The view (`toJSON()`) of `transactions` (any order) without building ``entries``: the values only.
    /// `isDeletionAllowed` as in ``init(transactions:isDeletionAllowed:)`` (nil: no restriction).
    public static func json(of transactions: [DecodedTransaction],
                            isDeletionAllowed: ((DecodedTransaction) -> Bool)? = nil) -> JSONValue {
        let kept = isDeletionAllowed.map { allowed in
            transactions.filter { !($0.isVisible && containsDeletion($0) && !allowed($0)) }
        } ?? transactions
        var builder = CoListBuilder(sorting: TransactionSorting(kept))
        builder.build()
        return .array(builder.walkValues())
    }

    /// The visible values in list order (cojson `asArray()`).
    public var items: [JSONValue] { entries.map(\.value) }

    /// The number of visible elements.
    public var count: Int { entries.count }

    /// `toJSON()`: the array of values.
    public var json: JSONValue { .array(items) }

    /// The element at `index`, if any (cojson `get` / `editAt`).
    public func entry(at index: Int) -> CoListEntry? {
        entries.indices.contains(index) ? entries[index] : nil
    }

    /// The view as it was at time `t`: rebuilt from the transactions with `madeAt ≤ t`.
    public func atTime(_ t: UInt64) -> CoListState {
        CoListState(sortedTransactions: transactions.filter { $0.madeAt <= t })
    }

    /// The view at a frontier: rebuilt from the transactions with `txIndex < frontier[session]`
    /// (sessions missing from the frontier are excluded).
    public func atFrontier(_ frontier: [SessionID: Int]) -> CoListState {
        CoListState(sortedTransactions: transactions.filter { $0.txID.txIndex < (frontier[$0.txID.sessionID] ?? 0) })
    }

    /// The view after adding `newTransactions` (for writers that need the state after their own edit;
    /// no deletion restriction is applied to them).
    public func applying(_ newTransactions: [DecodedTransaction]) -> CoListState {
        guard !newTransactions.isEmpty else { return self }
        return CoListState(sorting: TransactionSorting(transactions + newTransactions))
    }

    /// Whether a transaction contains a `del` op (what `restrictDeletion` looks at).
    static func containsDeletion(_ transaction: DecodedTransaction) -> Bool {
        transaction.changes.contains { $0["op"]?.stringValue == "del" }
    }
}

/// The node graph of a CoList, built in one pass over sorted transactions. Children lists are singly
/// linked with new children in front, which is exactly the newest-first order the walk needs.
private struct CoListBuilder {
    struct NodeKey: Hashable {
        let session: Int32
        let txIndex: Int
        let changeIdx: Int

        /// One mixed word instead of three (equality still compares every field).
        func hash(into hasher: inout Hasher) {
            hasher.combine(UInt64(truncatingIfNeeded: txIndex) &* 0x9E37_79B9_7F4A_7C15
                ^ UInt64(truncatingIfNeeded: changeIdx) &* 0xC2B2_AE3D_27D4_EB4F
                ^ UInt64(UInt32(bitPattern: session)))
        }
    }

    let transactions: [DecodedTransaction]
    /// Session ID text (exact bytes) -> index into `sessions`.
    var sessionIndex: [ExactStringKey: Int32] = [:]
    let sessions: [SessionID]
    /// The session index of each transaction.
    let transactionSession: [Int32]

    var nodeIndex: [NodeKey: Int32] = [:]
    var nodeTransaction: [Int32] = []
    var nodeChange: [Int32] = []
    var nodeValue: [JSONValue] = []
    var nodeShown: [Bool] = []
    var firstPredecessor: [Int32] = []
    var firstSuccessor: [Int32] = []
    var nextSibling: [Int32] = []
    var afterStart: [Int32] = []
    var beforeEnd: [Int32] = []
    var deletedKeys: Set<NodeKey> = []
    var lastNamedSession: (ExactStringKey, Int32)?
    /// Members of ops: 0 "op", 1 "value", 2 "after", 3 "before", 4 "insertion".
    var opMembers = MemberLookup(["op", "value", "after", "before", "insertion"])
    /// Members of op IDs: 0 "sessionID", 1 "txIndex", 2 "changeIdx", 3 "branch".
    var idMembers = MemberLookup(["sessionID", "txIndex", "changeIdx", "branch"])

    var deletions: [CoListDeletion] = []
    var skipped: [CRDTError] = []

    init(sorting: TransactionSorting) {
        transactions = sorting.sorted
        sessions = sorting.sessions
        transactionSession = sorting.sessionOfTransaction
        for (index, session) in sessions.enumerated() { sessionIndex[ExactStringKey(session.description)] = Int32(index) }
        var changeCount = 0
        for position in transactions.indices { changeCount += transactions[position].changes.count }
        nodeIndex.reserveCapacity(changeCount)
        nodeTransaction.reserveCapacity(changeCount)
        nodeChange.reserveCapacity(changeCount)
        firstPredecessor.reserveCapacity(changeCount)
        firstSuccessor.reserveCapacity(changeCount)
        nextSibling.reserveCapacity(changeCount)
        nodeValue.reserveCapacity(changeCount)
        nodeShown.reserveCapacity(changeCount)
    }

    mutating func build() {
        for position in transactions.indices {
            let session = transactionSession[position]
            let changes = transactions[position].changes
            for changeIdx in changes.indices {
                guard case .object(let op) = changes[changeIdx] else {
                    skip(position, changeIdx, "a CoList change must be an object")
                    continue
                }
                opMembers.prepare(op)
                let opName = opMembers.value(0, in: op)
                switch opName {
                case .string("app"):
                    insert(op, isAfter: true, position: position, session: session, changeIdx: changeIdx)
                case .string("pre"):
                    insert(op, isAfter: false, position: position, session: session, changeIdx: changeIdx)
                case .string("del"):
                    delete(op, position: position, changeIdx: changeIdx)
                default:
                    skip(position, changeIdx, "unknown CoList op \(opName.map { $0.jsonStringify() } ?? "(missing)")")
                }
            }
        }
        for key in deletedKeys {
            if let node = nodeIndex[key] { nodeShown[Int(node)] = false }
        }
    }

    private mutating func skip(_ position: Int, _ changeIdx: Int, _ reason: String) {
        skipped.append(.malformedChange(txID: transactions[position].txID, changeIndex: changeIdx, reason: reason))
    }

    /// `op` is the object last given to `opMembers.prepare`.
    private mutating func insert(_ op: JSONObject, isAfter: Bool, position: Int, session: Int32, changeIdx: Int) {
        let key = NodeKey(session: session, txIndex: transactions[position].txID.txIndex, changeIdx: changeIdx)
        let node = Int32(nodeValue.count)
        // One hash lookup: insert, and put the earlier node back in the rare case of an op merged twice.
        if let existing = nodeIndex.updateValue(node, forKey: key) {
            nodeIndex[key] = existing
            return
        }
        nodeTransaction.append(Int32(position))
        nodeChange.append(Int32(changeIdx))
        nodeValue.append(opMembers.value(1, in: op) ?? .null)
        nodeShown.append(transactions[position].isVisible)
        firstPredecessor.append(-1)
        firstSuccessor.append(-1)
        nextSibling.append(-1)

        switch opMembers.value(isAfter ? 2 : 3, in: op) {
        case .some(.string(let marker)) where marker == (isAfter ? "start" : "end"):
            if isAfter { afterStart.append(node) } else { beforeEnd.append(node) }
        case .some(let anchor):
            guard let anchorKey = nodeKey(anchor), let parent = nodeIndex[anchorKey], parent != node else {
                return  // orphan: never linked, never shown
            }
            let parentIndex = Int(parent)
            if isAfter {
                nextSibling[Int(node)] = firstSuccessor[parentIndex]
                firstSuccessor[parentIndex] = node
            } else {
                nextSibling[Int(node)] = firstPredecessor[parentIndex]
                firstPredecessor[parentIndex] = node
            }
        case .none:
            skip(position, changeIdx, "insertion without \"\(isAfter ? "after" : "before")\" (kept as an orphan)")
        }
    }

    /// `op` is the object last given to `opMembers.prepare`.
    private mutating func delete(_ op: JSONObject, position: Int, changeIdx: Int) {
        guard let targetJSON = opMembers.value(4, in: op), let target = opID(targetJSON) else {
            skip(position, changeIdx, "deletion without a valid \"insertion\" op ID")
            return
        }
        let txID = transactions[position].txID
        deletions.append(CoListDeletion(opID: CoListOpID(txID: txID, changeIdx: changeIdx), target: target, madeAt: transactions[position].madeAt))
        if let key = nodeKey(targetJSON) { deletedKeys.insert(key) }
    }

    /// The key an op ID refers to, if it can name a node of this list (nodes never carry a branch yet).
    private mutating func nodeKey(_ json: JSONValue) -> NodeKey? {
        guard case .object(let object) = json else { return nil }
        idMembers.prepare(object)
        guard case .string(let sessionString)? = idMembers.value(0, in: object),
            let session = session(named: sessionString),
            let txIndex = JSONInteger.nonNegative(idMembers.value(1, in: object)),
            let changeIdx = JSONInteger.nonNegative(idMembers.value(2, in: object)),
            CoListOpID.branch(idMembers.value(3, in: object)) == ""
        else { return nil }
        return NodeKey(session: session, txIndex: txIndex, changeIdx: changeIdx)
    }

    /// The index of a session named in an op ID (anchors mostly name the same session as the previous one).
    private mutating func session(named name: String) -> Int32? {
        let key = ExactStringKey(name)
        if let cached = lastNamedSession, cached.0 == key { return cached.1 }
        guard let index = sessionIndex[key] else { return nil }
        lastNamedSession = (key, index)
        return index
    }

    /// A full op ID, reusing the session IDs already parsed for this list's transactions.
    private mutating func opID(_ json: JSONValue) -> CoListOpID? {
        guard case .object(let object) = json else { return nil }
        idMembers.prepare(object)
        guard case .string(let sessionString)? = idMembers.value(0, in: object),
            let txIndex = JSONInteger.nonNegative(idMembers.value(1, in: object)),
            let changeIdx = JSONInteger.nonNegative(idMembers.value(2, in: object)),
            let branch = CoListOpID.branch(idMembers.value(3, in: object))
        else { return nil }
        let sessionID: SessionID
        if let known = sessionIndex[ExactStringKey(sessionString)] {
            sessionID = sessions[Int(known)]
        } else if let parsed = try? SessionID(sessionString) {
            sessionID = parsed
        } else {
            return nil
        }
        return CoListOpID(sessionID: sessionID, txIndex: txIndex, changeIdx: changeIdx, branch: branch.isEmpty ? nil : branch)
    }

    /// The visible entries: every root in order, each visited predecessors-first (iteratively).
    /// The visible elements in list order.
    func walk() -> [CoListEntry] {
        var result: [CoListEntry] = []
        result.reserveCapacity(nodeValue.count)
        forEachShownNode { node in
            let position = Int(nodeTransaction[node])
            result.append(
                CoListEntry(
                    value: nodeValue[node],
                    opID: CoListOpID(
                        sessionID: sessions[Int(transactionSession[position])],
                        txIndex: transactions[position].txID.txIndex, changeIdx: Int(nodeChange[node])),
                    madeAt: transactions[position].madeAt))
        }
        return result
    }

    /// Only the visible values in list order (what a view shows; no op IDs are made).
    func walkValues() -> [JSONValue] {
        var result: [JSONValue] = []
        result.reserveCapacity(nodeValue.count)
        forEachShownNode { result.append(nodeValue[$0]) }
        return result
    }

    /// Calls `body` with every shown node in list order.
    private func forEachShownNode(_ body: (Int) -> Void) {
        // A frame is (node, cursor over its current child list, phase 0 = predecessors, 1 = successors).
        var stack: [(node: Int32, cursor: Int32, phase: UInt8)] = []
        for root in afterStart + beforeEnd {
            stack.append((root, firstPredecessor[Int(root)], 0))
            while let top = stack.last {
                let last = stack.count - 1
                if top.cursor >= 0 {
                    let child = top.cursor
                    stack[last].cursor = nextSibling[Int(child)]
                    stack.append((child, firstPredecessor[Int(child)], 0))
                } else if top.phase == 0 {
                    let node = Int(top.node)
                    if nodeShown[node] { body(node) }
                    stack[last] = (top.node, firstSuccessor[node], 1)
                } else {
                    stack.removeLast()
                }
            }
        }
    }
}
