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
    /// Items per session, parallel to ``sessions``.
    private let itemsBySession: [[CoStreamItem]]
    private let sessionIndex: [SessionID: Int]
    /// The transactions the view was built from (sorted; for frontier views).
    private let transactions: [DecodedTransaction]

    /// An empty stream.
    public init() { self.init(sortedTransactions: []) }

    /// Builds the view from transactions in any order (invisible ones are ignored).
    public init(transactions: some Sequence<DecodedTransaction>) {
        self.init(sorting: TransactionSorting(Array(transactions).filter(\.isVisible)))
    }

    private init(sortedTransactions: [DecodedTransaction]) {
        self.init(sorting: TransactionSorting(sortedTransactions))
    }

    private init(sorting: TransactionSorting) {
        let sorted = sorting.sorted
        // Sessions are numbered by their first transaction; renumber by their first item.
        var slot = [Int](repeating: -1, count: sorting.sessions.count)
        var sessions: [SessionID] = []
        var items: [[CoStreamItem]] = []
        for position in sorted.indices where !sorted[position].changes.isEmpty {
            let session = Int(sorting.sessionOfTransaction[position])
            if slot[session] < 0 {
                slot[session] = sessions.count
                sessions.append(sorting.sessions[session])
                items.append([])
            }
            let txID = sorted[position].txID
            let madeAt = sorted[position].madeAt
            for change in sorted[position].changes {
                items[slot[session]].append(CoStreamItem(value: change, txID: txID, madeAt: madeAt))
            }
        }
        var index: [SessionID: Int] = [:]
        for (position, session) in sessions.enumerated() { index[session] = position }
        self.sessions = sessions
        self.itemsBySession = items
        self.sessionIndex = index
        self.transactions = sorted
    }

    /// The items pushed in `session`, in order (cojson `itemsIn`).
    public func itemsIn(_ session: SessionID) -> [CoStreamItem] {
        sessionIndex[session].map { itemsBySession[$0] } ?? []
    }

    /// The last item of `session` (cojson `lastItemIn`; jazz-tools `perSession[session]`).
    public func lastItemIn(_ session: SessionID) -> CoStreamItem? {
        sessionIndex[session].flatMap { itemsBySession[$0].last }
    }

    /// Among the sessions of `author`, the last item of each, then the one with the greatest `madeAt`
    /// (the first session's on ties) — cojson `lastItemBy`; jazz-tools `perAccount[author]`. (cojson
    /// selects sessions with `sessionID.startsWith(author)`; this compares the author exactly.)
    public func lastItemBy(_ author: AccountOrAgentID) -> CoStreamItem? {
        var latest: CoStreamItem?
        for (position, session) in sessions.enumerated() where session.author == author {
            guard let item = itemsBySession[position].last else { continue }
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
            all.append(contentsOf: itemsBySession[position])
        }
        return all.enumerated().sorted { ($0.element.madeAt, $0.offset) < ($1.element.madeAt, $1.offset) }.map(\.element)
    }

    /// The last item of every session (jazz-tools `perSession`).
    public var perSession: [SessionID: CoStreamItem] {
        var result: [SessionID: CoStreamItem] = [:]
        for (position, session) in sessions.enumerated() {
            if let last = itemsBySession[position].last { result[session] = last }
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
    public var allItems: [CoStreamItem] { itemsBySession.flatMap { $0 } }

    /// Raw `toJSON()`: `{"<sessionID>": [value, …], …}` in ``sessions`` order.
    public var json: JSONValue {
        .object(JSONObject(zip(sessions, itemsBySession).map { ($0.description, .array($1.map(\.value))) }))
    }

    /// The stream at a frontier: only transactions with `txIndex < frontier[session]` (sessions missing
    /// from the frontier are excluded). cojson has no `atTime` for streams.
    public func atFrontier(_ frontier: [SessionID: Int]) -> CoStreamState {
        CoStreamState(sortedTransactions: transactions.filter { $0.txID.txIndex < (frontier[$0.txID.sessionID] ?? 0) })
    }
}
