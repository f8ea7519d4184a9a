extension LocalNode {
    /// The valid, readable transactions of the owned value `id` past `counts` (per session: how many of
    /// its transactions the caller already has), in view order — for a reader that keeps its own
    /// frontier across processes and must not decrypt and parse the whole value again each time.
    /// Validity of an owned value's transaction depends only on its owner group, so this equals the
    /// matching suffix of ``decodedTransactions(of:)`` without the meta rules (`fww`). Groups and unknown
    /// values give `[]`.
    public func decodedTransactions(of id: CoID, after counts: [SessionID: Int]) -> [DecodedTransaction] {
        guard let core = core(id) else { return [] }
        var ranges: [SessionID: Range<Int>] = [:]
        for (session, log) in core.sessions { ranges[session] = max(counts[session] ?? 0, 0)..<log.count }
        return decodedTransactions(of: id, in: ranges)
    }

    /// Like ``decodedTransactions(of:after:)``, for the transaction indexes in `ranges` only (per
    /// session; sessions not named give nothing). Nothing is cached: a caller that walks a large value
    /// in slices holds one slice's plaintext at a time.
    public func decodedTransactions(of id: CoID, in ranges: [SessionID: Range<Int>]) -> [DecodedTransaction] {
        prepareDecoding(of: id, in: ranges).decode()
    }

    /// ``decodedTransactions(of:in:)`` in two steps: this one reads the node (which transactions are valid,
    /// their keys); ``PreparedDecoding/decode()`` then decrypts and parses them on any thread, without the
    /// node. A caller that shares the node behind a lock holds it only for this step.
    public func prepareDecoding(of id: CoID, in ranges: [SessionID: Range<Int>]) -> PreparedDecoding {
        guard let core = core(id), let header = core.header, !header.isGroup else { return PreparedDecoding(work: nil) }
        var runs: [SessionRun] = []
        for session in core.sessionOrder {
            guard let log = core.sessions[session], let range = ranges[session] else { continue }
            let clamped = range.clamped(to: 0..<log.count)
            guard !clamped.isEmpty else { continue }
            runs.append(SessionRun(sessionID: session, firstIndex: clamped.lowerBound, transactions: log.transactions[clamped]))
        }
        guard !runs.isEmpty else { return PreparedDecoding(work: nil) }
        return PreparedDecoding(work: prepareValid(id, header: header, runs: runs))
    }
}

/// Transactions of one CoValue ready to be decrypted and parsed without the node (``LocalNode/prepareDecoding(of:in:)``).
public struct PreparedDecoding: Sendable {
    let work: TransactionDecoder.Work?

    /// The valid, readable transactions, decoded and in order (``LocalNode/decodedTransactions(of:in:)``).
    public func decode() -> [DecodedTransaction] {
        guard let work else { return [] }
        var decoded = work.run()
        TransactionSorting.sortInPlace(&decoded)
        return decoded
    }
}
