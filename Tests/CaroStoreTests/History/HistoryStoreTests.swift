import CaroStore
import Foundation
import Testing

@Suite("History store")
struct HistoryStoreTests {
    static func row(_ command: String, at time: Int64, cwd: String? = nil, exit: Int? = nil, host: String = "h",
                    prompt: String? = nil, tags: [String] = [], importKey: String? = nil) -> HistoryRow {
        HistoryRow(id: UUID().uuidString.lowercased(), createdAt: time, command: command, prompt: prompt, exitCode: exit, cwd: cwd,
                   shell: "zsh", hostname: host, deviceID: "d1", tags: tags, importKey: importKey)
    }

    static func store(_ rows: [HistoryRow]) throws -> HistoryStore {
        let store = try HistoryStore(database: try SQLiteDatabase.inMemory())
        _ = try store.insert(rows, retention: .unlimited, now: 0)
        return store
    }

    static func commands(_ store: HistoryStore, _ query: HistoryQuery) throws -> [String] {
        try store.entries(matching: query).map(\.command)
    }

    @Test func roundTripsEveryField() throws {
        let store = try HistoryStore(database: try SQLiteDatabase.inMemory())
        let row = HistoryRow(id: "0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b", createdAt: 1_700_000_000_123, command: "ls\n-la",
                             prompt: "list", explanation: "lists", executed: false, exitCode: 2, durationMs: 15, cwd: "/tmp",
                             shell: "bash", hostname: "box", deviceID: "dev", platform: "linux", safetyLevel: "safe",
                             tags: ["a", "b c"], importKey: nil)
        #expect(try store.insert(row, retention: .unlimited, now: 0))
        #expect(try store.entry(id: row.id) == row)
        #expect(try !store.insert(row, retention: .unlimited, now: 0), "the same ID twice is a duplicate")
    }

    @Test func newestFirstAndReverse() throws {
        let store = try Self.store([Self.row("b", at: 2), Self.row("a", at: 1), Self.row("c", at: 3)])
        #expect(try Self.commands(store, HistoryQuery()) == ["c", "b", "a"])
        #expect(try Self.commands(store, HistoryQuery(reverse: true)) == ["a", "b", "c"])
        #expect(try Self.commands(store, HistoryQuery(limit: 2)) == ["c", "b"])
    }

    @Test func fullTextPrefixPhraseAndFallback() throws {
        let store = try Self.store([
            Self.row("docker ps -a", at: 1), Self.row("git push origin main", at: 2),
            Self.row("echo a && echo b", at: 3), Self.row("ls", at: 4, prompt: "show the containers", tags: ["ops"]),
        ])
        #expect(try Self.commands(store, HistoryQuery(text: "dock")) == ["docker ps -a"])
        #expect(try Self.commands(store, HistoryQuery(text: "git main")) == ["git push origin main"])
        #expect(try Self.commands(store, HistoryQuery(text: "\"push origin\"")) == ["git push origin main"])
        #expect(try Self.commands(store, HistoryQuery(text: "\"origin push\"")).isEmpty)
        #expect(try Self.commands(store, HistoryQuery(text: "containers")) == ["ls"], "prompts are searched")
        #expect(try Self.commands(store, HistoryQuery(text: "ops")) == ["ls"], "tags are searched")
        #expect(try Self.commands(store, HistoryQuery(text: "&&")) == ["echo a && echo b"], "punctuation: substring")
        #expect(try Self.commands(store, HistoryQuery(text: "push*")) == ["git push origin main"], "FTS5 syntax as typed")
        #expect(try Self.commands(store, HistoryQuery(text: "ps -a")) == ["docker ps -a"], "not FTS5: a literal substring")
        #expect(try Self.commands(store, HistoryQuery(text: "origin:main")).isEmpty, "no such column: literal, not found")
        #expect(FullTextQuery("git push") == .match("\"git\"* \"push\"*"))
        #expect(FullTextQuery("a AND") == .raw("a AND"))
        #expect(FullTextQuery("  ") == nil)
        // FTS5 syntax inside words never fails.
        for odd in ["NEAR(", "a AND", "\"unclosed", "*", "col:value", "(((", "-", "'"] {
            _ = try store.entries(matching: HistoryQuery(text: odd))
        }
    }

    @Test func commonWordsWithALimitGiveTheSameRowsEitherWay() throws {
        // 300 matches of 301 rows, in shuffled time order: a small limit walks the time index.
        var generator = SystemRandomNumberGenerator()
        let times = (0..<300).map { Int64($0) * 1_000 }.shuffled(using: &generator)
        let store = try Self.store(times.map { Self.row("common word \($0)", at: $0, cwd: ($0 / 1_000) % 2 == 0 ? "/even" : "/odd") }
            + [Self.row("rare", at: 5)])
        let all = try Self.commands(store, HistoryQuery(text: "common"))
        #expect(all.count == 300)
        #expect(try Self.commands(store, HistoryQuery(text: "common", limit: 5)) == Array(all.prefix(5)))
        #expect(try Self.commands(store, HistoryQuery(text: "comm", limit: 3, reverse: true)) == Array(all.reversed().prefix(3)))
        #expect(try Self.commands(store, HistoryQuery(text: "common", cwd: "/odd", limit: 2)) == ["common word 299000", "common word 297000"])
        #expect(try Self.commands(store, HistoryQuery(text: "common", limit: 4, unique: true)) == Array(all.prefix(4)))
        #expect(try Self.commands(store, HistoryQuery(text: "rare", limit: 5)) == ["rare"])
    }

    @Test func directoryFilters() throws {
        let store = try Self.store([
            Self.row("a", at: 1, cwd: "/p"), Self.row("b", at: 2, cwd: "/p/sub"), Self.row("c", at: 3, cwd: "/p2"),
            Self.row("d", at: 4, cwd: "/q"), Self.row("e", at: 5, cwd: "/p-old"), Self.row("f", at: 6, cwd: "/p.x/y"),
        ])
        #expect(try Self.commands(store, HistoryQuery(cwd: "/p")) == ["a"])
        #expect(try Self.commands(store, HistoryQuery(under: "/p")) == ["b", "a"], "/p2, /p-old, /p.x are not under /p")
        #expect(try Self.commands(store, HistoryQuery(text: "b", under: "/p")) == ["b"])
        #expect(try Self.commands(store, HistoryQuery(under: "/p/")) == ["b", "a"])
        #expect(try Self.commands(store, HistoryQuery(under: "/")).count == 6)
    }

    @Test func otherFiltersAndUnique() throws {
        let store = try Self.store([
            Self.row("make", at: 1, exit: 0, host: "a"), Self.row("make", at: 2, exit: 2, host: "b"),
            Self.row("ls", at: 3, exit: 127, host: "a"), Self.row("make", at: 4, exit: 0, host: "a"),
        ])
        #expect(try Self.commands(store, HistoryQuery(exit: .success)) == ["make", "make"])
        #expect(try Self.commands(store, HistoryQuery(exit: .failure)) == ["ls", "make"])
        #expect(try Self.commands(store, HistoryQuery(exit: .code(127))) == ["ls"])
        #expect(try Self.commands(store, HistoryQuery(hostname: "b")) == ["make"])
        #expect(try Self.commands(store, HistoryQuery(since: 2, until: 4)) == ["ls", "make"])
        let unique = try store.entries(matching: HistoryQuery(unique: true))
        #expect(unique.map(\.command) == ["make", "ls"])
        #expect(unique.first?.createdAt == 4, "the newest of each command")
        #expect(try Self.commands(store, HistoryQuery(hostname: "b", unique: true)) == ["make"])
        #expect(try Self.commands(store, HistoryQuery(limit: 1, unique: true)) == ["make"])
        let oldestFirst = try store.entries(matching: HistoryQuery(reverse: true, unique: true))
        #expect(oldestFirst.map(\.command) == ["ls", "make"])
        #expect(oldestFirst.last?.createdAt == 4, "still the newest of each command")
        #expect(try Self.commands(store, HistoryQuery(limit: 1, reverse: true, unique: true)) == ["ls"])
        #expect(try store.delete(matching: HistoryQuery(unique: true), at: 9) == 2, "delete --filter --unique")
        #expect(try Self.commands(store, HistoryQuery()) == ["make", "make"])
    }

    @Test func deletionLeavesATombstone() throws {
        let rows = [Self.row("secret thing", at: 1, cwd: "/x", tags: ["t"]), Self.row("kept", at: 2)]
        let store = try Self.store(rows)
        #expect(try store.delete(ids: [rows[0].id, "unknown"], at: 10) == 1)
        let tombstone = try #require(try store.entry(id: rows[0].id))
        #expect(tombstone.deletedAt == 10)
        #expect(tombstone.command.isEmpty && tombstone.cwd == nil && tombstone.tags.isEmpty)
        #expect(try Self.commands(store, HistoryQuery(text: "secret")).isEmpty, "the index forgot it")
        #expect(try store.liveCount() == 1)
        #expect(try store.delete(matching: HistoryQuery(text: "kept"), at: 11) == 1)
        #expect(try store.liveCount() == 0)
        #expect(try store.stats().deleted == 2)
    }

    @Test func bulkInsertCountsDuplicatesByImportKey() throws {
        let store = try HistoryStore(database: try SQLiteDatabase.inMemory())
        let batch = (0..<50).map { Self.row("cmd \($0)", at: Int64($0), importKey: "k\($0)") }
        var progress: [Int] = []
        let first = try store.insert(batch, retention: .unlimited, now: 0, batchSize: 20) { progress.append($0) }
        #expect(first == HistoryInsertResult(inserted: 50, duplicates: 0, expired: 0))
        #expect(progress == [20, 40, 50])
        let again = (0..<50).map { Self.row("cmd \($0)", at: Int64($0), importKey: "k\($0)") }
        #expect(try store.insert(again, retention: .unlimited, now: 0) == HistoryInsertResult(inserted: 0, duplicates: 50))
    }

    /// FTS5's own check that the external-content index matches `history` (it throws when it does not).
    /// The full-text index's `automerge` setting as stored in its configuration table (nil: FTS5's default).
    static func automerge(_ store: HistoryStore) throws -> Int? {
        let read = try store.database.prepare("SELECT v FROM history_fts_config WHERE k = 'automerge'")
        return try read.step() ? read.int(at: 0) : nil
    }

    static func expectIndexIntact(_ store: HistoryStore, _ comment: Comment? = nil) throws {
        try store.database.execute("INSERT INTO history_fts(history_fts) VALUES ('integrity-check')")
        let counted = try store.database.prepare("SELECT count(*) FROM history WHERE deleted_at IS NULL")
        _ = try counted.step()
        #expect(try store.liveCount() == counted.int(at: 0), comment)
    }

    @Test func aBulkLoadIndexesAndCountsItsRowsOnceWhateverHappensToThemInside() throws {
        let store = try HistoryStore(database: try SQLiteDatabase.inMemory())
        let old = [Self.row("old alpha", at: 1), Self.row("old beta", at: 2), Self.row("old gamma", at: 3)]
        for row in old { #expect(try store.insert(row, retention: .unlimited, now: 0)) }
        let new = (0..<250).map { Self.row("new entry \($0)", at: Int64(10 + $0), prompt: $0 == 7 ? "the seventh" : nil) }
        try store.database.transaction(.immediate) {
            try store.bulkLoad {
                _ = try store.insert(Array(new[..<200]), retention: .unlimited, now: 0)
                #expect(try store.liveCount() == 203, "the count includes rows loaded so far")
                // Deleting old and loaded rows, and expiring by retention, inside the load.
                #expect(try store.delete(ids: [old[0].id, new[3].id], at: 500) == 2)
                _ = try store.insert(Array(new[200...]), retention: .unlimited, now: 0)
                #expect(try store.liveCount() == 251)
                #expect(try store.applyRetention(HistoryRetention(maxEntries: 250, maxAgeDays: 0), now: 0) == 1)
                #expect(try Self.automerge(store) == 0, "the index does not merge its segments during the load")
            }
        }
        #expect(try Self.automerge(store) == HistoryStore.fullTextAutomerge, "and does again after it")
        try Self.expectIndexIntact(store, "after the load")
        #expect(try store.liveCount() == 250)
        #expect(try Self.commands(store, HistoryQuery(text: "alpha")).isEmpty, "an old row deleted inside the load left the index")
        #expect(try Self.commands(store, HistoryQuery(text: "beta")) == [], "retention expired the oldest live entry")
        #expect(try Self.commands(store, HistoryQuery(text: "gamma")) == ["old gamma"])
        #expect(try Self.commands(store, HistoryQuery(text: "seventh")) == ["new entry 7"], "loaded rows are searchable")
        #expect(try Self.commands(store, HistoryQuery(text: "\"entry 3\"")).isEmpty, "a loaded row deleted inside the load is not")
        #expect(try Self.commands(store, HistoryQuery(text: "\"entry 249\"")) == ["new entry 249"])
        // The usual triggers work again after the load.
        #expect(try store.insert(Self.row("after delta", at: 900), retention: .unlimited, now: 0))
        #expect(try store.delete(ids: [new[100].id], at: 901) == 1)
        try Self.expectIndexIntact(store, "after single writes")
        #expect(try Self.commands(store, HistoryQuery(text: "delta")) == ["after delta"])
    }

    @Test func aLoadThatFailsLeavesNoTraceOfItself() throws {
        let store = try HistoryStore(database: try SQLiteDatabase.inMemory())
        #expect(try store.insert(Self.row("kept", at: 1), retention: .unlimited, now: 0))
        struct Stop: Error {}
        #expect(throws: Stop.self) {
            try store.database.transaction(.immediate) {
                try store.bulkLoad {
                    _ = try store.insert([Self.row("lost", at: 2)], retention: .unlimited, now: 0)
                    throw Stop()
                }
            }
        }
        try Self.expectIndexIntact(store)
        #expect(try Self.automerge(store) == nil, "the index's settings are as they were")
        #expect(try Self.commands(store, HistoryQuery()) == ["kept"])
        #expect(try store.insert([Self.row("next", at: 3)], retention: .unlimited, now: 0).inserted == 1)
        try Self.expectIndexIntact(store, "a later load works")
        #expect(try Self.commands(store, HistoryQuery(text: "next")) == ["next"])
    }

    @Test func aVersion3HomeIsUpgradedWithItsIndexAndCountIntact() throws {
        let database = try SQLiteDatabase.inMemory()
        try database.migrate(HomeSchema.migrations.filter { $0.version <= 3 })
        try database.execute(
            """
            INSERT INTO history (id, created_at, command) VALUES ('a', 1, 'make build'), ('b', 2, 'make test');
            INSERT INTO history (id, created_at, deleted_at) VALUES ('c', 3, 3);
            """)
        let store = try HistoryStore(database: database)
        #expect(try database.userVersion() == HomeSchema.latestVersion)
        let sizes = try database.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'history_fts_docsize'")
        _ = try sizes.step()
        #expect(sizes.int(at: 0) == 0, "version 5's index keeps no token counts per entry")
        try Self.expectIndexIntact(store)
        #expect(try Self.commands(store, HistoryQuery(text: "test")) == ["make test"], "entries from before are indexed again")
        #expect(try store.liveCount() == 2)
        #expect(try store.insert((0..<5).map { Self.row("make lint \($0)", at: Int64(10 + $0)) }, retention: .unlimited, now: 0).inserted == 5)
        try Self.expectIndexIntact(store)
        #expect(try Self.commands(store, HistoryQuery(text: "make")).count == 7)
    }

    @Test func sharedMatchesReadWhatSeparateSearchesRead() throws {
        var rows: [HistoryRow] = []
        for index in 0..<300 {
            let command = ["git status", "git commit -m x", "grep -r todo .", "make test", "echo a && echo b"][index % 5]
            rows.append(Self.row(command, at: Int64(index), cwd: index % 3 == 0 ? "/src" : "/tmp", host: index % 2 == 0 ? "h" : "other",
                                 prompt: index % 7 == 0 ? "commit the change" : nil))
        }
        let store = try Self.store(rows)
        #expect(try store.delete(ids: [rows[299].id, rows[3].id], at: 1_000) == 2)
        let queries = [
            HistoryQuery(limit: 50), HistoryQuery(cwd: "/src", limit: 20), HistoryQuery(hostname: "other", limit: 400),
            HistoryQuery(under: "/", limit: 10), HistoryQuery(limit: 5, reverse: true), HistoryQuery(limit: 3, unique: true),
        ]
        // Words, a one-letter prefix, FTS5 syntax, text FTS5 rejects (read as a substring), a substring, none.
        for text in ["git", "g", "commit", "\"git status\"", "git AND", "&&", "nothing-matches", "  "] {
            let shared = try store.withSharedMatches(of: text) { read in try queries.map { try read($0) } }
            for (query, got) in zip(queries, shared) {
                var separate = query
                separate.text = text
                let expected = try store.entries(matching: separate)
                #expect(got.map { $0.id } == expected.map { $0.id }, "\(text) \(query)")
            }
        }
        // The temporary table is emptied afterwards, and a later search is not affected by it.
        #expect(try Self.commands(store, HistoryQuery(text: "make", limit: 1)) == ["make test"])
    }

    @Test func retentionKeepsTheNewest() throws {
        let store = try HistoryStore(database: try SQLiteDatabase.inMemory())
        let day: Int64 = 86_400_000
        let rows = (0..<10).map { Self.row("c\($0)", at: Int64($0) * day) }
        let result = try store.insert(rows, retention: HistoryRetention(maxEntries: 4, maxAgeDays: 0), now: 10 * day)
        #expect(result.expired == 6)
        #expect(try Self.commands(store, HistoryQuery()) == ["c9", "c8", "c7", "c6"])
        #expect(try store.applyRetention(HistoryRetention(maxEntries: 0, maxAgeDays: 2), now: 10 * day) == 2)
        #expect(try Self.commands(store, HistoryQuery()) == ["c9", "c8"])
        #expect(try store.liveCount() == 2)
    }

    @Test func aNewerSchemaRefusesToOpen() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("caro-schema-\(UUID().uuidString).db").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        _ = try HistoryStore(path: path)
        let database = try SQLiteDatabase(path: path)
        try database.execute("PRAGMA user_version = \(HomeSchema.latestVersion + 1)")
        database.close()
        #expect(throws: SQLiteError.self) { _ = try HistoryStore(path: path) }
    }

    @Test func theCoValueStoreSharesTheHomeFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("caro-home-\(UUID().uuidString).db").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let history = try HistoryStore(path: path)
        #expect(try history.insert(Self.row("kept", at: 1), retention: .unlimited, now: 1))
        let coValues = try SQLiteCoValueStore(database: try SQLiteDatabase(path: path), migrations: HomeSchema.migrations)
        #expect(try coValues.storedIDs().isEmpty)
        #expect(try history.database.userVersion() == HomeSchema.latestVersion)
        #expect(try Self.commands(history, HistoryQuery()) == ["kept"])
    }

    @Test func preferencesAndPatternsAreStored() throws {
        let store = try HistoryStore(database: try SQLiteDatabase.inMemory())
        let preferences = PreferencesStore(database: store.database)
        try preferences.set("max-entries", to: "5", at: 1)
        try preferences.set("max-entries", to: "6", at: 2)
        #expect(try preferences.values() == ["max-entries": "6"])
        #expect(try preferences.addExclusionPattern("a", at: 1))
        #expect(try !preferences.addExclusionPattern("a", at: 2))
        #expect(try preferences.addExclusionPattern("b", at: 3))
        #expect(try preferences.exclusionPatterns() == ["a", "b"])
        #expect(try preferences.removeExclusionPattern("a", at: 4))
        #expect(try !preferences.removeExclusionPattern("a", at: 5))
        #expect(try store.deviceID().count == 32)
    }
}
