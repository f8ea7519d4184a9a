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
        var total = 0
        for log in core.sessions.values {
            for transaction in log.transactions {
                switch transaction {
                case .private(_, _, let encryptedChanges, _): total += encryptedChanges.utf8.count
                case .trusting(_, let changes, _): total += changes.utf8.count
                }
            }
        }
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
                var items: [SyncEngine.FeedItem] = []
                var records = 0
                for item in CoStreamState(transactions: node.decodedTransactions(of: history, in: [session: start..<end])).allItems {
                    guard let decoded = HistoryBatch.decode(item.value, cipher: cipher) else { continue }
                    problems += decoded.problems
                    records += decoded.batch.entries.count + decoded.batch.deletions.count
                    items.append(SyncEngine.FeedItem(session: item.txID.sessionID.description, txIndex: item.txID.txIndex,
                                                     batch: decoded.batch))
                }
                walked += end - start
                try body(items, walked)
                start = end
                if records < 250 { step = min(step * 2, 1_024) } else if records > 1_000 { step = max(step / 2, 1) }
            }
            frontier[session.description] = max(frontier[session.description] ?? 0, count)
        }
        return (frontier, problems)
    }
}
