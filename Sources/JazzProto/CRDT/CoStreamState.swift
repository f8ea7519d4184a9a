/// The view of a CoStream / CoFeed (jazz-sync §6.7): every element of every visible transaction's
/// `changes` is one item (any JSON), grouped by session.
///
/// Within a session items are ordered by `madeAt`, then `txIndex` (items of one transaction keep their
/// order). Sessions are listed in "first-seen" order, defined deterministically as the order of each
/// session's first item-bearing transaction under ``DecodedTransaction/precedes(_:_:)`` (cojson uses the
/// order its node happened to process sessions in).
public struct CoStreamState: Sendable, Equatable {
    /// Sessions with at least one item, in first-seen order.
    public let sessions: [SessionID]
    /// Per session (parallel to ``sessions``), the positions in ``transactions`` of its item-bearing
    /// transactions, in order; every change of such a transaction is one item. Items are built on demand,
    /// so building the view copies no transaction IDs.
    private let transactionsBySession: [[Int]]
    private let sessionIndex: [SessionID: Int]
    /// The transactions the view was built from (sorted; for frontier views).
    private let transactions: [DecodedTransaction]

    /// An empty stream.
    public init() { self.init(sortedTransactions: []) }

    /// Builds the view from transactions in any order (invisible ones are ignored).
    public init(transactions: some Sequence<DecodedTransaction>) {
        var visible = Array(transactions)
        // Usually every transaction is visible: then the array is used as it is (no copy).
        if !visible.allSatisfy(\.isVisible) { visible.removeAll { !$0.isVisible } }
        self.init(sorting: TransactionSorting(visible))
    }

    private init(sortedTransactions: [DecodedTransaction]) {
        self.init(sorting: TransactionSorting(sortedTransactions))
    }

    private init(sorting: TransactionSorting) {
        let sorted = sorting.sorted
        // Sessions are numbered by their first transaction; renumber by their first item.
        var slot = [Int](repeating: -1, count: sorting.sessions.count)
        var sessions: [SessionID] = []
        var positions: [[Int]] = []
        for position in sorted.indices where !sorted[position].changes.isEmpty {
            let session = Int(sorting.sessionOfTransaction[position])
            if slot[session] < 0 {
                slot[session] = sessions.count
                sessions.append(sorting.sessions[session])
                positions.append([])
            }
            positions[slot[session]].append(position)
        }
        var index: [SessionID: Int] = [:]
        for (position, session) in sessions.enumerated() { index[session] = position }
        self.sessions = sessions
        self.transactionsBySession = positions
        self.sessionIndex = index
        self.transactions = sorted
    }

    /// The items of the session at `slot` (an index into ``sessions``), in order.
    private func items(inSlot slot: Int) -> [CoStreamItem] {
        var items: [CoStreamItem] = []
        for position in transactionsBySession[slot] {
            let transaction = transactions[position]
            for change in transaction.changes {
                items.append(CoStreamItem(value: change, txID: transaction.txID, madeAt: transaction.madeAt))
            }
        }
        return items
    }

    /// The last item of the session at `slot`.
    private func lastItem(inSlot slot: Int) -> CoStreamItem? {
        guard let position = transactionsBySession[slot].last, let value = transactions[position].changes.last else {
            return nil
        }
        return CoStreamItem(value: value, txID: transactions[position].txID, madeAt: transactions[position].madeAt)
    }

    /// The items pushed in `session`, in order (cojson `itemsIn`).
    public func itemsIn(_ session: SessionID) -> [CoStreamItem] {
        sessionIndex[session].map { items(inSlot: $0) } ?? []
    }

    /// The last item of `session` (cojson `lastItemIn`; jazz-tools `perSession[session]`).
    public func lastItemIn(_ session: SessionID) -> CoStreamItem? {
        sessionIndex[session].flatMap { lastItem(inSlot: $0) }
    }

    /// Among the sessions of `author`, the last item of each, then the one with the greatest `madeAt`
    /// (the first session's on ties) — cojson `lastItemBy`; jazz-tools `perAccount[author]`. (cojson
    /// selects sessions with `sessionID.startsWith(author)`; this compares the author exactly.)
    public func lastItemBy(_ author: AccountOrAgentID) -> CoStreamItem? {
        var latest: CoStreamItem?
        for (position, session) in sessions.enumerated() where session.author == author {
            guard let item = lastItem(inSlot: position) else { continue }
            if let current = latest, item.madeAt <= current.madeAt { continue }
            latest = item
        }
        return latest
    }

    /// All items of `author`'s sessions, sorted by `madeAt` (stable: session order, then item order) —
    /// cojson `itemsBy`.
    public func itemsBy(_ author: AccountOrAgentID) -> [CoStreamItem] {
        var all: [CoStreamItem] = []
        for (position, session) in sessions.enumerated() where session.author == author {
            all.append(contentsOf: items(inSlot: position))
        }
        return all.enumerated().sorted { ($0.element.madeAt, $0.offset) < ($1.element.madeAt, $1.offset) }.map(\.element)
    }

    /// The last item of every session (jazz-tools `perSession`).
    public var perSession: [SessionID: CoStreamItem] {
        var result: [SessionID: CoStreamItem] = [:]
        for (position, session) in sessions.enumerated() {
            if let last = lastItem(inSlot: position) { result[session] = last }
        }
        return result
    }

    /// The accounts (not agents) that pushed items, in first-seen order (cojson `accounts()`).
    public var accounts: [CoID] {
        var seen: Set<CoID> = []
        var result: [CoID] = []
        for session in sessions {
            if let account = session.author.accountID, seen.insert(account).inserted { result.append(account) }
        }
        return result
    }

    /// ``lastItemBy(_:)`` for every account (jazz-tools `perAccount`; agents are not included).
    public var perAccount: [CoID: CoStreamItem] {
        var result: [CoID: CoStreamItem] = [:]
        for account in accounts { result[account] = lastItemBy(.account(account)) }
        return result
    }

    /// Every item, session by session (in ``sessions`` order).
    public var allItems: [CoStreamItem] { sessions.indices.flatMap { items(inSlot: $0) } }

    /// Raw `toJSON()`: `{"<sessionID>": [value, …], …}` in ``sessions`` order.
    public var json: JSONValue {
        var members: [(String, JSONValue)] = []
        members.reserveCapacity(sessions.count)
        for (slot, session) in sessions.enumerated() {
            var values: [JSONValue] = []
            values.reserveCapacity(transactionsBySession[slot].reduce(0) { $0 + transactions[$1].changes.count })
            for position in transactionsBySession[slot] { values.append(contentsOf: transactions[position].changes) }
            members.append((session.description, .array(values)))
        }
        return .object(JSONObject(members))
    }

    /// The stream at a frontier: only transactions with `txIndex < frontier[session]` (sessions missing
    /// from the frontier are excluded). cojson has no `atTime` for streams.
    public func atFrontier(_ frontier: [SessionID: Int]) -> CoStreamState {
        CoStreamState(sortedTransactions: transactions.filter { $0.txID.txIndex < (frontier[$0.txID.sessionID] ?? 0) })
    }
}
