/// Sorting transactions in ``DecodedTransaction/precedes(_:_:)`` order without comparing session ID
/// strings in the hot loop: every distinct session gets its rank in UTF-16 order once, then the sort runs
/// on integer tuples. The result is the same total order (ties only between identical transaction IDs,
/// which keep their input order).
struct TransactionSorting {
    /// The transactions in ``DecodedTransaction/precedes(_:_:)`` order.
    let sorted: [DecodedTransaction]
    /// The distinct sessions, in order of first appearance in ``sorted``.
    let sessions: [SessionID]
    /// For each element of ``sorted``, the index of its session in ``sessions``.
    let sessionOfTransaction: [Int32]

    init(_ transactions: [DecodedTransaction]) {
        let (table, sessionOf) = Self.internSessions(transactions)
        if Self.isSorted(transactions) {
            // Sessions are already numbered by first appearance in sorted order.
            self.sorted = transactions
            self.sessions = table.sessions
            self.sessionOfTransaction = sessionOf
            return
        }
        let positions = Self.sortedPositions(transactions, sessionOf: sessionOf, sessions: table.sessions)
        let ordered = positions.map { $0.map { transactions[$0] } } ?? transactions
        let orderedSessionOf = positions.map { $0.map { sessionOf[$0] } } ?? sessionOf
        // Renumber sessions by first appearance in sorted order (a pure function of the set).
        var renumber = [Int32](repeating: -1, count: table.sessions.count)
        var sessions: [SessionID] = []
        var finalSessionOf: [Int32] = []
        finalSessionOf.reserveCapacity(orderedSessionOf.count)
        for old in orderedSessionOf {
            if renumber[Int(old)] < 0 {
                renumber[Int(old)] = Int32(sessions.count)
                sessions.append(table.sessions[Int(old)])
            }
            finalSessionOf.append(renumber[Int(old)])
        }
        self.sorted = ordered
        self.sessions = sessions
        self.sessionOfTransaction = finalSessionOf
    }

    /// `transactions` in ``DecodedTransaction/precedes(_:_:)`` order.
    static func sorted(_ transactions: [DecodedTransaction]) -> [DecodedTransaction] {
        isSorted(transactions) ? transactions : TransactionSorting(transactions).sorted
    }
}

extension TransactionSorting {
    /// Sorts `transactions` in place into ``DecodedTransaction/precedes(_:_:)`` order, keeping the input
    /// order of ties like a stable sort. Input that is already in order (the usual case: one session, or
    /// sessions written one after another) is only checked, and otherwise the sort runs on small integer
    /// keys and each transaction is moved once.
    static func sortInPlace(_ transactions: inout [DecodedTransaction]) {
        guard transactions.count > 1, !isSorted(transactions) else { return }
        let (table, sessionOf) = internSessions(transactions)
        guard let positions = sortedPositions(transactions, sessionOf: sessionOf, sessions: table.sessions) else { return }
        let unsorted = transactions
        for (target, position) in positions.enumerated() { transactions[target] = unsorted[position] }
    }

    /// Every distinct session of `transactions`, and for each transaction the index of its session.
    private static func internSessions(_ transactions: [DecodedTransaction]) -> (SessionTable, [Int32]) {
        var table = SessionTable()
        var sessionOf: [Int32] = []
        sessionOf.reserveCapacity(transactions.count)
        for position in transactions.indices {
            sessionOf.append(table.intern(sessionOf: transactions[position]))
        }
        return (table, sessionOf)
    }

    /// The positions of `transactions` in sorted order (ties keep their input order), or nil if they are
    /// already in order. Sorts small integer keys: each session's rank in UTF-16 order is computed once.
    private static func sortedPositions(_ transactions: [DecodedTransaction], sessionOf: [Int32], sessions: [SessionID]) -> [Int]? {
        let byName = sessions.indices.sorted { sessions[$0] < sessions[$1] }
        var rank = [Int32](repeating: 0, count: byName.count)
        for (order, session) in byName.enumerated() { rank[session] = Int32(order) }

        var keys: [(madeAt: UInt64, rank: Int32, txIndex: Int, position: Int)] = []
        keys.reserveCapacity(transactions.count)
        var alreadySorted = true
        for position in transactions.indices {
            let key = (transactions[position].madeAt, rank[Int(sessionOf[position])], transactions[position].txID.txIndex, position)
            if alreadySorted, let last = keys.last, (key.0, key.1, key.2) < (last.0, last.1, last.2) {
                alreadySorted = false
            }
            keys.append(key)
        }
        if alreadySorted { return nil }
        keys.sort { ($0.madeAt, $0.rank, $0.txIndex, $0.position) < ($1.madeAt, $1.rank, $1.txIndex, $1.position) }
        return keys.map(\.position)
    }
}

extension TransactionSorting {
    /// Whether `transactions` are already in ``DecodedTransaction/precedes(_:_:)`` order (equal positions
    /// count as ordered), checked pair by pair without copying session IDs: most neighbours share their
    /// session, which is recognised by the identity of the ID text.
    static func isSorted(_ transactions: [DecodedTransaction]) -> Bool {
        guard transactions.count > 1 else { return true }
        for position in transactions.indices.dropFirst()
        where !isInOrder(transactions[position - 1], transactions[position]) {
            return false
        }
        return true
    }

    /// Whether sorted `transactions` contain two with the same `madeAt` and transaction ID (neighbours
    /// once sorted).
    static func hasRepeatedIDs(_ transactions: [DecodedTransaction]) -> Bool {
        transactions.indices.dropFirst().contains { position in
            let a = transactions[position - 1].txID, b = transactions[position].txID
            return transactions[position - 1].madeAt == transactions[position].madeAt && a.txIndex == b.txIndex
                && (ExactStringKey.sameBytes(a.sessionID.description, b.sessionID.description) || a.sessionID == b.sessionID)
        }
    }

    /// Whether `b` does not precede `a`.
    private static func isInOrder(_ a: DecodedTransaction, _ b: DecodedTransaction) -> Bool {
        if a.madeAt != b.madeAt { return a.madeAt < b.madeAt }
        let sessionA = a.txID.sessionID.description
        let sessionB = b.txID.sessionID.description
        if ExactStringKey.sameBytes(sessionA, sessionB) || a.txID.sessionID == b.txID.sessionID {
            return a.txID.txIndex <= b.txID.txIndex
        }
        return a.txID.sessionID < b.txID.sessionID
    }
}
