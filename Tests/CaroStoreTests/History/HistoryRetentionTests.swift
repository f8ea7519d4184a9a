import CaroStore
import Foundation
import Testing

/// Retention and the delete-all watermark in the store: the same entries go on every device, synced rows
/// stay as tombstones (counted as reclaimable), never-pushed rows are removed outright.
@Suite("History retention and watermark")
struct HistoryRetentionTests {
    static func row(_ id: String, at time: Int64) -> HistoryRow {
        HistoryRow(id: id, createdAt: time, command: "cmd-\(id)")
    }

    /// A store holding `rows`, all marked as pushed (as on a synced device).
    static func synced(_ rows: [HistoryRow]) throws -> HistoryStore {
        let store = try HistoryStore(database: try SQLiteDatabase.inMemory())
        _ = try store.insert(rows, retention: .unlimited, now: 0)
        try store.markPushed(rows)
        return store
    }

    @Test func maxEntriesKeepsTheNewestByTimeThenIDWhateverTheInsertionOrder() throws {
        let rows = [Self.row("b", at: 10), Self.row("a", at: 10), Self.row("c", at: 10), Self.row("z", at: 5), Self.row("y", at: 20)]
        let forward = try Self.synced(rows)
        let backward = try Self.synced(rows.reversed())
        for store in [forward, backward] {
            #expect(try store.applyRetention(HistoryRetention(maxEntries: 3), now: 100) == 2)
            #expect(try store.liveRows().map(\.id) == ["b", "c", "y"])
            #expect(try store.reclaimableCount() == 2, "expired synced rows stay as unpushed tombstones")
            #expect(try store.pendingCount() == 0)
        }
    }

    @Test func theWatermarkTombstonesSyncedRowsAndRemovesUnpushedOnes() throws {
        let store = try Self.synced([Self.row("old", at: 10), Self.row("edge", at: 50)])
        _ = try store.insert(Self.row("unpushed", at: 40), retention: .unlimited, now: 0)
        _ = try store.insert(Self.row("later", at: 51), retention: .unlimited, now: 0)
        let gone = try store.expire(HistoryRetention(maxEntries: 0, maxAgeDays: 0, clearedBefore: 50), now: 60)
        #expect(gone == 3)
        #expect(try store.liveRows().map(\.id) == ["later"])
        #expect(try store.entry(id: "unpushed") == nil)
        #expect(try store.entry(id: "edge")?.deletedAt == 50)
        #expect(try store.reclaimableCount() == 2)
        // An entry dated before the watermark that arrives later is not kept.
        _ = try store.applyRemote(entries: [Self.row("late-arrival", at: 30)], deletions: [],
                                  retention: HistoryRetention(maxEntries: 0, maxAgeDays: 0, clearedBefore: 50), now: 70)
        #expect(try store.liveRows().map(\.id) == ["later"])
    }

    @Test func mergeOfAnExportIsPendingAndAddsNothingTwice() throws {
        let store = try HistoryStore(database: try SQLiteDatabase.inMemory())
        let entries = [Self.row("a", at: 1), Self.row("b", at: 2)]
        let first = try store.merge(entries: entries, deletions: [("b", 5), ("unknown", 6)], now: 10) { .unlimited }
        #expect(first.inserted == 2 && first.deleted == 1)
        #expect(try store.liveRows().map(\.id) == ["a"])
        #expect(try store.pendingCount() == 3, "the entry, the deletion and the unknown ID's tombstone are pushed")
        let second = try store.merge(entries: entries, deletions: [("b", 5)], now: 11) { .unlimited }
        #expect(second.inserted == 0 && second.duplicates == 2 && second.deleted == 0)
        #expect(try store.tombstones().map(\.id) == ["b", "unknown"])
    }
}
