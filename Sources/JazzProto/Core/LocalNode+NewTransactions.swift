extension LocalNode {
    /// The valid, readable transactions of the owned value `id` past `counts` (per session: how many of
    /// its transactions the caller already has), in view order — for a reader that keeps its own
    /// frontier across processes and must not decrypt and parse the whole value again each time.
    /// Validity of an owned value's transaction depends only on its owner group, so this equals the
    /// matching suffix of ``decodedTransactions(of:)`` without the meta rules (`fww`). Groups and unknown
    /// values give `[]`.
    public func decodedTransactions(of id: CoID, after counts: [SessionID: Int]) -> [DecodedTransaction] {
        guard let core = core(id), let header = core.header, !header.isGroup else { return [] }
        var runs: [SessionRun] = []
        for session in core.sessionOrder {
            guard let log = core.sessions[session] else { continue }
            let first = max(counts[session] ?? 0, 0)
            guard first < log.count else { continue }
            runs.append(SessionRun(sessionID: session, firstIndex: first, transactions: log.transactions[first...]))
        }
        guard !runs.isEmpty else { return [] }
        var decoded = decodeValid(id, header: header, runs: runs)
        TransactionSorting.sortInPlace(&decoded)
        return decoded
    }
}
