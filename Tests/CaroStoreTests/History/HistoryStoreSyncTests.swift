import CaroStore
import Testing

@Suite("History store: applying synced changes")
struct HistoryStoreSyncTests {
    static func row(_ id: String, _ command: String) -> HistoryRow {
        HistoryRow(id: id, createdAt: 1_000, command: command, cwd: "/tmp")
    }

    @Test func remoteEntriesAreNotPendingAndReplaysAddNothing() throws {
        let store = try HistoryStore(database: try SQLiteDatabase.inMemory())
        let entries = [Self.row("a", "ls"), Self.row("b", "pwd")]
        #expect(try store.applyRemote(entries: entries, deletions: [], retention: .unlimited, now: 0) == (2, 0))
        #expect(try store.applyRemote(entries: entries, deletions: [], retention: .unlimited, now: 0) == (0, 0))
        #expect(try store.liveCount() == 2)
        #expect(try store.pendingRows().isEmpty)
    }

    @Test func aDeletionWinsWhetherItArrivesBeforeOrAfterItsEntry() throws {
        let before = try HistoryStore(database: try SQLiteDatabase.inMemory())
        _ = try before.applyRemote(entries: [], deletions: [("a", 5)], retention: .unlimited, now: 0)
        _ = try before.applyRemote(entries: [Self.row("a", "ls")], deletions: [], retention: .unlimited, now: 0)
        let after = try HistoryStore(database: try SQLiteDatabase.inMemory())
        _ = try after.applyRemote(entries: [Self.row("a", "ls")], deletions: [], retention: .unlimited, now: 0)
        #expect(try after.applyRemote(entries: [], deletions: [("a", 5)], retention: .unlimited, now: 0) == (0, 1))
        for store in [before, after] {
            #expect(try store.liveCount() == 0)
            #expect(try store.entry(id: "a")?.deletedAt == 5)
            #expect(try store.pendingRows().isEmpty)
        }
    }

    @Test func aRestoreSliceInsertsOnceAndItsDeletionsWinInsideTheRestoresTransaction() throws {
        let store = try HistoryStore(database: try SQLiteDatabase.inMemory())
        let done = try store.database.transaction(.immediate) {
            try store.bulkLoad {
                [try store.applyRemoteSlice(entries: [Self.row("a", "ls"), Self.row("b", "pwd")], deletions: [("c", 3)]),
                 try store.applyRemoteSlice(entries: [Self.row("a", "ls"), Self.row("c", "rm")], deletions: [("b", 4)])]
            }
        }
        #expect(done.map(\.inserted) == [2, 0])  // "a" again, and "c" after its deletion: nothing new
        #expect(done.map(\.deleted) == [0, 1])
        #expect(try store.liveCount() == 1)
        #expect(try store.entry(id: "b")?.deletedAt == 4)
        #expect(try store.entry(id: "c")?.deletedAt == 3)
        #expect(try store.entries(matching: HistoryQuery(text: "ls")).map(\.id) == ["a"])
        #expect(try store.pendingRows().isEmpty)
    }

    @Test func rowsIndexedInTheMiddleOfABulkLoadAreKeptByTheTriggersFromThenOn() throws {
        let store = try HistoryStore(database: try SQLiteDatabase.inMemory())
        #expect(try store.insert(Self.row("old", "make old"), retention: .unlimited, now: 0))
        func found(_ text: String) throws -> [String] { try store.entries(matching: HistoryQuery(text: text)).map(\.id) }
        try store.database.transaction(.immediate) {
            try store.bulkLoad {
                _ = try store.applyRemoteSlice(entries: [Self.row("a", "make alpha"), Self.row("b", "make beta")], deletions: [])
                #expect(try found("alpha").isEmpty)  // not indexed yet
                try store.indexLoadedRows()
                #expect(try found("alpha") == ["a"])
                #expect(try store.liveCount() == 3)
                // An indexed row deleted later in the load leaves the index and the count at once.
                _ = try store.applyRemoteSlice(entries: [Self.row("c", "make gamma")], deletions: [("b", 7)])
                #expect(try found("beta").isEmpty)
                #expect(try store.liveCount() == 3)  // old, a, and c (counted when the load ends)
                try store.indexLoadedRows()
                try store.indexLoadedRows()  // nothing new: no change
            }
        }
        #expect(try found("make").sorted() == ["a", "c", "old"])
        #expect(try found("gamma") == ["c"])
        #expect(try store.liveCount() == 3)
        // After the load, the triggers keep every row again.
        #expect(try store.delete(ids: ["c"], at: 9) == 1)
        #expect(try found("gamma").isEmpty)
        #expect(try store.liveCount() == 2)
        let integrity = try store.database.prepare("INSERT INTO history_fts(history_fts, rank) VALUES ('integrity-check', 0)")
        try integrity.run()
    }

    /// A bulk load inserts without the insert triggers only while every new row's seq is above the load's
    /// marker: after the highest row is deleted, the next one reuses its seq and must be indexed and counted
    /// by the triggers, as it would be outside a load.
    @Test func aRowInsertedInABulkLoadAtOrBelowItsMarkerIsKeptByTheTriggers() throws {
        let store = try HistoryStore(database: try SQLiteDatabase.inMemory())
        func found(_ text: String) throws -> [String] { try store.entries(matching: HistoryQuery(text: text)).map(\.id) }
        try store.database.transaction(.immediate) {
            try store.bulkLoad {
                _ = try store.applyRemoteSlice(entries: [Self.row("a", "make alpha"), Self.row("b", "make beta")], deletions: [])
                try store.indexLoadedRows()
                try store.database.execute("DELETE FROM history WHERE id = 'b'")
                _ = try store.applyRemoteSlice(entries: [Self.row("c", "make gamma")], deletions: [])
                #expect(try found("gamma") == ["c"])  // by the trigger, at once
                _ = try store.applyRemoteSlice(entries: [Self.row("d", "make delta")], deletions: [])
                #expect(try found("delta").isEmpty)  // above the marker: when the load ends
            }
        }
        #expect(try found("make").sorted() == ["a", "c", "d"])
        #expect(try store.liveCount() == 3)
        let integrity = try store.database.prepare("INSERT INTO history_fts(history_fts, rank) VALUES ('integrity-check', 0)")
        try integrity.run()
    }

    @Test func markPushedClearsOnlyRowsStillInThePushedState() throws {
        let store = try HistoryStore(database: try SQLiteDatabase.inMemory())
        #expect(try store.insert(Self.row("a", "ls"), retention: .unlimited, now: 0))
        #expect(try store.insert(Self.row("b", "pwd"), retention: .unlimited, now: 0))
        let pushed = try store.pendingRows()
        #expect(pushed.map(\.id) == ["a", "b"])
        #expect(try store.delete(ids: ["b"], at: 9) == 1)  // deleted while its live version was being pushed
        try store.markPushed(pushed)
        #expect(try store.pendingRows().map(\.id) == ["b"])
        #expect(try store.pendingRows().first?.deletedAt == 9)
    }

    @Test func aLocalDeletionWaitingToBePushedIsNotUndoneByTheRemoteEntry() throws {
        let store = try HistoryStore(database: try SQLiteDatabase.inMemory())
        #expect(try store.insert(Self.row("a", "ls"), retention: .unlimited, now: 0))
        #expect(try store.delete(ids: ["a"], at: 9) == 1)
        _ = try store.applyRemote(entries: [Self.row("a", "ls")], deletions: [], retention: .unlimited, now: 0)
        #expect(try store.liveCount() == 0)
        #expect(try store.pendingRows().map(\.id) == ["a"])
    }
}
