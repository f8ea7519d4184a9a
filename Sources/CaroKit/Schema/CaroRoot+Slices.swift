import JazzProto

extension CaroRoot {
    /// How many feed transactions the first slice decodes (up to 1 000 history records at
    /// ``CaroSchema/maxRecordsPerBatch`` per transaction). Later slices adapt: twice as many transactions
    /// after a slice of fewer than 250 records (a feed of small pushes), half as many after one of more
    /// than 1 000, so each slice holds a few hundred records.
    public static let transactionsPerSlice = 2

    /// The number of feed transactions past `applied` (per session), i.e. what ``forEachFeedSlice(in:after:_:)``
    /// walks: the unit of a restore's progress.
    public func feedTransactionCount(in node: LocalNode, after applied: [String: Int] = [:]) -> Int {
        node.knownState(of: history).sessions.reduce(0) { $0 + max($1.value - (applied[$1.key.description] ?? 0), 0) }
    }

    /// The bytes of the feed's transactions as they travel and are stored (their encrypted text): what
    /// sizes a restore's SQLite page cache.
    public func feedBytes(in node: LocalNode) -> Int {
        guard let core = node.core(history) else { return 0 }
        return core.sessions.values.reduce(0) { $0 + Self.bytes(of: $1.transactions[...]) }
    }

    /// ``feedBytes(in:)`` of `session`'s transactions `range` only.
    public func feedBytes(of session: SessionID, _ range: Range<Int>, in node: LocalNode) -> Int {
        guard let log = node.core(history)?.sessions[session] else { return 0 }
        return Self.bytes(of: log.transactions[range.clamped(to: log.transactions.indices)])
    }

    private static func bytes(of transactions: ArraySlice<Transaction>) -> Int {
        var total = 0
        for transaction in transactions {
            switch transaction {
            case .private(_, _, let encryptedChanges, _): total += encryptedChanges.utf8.count
            case .trusting(_, let changes, _): total += changes.utf8.count
            }
        }
        return total
    }

    /// How many feed transactions there will be once the node holds all the relay is sending: per session,
    /// the count the relay announced while it streams, else the count the node holds.
    public func feedTransactionTotal(in node: LocalNode) -> Int {
        guard let core = node.core(history) else { return 0 }
        var total = 0
        for (session, log) in core.sessions { total += max(log.count, core.streamingTarget[session] ?? 0) }
        for (session, target) in core.streamingTarget where core.sessions[session] == nil { total += target }
        return total
    }

    /// Walks the history items past `applied` a few transactions at a time: each slice is decrypted,
    /// decoded and handed to `body` with the number of feed transactions walked so far, then dropped, so
    /// a restore of any size holds one slice of plaintext at a time (not the whole feed, as
    /// ``feedItems(in:after:)`` does). Returns the frontier walked (per session, its transaction count)
    /// and the entries skipped as undecodable.
    @discardableResult
    public func forEachFeedSlice(
        in node: LocalNode, after applied: [String: Int] = [:], transactionsPerSlice: Int = Self.transactionsPerSlice,
        _ body: (_ items: [SyncEngine.FeedItem], _ walked: Int) throws -> Void
    ) rethrows -> (frontier: [String: Int], problems: [String]) {
        var frontier = applied
        var problems: [String] = []
        var walked = 0
        var step = max(transactionsPerSlice, 1)
        for (session, count) in node.knownState(of: history).sessions.sorted(by: { $0.key.description < $1.key.description }) {
            var start = applied[session.description] ?? 0
            while start < count {
                let end = min(start + step, count)
                let slice = decodeFeedSlice(feedSliceItems(in: node, session: session, range: start..<end))
                problems += slice.problems
                walked += end - start
                try body(slice.items, walked)
                start = end
                step = Self.nextSliceStep(step, afterRecords: slice.records)
            }
            frontier[session.description] = max(frontier[session.description] ?? 0, count)
        }
        return (frontier, problems)
    }

    /// The decrypted items of `session`'s feed transactions `range`.
    public func feedSliceItems(in node: LocalNode, session: SessionID, range: Range<Int>) -> [CoStreamItem] {
        Self.feedSliceItems(prepareFeedSlice(in: node, session: session, range: range))
    }

    /// `session`'s feed transactions `range`, ready to be decrypted without the node (the only step that
    /// reads it).
    public func prepareFeedSlice(in node: LocalNode, session: SessionID, range: Range<Int>) -> PreparedDecoding {
        node.prepareDecoding(of: history, in: [session: range])
    }

    /// The items of a prepared slice (decrypts them; no node needed).
    public static func feedSliceItems(_ slice: PreparedDecoding) -> [CoStreamItem] {
        CoStreamState(transactions: slice.decode()).allItems
    }

    /// Decodes a slice's items into history batches (the field key opens them; no node needed). Returns the
    /// batches, how many records they hold, and the entries skipped as undecodable.
    public func decodeFeedSlice(_ slice: [CoStreamItem]) -> (items: [SyncEngine.FeedItem], records: Int, problems: [String]) {
        var items: [SyncEngine.FeedItem] = []
        var records = 0
        var problems: [String] = []
        for item in slice {
            guard let decoded = HistoryBatch.decode(item.value, cipher: cipher) else { continue }
            problems += decoded.problems
            records += decoded.batch.entries.count + decoded.batch.deletions.count
            items.append(SyncEngine.FeedItem(session: item.txID.sessionID.description, txIndex: item.txID.txIndex, batch: decoded.batch))
        }
        return (items, records, problems)
    }

    /// How many transactions the slice after one of `records` records takes: twice as many after fewer than
    /// 250, half as many after more than 1 000 (see ``transactionsPerSlice``).
    static func nextSliceStep(_ step: Int, afterRecords records: Int) -> Int {
        if records < 250 { return min(step * 2, 1_024) }
        if records > 1_000 { return max(step / 2, 1) }
        return step
    }
}
