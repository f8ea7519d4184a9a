import CaroKit
import CaroStore
import JazzProto
import Testing

/// The restore walks the history feed in slices (decode, apply, drop): it must see exactly the items the
/// whole-feed decode sees, past a frontier, with slices that adapt to the size of the feed's transactions.
@Suite("Feed slices")
struct FeedSliceTests {
    @Test func slicesHoldEveryItemOnceAndAdaptToTheTransactionSizes() throws {
        let admin = try LocalNode.createJazzAccount(agentSecret: AgentSecret.random(), name: "Caro")
        let account = try #require(admin.accountID)
        let group = try admin.createGroup()
        let feed = try admin.createValue(type: "costream", owner: group)
        let root = try admin.createValue(type: "comap", owner: group)
        let fieldKey = [UInt8](repeating: 5, count: 32)
        try admin.makeTransaction(
            in: root,
            changes: CoMapChanges.assign([
                ("schemaVersion", 1), ("history", .string(feed.description)), ("preferences", .string(feed.description)),
                ("devices", .string(feed.description)), ("fieldKeyVersion", 1), ("fieldKey_1", .string(Base64URL.encode(fieldKey))),
            ]), privacy: .private)
        let caroRoot = try #require(CaroRoot(root, in: admin, admin: account))
        func row(_ n: Int) -> HistoryRow { HistoryRow(id: "entry-\(n)", createdAt: Int64(n), command: "echo \(n)", cwd: "/tmp") }
        // 40 one-entry pushes (as `sync watch` makes), then 3 large ones, then deletions.
        var batches = (0..<40).map { HistoryBatch(entries: [row($0)]) }
        batches += (0..<3).map { chunk in HistoryBatch(entries: (0..<700).map { row(1_000 + chunk * 700 + $0) }) }
        batches.append(HistoryBatch(deletions: [.init(id: "entry-3", deletedAt: 99), .init(id: "entry-1005", deletedAt: 99)]))
        for batch in batches {
            try admin.makeTransaction(in: feed, changes: CoStreamChanges.push(try batch.encoded(with: caroRoot.cipher)), privacy: .private)
        }

        func key(_ item: SyncEngine.FeedItem) -> String { "\(item.session)/\(item.txIndex)" }
        let whole = caroRoot.feedItems(in: admin).items
        #expect(whole.count == batches.count)
        var sliced: [SyncEngine.FeedItem] = []
        var calls: [(items: Int, walked: Int)] = []
        let walk = caroRoot.forEachFeedSlice(in: admin) { items, walked in
            sliced += items
            calls.append((items.count, walked))
        }
        #expect(sliced.map(key).sorted() == whole.map(key).sorted())
        #expect(sliced.sorted { key($0) < key($1) }.map(\.batch) == whole.sorted { key($0) < key($1) }.map(\.batch))
        #expect(walk.problems.isEmpty)
        let session = try #require(admin.knownState(of: feed).sessions.first)
        #expect(walk.frontier == [session.key.description: session.value])
        #expect(calls.last?.walked == batches.count)
        #expect(caroRoot.feedTransactionCount(in: admin) == batches.count)
        // The small pushes share slices: fewer slices than transactions.
        #expect(calls.count < batches.count)

        // Past a frontier: only what follows it.
        var later: [SyncEngine.FeedItem] = []
        let applied = [session.key.description: 40]
        caroRoot.forEachFeedSlice(in: admin, after: applied) { items, _ in later += items }
        #expect(later.map(\.txIndex).sorted() == Array(40..<batches.count))
        #expect(caroRoot.feedTransactionCount(in: admin, after: applied) == batches.count - 40)
    }
}
