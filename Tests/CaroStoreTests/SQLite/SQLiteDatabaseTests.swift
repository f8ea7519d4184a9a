import CSQLite
import Foundation
import Testing
@testable import CaroStore

@Suite("SQLiteDatabase")
struct SQLiteDatabaseTests {
    @Test("opens a new file in WAL mode with foreign keys on")
    func opensConfigured() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("a.sqlite").path
            let database = try SQLiteDatabase(path: path)
            let journal = try database.prepare("PRAGMA journal_mode")
            #expect(try journal.step())
            #expect(journal.text(at: 0) == "wal")
            let foreignKeys = try database.prepare("PRAGMA foreign_keys")
            #expect(try foreignKeys.step())
            #expect(foreignKeys.int(at: 0) == 1)
            let synchronous = try database.prepare("PRAGMA synchronous")
            #expect(try synchronous.step())
            #expect(synchronous.int(at: 0) == 1)  // NORMAL
            #expect(FileManager.default.fileExists(atPath: path))
            database.close()
            #expect(!database.isOpen)
        }
    }

    /// The value a setting's `PRAGMA` reads (`journal_mode`, `page_size`, …), as text.
    static func pragma(_ name: String, of database: SQLiteDatabase) throws -> String? {
        let statement = try database.prepare("PRAGMA \(name)")
        defer { statement.finalize() }
        return try statement.step() ? statement.text(at: 0) : nil
    }

    static func pageSize(_ database: SQLiteDatabase) throws -> Int? { try pragma("page_size", of: database).flatMap { Int($0) } }

    static func journalMode(_ database: SQLiteDatabase) throws -> String? { try pragma("journal_mode", of: database) }

    @Test("a new file gets the page size asked for; an existing file keeps its own, and its log is emptied by pages of that size")
    func pageSizeOfANewFile() throws {
        try withTemporaryDirectory { directory in
            let large = directory.appendingPathComponent("large.sqlite").path
            let options = SQLiteDatabase.Options(checkpointAfterPages: 8, pageSize: 8_192)
            let database = try SQLiteDatabase(path: large, options: options)
            try database.execute("CREATE TABLE t (x)")
            #expect(try Self.pageSize(database) == 8_192)

            let small = directory.appendingPathComponent("small.sqlite").path
            try SQLiteDatabase(path: small).execute("CREATE TABLE t (x)")
            let reopened = try SQLiteDatabase(path: small, options: options)
            #expect(try Self.pageSize(reopened) == 4_096)
            reopened.close()

            // Each commit writes a few pages to the log; once it holds more than 8 frames of 8 KiB, the commit
            // empties it. Counted in 4 KiB frames it would be emptied at half that length.
            func logBytes() -> Int { (try? FileManager.default.attributesOfItem(atPath: large + "-wal")[.size] as? Int) ?? 0 }
            var longest = 0
            for index in 0..<40 {
                try database.transaction { try database.execute("INSERT INTO t VALUES (randomblob(3000 + \(index)))") }
                longest = max(longest, logBytes())
            }
            #expect(longest > 32 + 8 * (4_096 + 24), "the log grew past 8 frames of 4 KiB")
            #expect(longest <= 32 + 12 * (8_192 + 24), "and was emptied soon after 8 frames of 8 KiB")
            #expect(logBytes() <= 32 + 8 * (8_192 + 24), "never left past the limit")
        }
    }

    @Test("a bulk load switches to a rollback journal only when no other connection has the file open, and back")
    func rollbackJournalForABulkLoad() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("bulk.sqlite").path
            let loader = try SQLiteDatabase(path: path)
            try loader.execute("CREATE TABLE t (x)")
            do {
                // Another connection holds the file in WAL mode: no switch, nothing changed.
                let other = try SQLiteDatabase(path: path)
                #expect(try loader.useRollbackJournal() == false)
                #expect(try Self.journalMode(loader) == "wal")
                other.close()
            }
            #expect(try loader.useRollbackJournal())
            #expect(try Self.journalMode(loader) == "delete")
            // A second connection of the load keeps the journal; any other opener puts the file back in WAL mode.
            let second = try SQLiteDatabase(path: path, options: .init(keepsJournalMode: true))
            #expect(try Self.journalMode(second) == "delete")
            try second.execute("INSERT INTO t VALUES (1)")
            second.close()
            #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
            try loader.transaction { try loader.execute("INSERT INTO t VALUES (2)") }
            try loader.useWAL()
            #expect(try Self.journalMode(loader) == "wal")
            loader.close()
            let reopened = try SQLiteDatabase(path: path)
            let count = try reopened.prepare("SELECT count(*) FROM t")
            #expect(try count.step())
            #expect(count.int(at: 0) == 2)
        }
    }

    @Test("a statement without triggers runs without them; the next one that writes turns them back on, a query does not")
    func statementsWithoutTriggers() throws {
        let database = try SQLiteDatabase.inMemory()
        try database.execute("""
            CREATE TABLE t (x); CREATE TABLE log (x); CREATE TABLE other (x);
            CREATE TRIGGER t_logged AFTER INSERT ON t BEGIN INSERT INTO log VALUES (new.x); END
            """)
        let handle = try database.connection.open()
        func logged() throws -> [Int] {
            let query = try database.cached("SELECT x FROM log ORDER BY rowid")
            var values: [Int] = []
            while try query.step() { values.append(query.int(at: 0)) }
            return values
        }
        let insert = "INSERT INTO t VALUES (?)"
        let withTriggers = try database.cached(insert)  // prepared while they are on
        let without = try database.cachedWithoutTriggers(insert)
        try without.bind(.integer(1))
        try without.run()
        #expect(try logged() == [])
        #expect(caro_sqlite_triggers_enabled(handle) == 0)  // the query left them off
        try withTriggers.bind(.integer(2))
        try withTriggers.run()  // expired by the switch off; turns them back on, and is prepared again with them
        #expect(caro_sqlite_triggers_enabled(handle) == 1)
        without.reset()
        try without.bind(.integer(3))
        try without.run()
        let preparedWhileOff = try database.prepare(insert)
        try preparedWhileOff.bind(.integer(4))
        try preparedWhileOff.run()
        let again = try database.cachedWithoutTriggers(insert)  // the same statement as `without`, from the cache
        try again.bind(.integer(5))
        try again.run()
        try database.execute("INSERT INTO t VALUES (6)")
        #expect(try logged() == [2, 4, 6])
        // A query part-way through its rows goes on across a switch (SQLite prepares expired statements
        // again only before their first step).
        let rows = try database.prepare("SELECT x FROM t ORDER BY rowid")
        #expect(try rows.step() && rows.int(at: 0) == 1)
        try database.cachedWithoutTriggers("INSERT INTO other VALUES (0)").run()
        #expect(caro_sqlite_triggers_enabled(handle) == 0)
        var rest: [Int] = []
        while try rows.step() { rest.append(rows.int(at: 0)) }
        #expect(rest == [2, 3, 4, 5, 6])
    }

    @Test("SQLite keeps no memory statistics (each allocation would take a global lock for them)")
    func noMemoryStatistics() throws {
        let database = try SQLiteDatabase.inMemory()
        try database.execute("CREATE TABLE t (x); INSERT INTO t VALUES (randomblob(100000))")
        #expect(sqlite3_memory_used() == 0)
        #expect(sqlite3_memory_highwater(0) == 0)
    }

    @Test("binds and reads back every type, keeping NUL characters, empty strings and unicode")
    func bindsAndReadsTypes() throws {
        let database = try SQLiteDatabase.inMemory()
        try database.execute("CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, n TEXT)")
        let texts = ["", "a\u{0}b", "héllo 🌍 東京 e\u{301}", String(repeating: "x", count: 100_000)]
        for (offset, text) in texts.enumerated() {
            let insert = try database.cached("INSERT INTO t (i, r, s, b, n) VALUES (?, ?, ?, ?, ?)")
            try insert.bind(Int64.max - Int64(offset), at: 1)
            try insert.bind(Double(offset) + 0.5, at: 2)
            try insert.bind(text, at: 3)
            try insert.bind(blob: offset == 0 ? [] : [0, 255, UInt8(offset)], at: 4)
            try insert.bind(nil as String?, at: 5)
            try insert.run()
        }
        let select = try database.prepare("SELECT i, r, s, b, n, typeof(s), typeof(b) FROM t ORDER BY rowid")
        var offset = 0
        while try select.step() {
            #expect(select.int64(at: 0) == Int64.max - Int64(offset))
            #expect(select.double(at: 1) == Double(offset) + 0.5)
            #expect(select.text(at: 2) == texts[offset])
            #expect(select.blob(at: 3) == (offset == 0 ? [] : [0, 255, UInt8(offset)]))
            #expect(select.isNull(at: 4))
            #expect(select.text(at: 4) == nil)
            #expect(select.text(at: 5) == "text")  // an empty string is not NULL
            #expect(select.text(at: 6) == "blob")
            offset += 1
        }
        #expect(offset == texts.count)
    }

    @Test("variadic binds and UTF-8 byte binds")
    func variadicAndUTF8Binds() throws {
        let database = try SQLiteDatabase.inMemory()
        let statement = try database.prepare("SELECT ?, ?, ?, ?, ?")
        try statement.bind(.integer(42), .real(1.25), .text("ß"), .blob([1, 2]), .null)
        #expect(try statement.step())
        #expect(statement.int(at: 0) == 42)
        #expect(statement.double(at: 1) == 1.25)
        #expect(statement.text(at: 2) == "ß")
        #expect(statement.blob(at: 3) == [1, 2])
        #expect(statement.isNull(at: 4))
        let utf8 = try database.prepare("SELECT ?, typeof(?1)")
        try utf8.bind(utf8: Array("{\"k\":\"v ✓\"}".utf8), at: 1)
        #expect(try utf8.step())
        #expect(utf8.text(at: 0) == "{\"k\":\"v ✓\"}")
        #expect(utf8.text(at: 1) == "text")
    }

    @Test("a cached statement is prepared once and comes back reset with bindings cleared")
    func cachedStatementsAreReused() throws {
        let database = try SQLiteDatabase.inMemory()
        let first = try database.cached("SELECT ?")
        try first.bind(5, at: 1)
        #expect(try first.step())
        #expect(first.int(at: 0) == 5)
        let second = try database.cached("SELECT ?")
        #expect(first === second)
        #expect(try second.step())
        #expect(second.isNull(at: 0))
    }

    @Test("bad SQL and bad parameter indices give errors carrying the SQL")
    func badSQL() throws {
        let database = try SQLiteDatabase.inMemory()
        let error = #expect(throws: SQLiteError.self) { try database.prepare("SELEC nonsense") }
        #expect(error?.sql == "SELEC nonsense")
        #expect(error?.message.contains("syntax error") == true)
        let statement = try database.prepare("SELECT ?")
        let rangeError = #expect(throws: SQLiteError.self) { try statement.bind(1, at: 2) }
        if case .misuse = rangeError {} else { Issue.record("expected misuse, got \(String(describing: rangeError))") }
        #expect(rangeError?.description.contains("bug in caro") == true)
    }

    @Test("a transaction commits on return and rolls back on throw")
    func transactionCommitAndRollback() throws {
        struct Boom: Error {}
        let database = try SQLiteDatabase.inMemory()
        try database.execute("CREATE TABLE t (v INTEGER)")
        try database.transaction { try database.execute("INSERT INTO t VALUES (1)") }
        #expect(throws: Boom.self) {
            try database.transaction { () throws -> Void in
                try database.execute("INSERT INTO t VALUES (2)")
                throw Boom()
            }
        }
        #expect(!database.isInTransaction)
        let value = try database.transaction(.deferred) { () throws -> Int in
            let statement = try database.prepare("SELECT group_concat(v) FROM t")
            _ = try statement.step()
            return Int(statement.text(at: 0) ?? "") ?? -1
        }
        #expect(value == 1)
    }

    @Test("nested transactions are savepoints: an inner failure keeps the outer work")
    func nestedSavepoints() throws {
        struct Boom: Error {}
        let database = try SQLiteDatabase.inMemory()
        try database.execute("CREATE TABLE t (v INTEGER)")
        try database.transaction { () throws -> Void in
            try database.execute("INSERT INTO t VALUES (1)")
            _ = try? database.transaction { () throws -> Void in
                try database.execute("INSERT INTO t VALUES (2)")
                throw Boom()
            }
            try database.transaction { try database.execute("INSERT INTO t VALUES (3)") }
        }
        let statement = try database.prepare("SELECT group_concat(v) FROM (SELECT v FROM t ORDER BY v)")
        _ = try statement.step()
        #expect(statement.text(at: 0) == "1,3")
    }

    @Test("migrations run once, in order, and set user_version")
    func migrationsRunInOrder() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("m.sqlite").path
            let migrations = [
                SQLiteMigration(version: 1, name: "create", sql: "CREATE TABLE t (v INTEGER); INSERT INTO t VALUES (1);"),
                SQLiteMigration(version: 3, name: "add", sql: "INSERT INTO t VALUES (3)"),
            ]
            do {
                let database = try SQLiteDatabase(path: path)
                #expect(try database.userVersion() == 0)
                try database.migrate(Array(migrations.prefix(1)))
                #expect(try database.userVersion() == 1)
                try database.migrate(migrations)
                try database.migrate(migrations)  // nothing left to do
                #expect(try database.userVersion() == 3)
            }
            let reopened = try SQLiteDatabase(path: path)
            try reopened.migrate(migrations)
            let statement = try reopened.prepare("SELECT group_concat(v) FROM t")
            _ = try statement.step()
            #expect(statement.text(at: 0) == "1,3")
            #expect(try reopened.userVersion() == 3)
        }
    }

    @Test("a failing migration rolls back every step of the run")
    func failingMigrationRollsBack() throws {
        let database = try SQLiteDatabase.inMemory()
        let migrations = [
            SQLiteMigration(version: 1, name: "create", sql: "CREATE TABLE t (v INTEGER)"),
            SQLiteMigration(version: 2, name: "broken", sql: "INSERT INTO missing_table VALUES (1)"),
        ]
        let error = #expect(throws: SQLiteError.self) { try database.migrate(migrations) }
        guard case .migrationFailed(_, let version, let name, _) = error else {
            Issue.record("expected migrationFailed, got \(String(describing: error))")
            return
        }
        #expect(version == 2 && name == "broken")
        #expect(error?.description.contains("rolled back") == true)
        #expect(try database.userVersion() == 0)
        #expect(throws: SQLiteError.self) { try database.execute("SELECT * FROM t") }  // version 1 undone too
    }

    @Test("a database from a newer schema is refused; a disordered migration list is a misuse")
    func schemaTooNewAndBadList() throws {
        let database = try SQLiteDatabase.inMemory()
        try database.execute("PRAGMA user_version = 9")
        let error = #expect(throws: SQLiteError.self) {
            try database.migrate([SQLiteMigration(version: 1, name: "one", sql: "SELECT 1")])
        }
        #expect(error == .schemaTooNew(path: ":memory:", found: 9, supported: 1))
        #expect(error?.description.contains("Upgrade caro") == true)
        let listError = #expect(throws: SQLiteError.self) {
            try database.migrate([
                SQLiteMigration(version: 2, name: "two", sql: "SELECT 1"), SQLiteMigration(version: 2, name: "again", sql: "SELECT 1"),
            ])
        }
        if case .misuse = listError {} else { Issue.record("expected misuse, got \(String(describing: listError))") }
    }

    @Test("a file that is not a database fails to open with notADatabase, without crashing")
    func garbageFile() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("garbage.sqlite")
            try Data(String(repeating: "this is not an SQLite database. ", count: 200).utf8).write(to: url)
            let error = #expect(throws: SQLiteError.self) { try SQLiteDatabase(path: url.path) }
            #expect(error == .notADatabase(path: url.path, message: "file is not a database", sql: "PRAGMA journal_mode"))
            #expect(error?.isDamagedFile == true)
            #expect(error?.description.contains("move it aside") == true)
            #expect(error?.description.contains(url.path) == true)
        }
    }

    @Test("a path in a missing directory gives cannotOpen with advice")
    func missingDirectory() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("no/such/dir/db.sqlite").path
            let error = #expect(throws: SQLiteError.self) { try SQLiteDatabase(path: path) }
            guard case .cannotOpen(let errorPath, _, _) = error else {
                Issue.record("expected cannotOpen, got \(String(describing: error))")
                return
            }
            #expect(errorPath == path)
            #expect(error?.description.contains("directory exists") == true)
        }
    }

    @Test("using a closed database or one of its statements throws closed")
    func useAfterClose() throws {
        let database = try SQLiteDatabase.inMemory()
        let cached = try database.cached("SELECT 1")
        let uncached = try database.prepare("SELECT 2")
        database.close()
        #expect(throws: SQLiteError.closed(path: ":memory:")) { try database.execute("SELECT 1") }
        #expect(throws: SQLiteError.closed(path: ":memory:")) { try cached.step() }
        #expect(throws: SQLiteError.closed(path: ":memory:")) { try uncached.step() }
        #expect(throws: SQLiteError.closed(path: ":memory:")) { try database.cached("SELECT 3") }
        database.close()  // twice is harmless
    }

    @Test("a write lock held by another connection gives busy after the timeout")
    func busyAfterTimeout() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("busy.sqlite").path
            let holder = try SQLiteDatabase(path: path)
            try holder.execute("CREATE TABLE t (v INTEGER)")
            let waiter = try SQLiteDatabase(path: path, options: .init(busyTimeoutMilliseconds: 50))
            try holder.execute("BEGIN IMMEDIATE")
            let error = #expect(throws: SQLiteError.self) {
                try waiter.transaction { try waiter.execute("INSERT INTO t VALUES (1)") }
            }
            if case .busy = error {} else { Issue.record("expected busy, got \(String(describing: error))") }
            #expect(error?.description.contains("another process") == true)
            try holder.execute("COMMIT")
            try waiter.transaction { try waiter.execute("INSERT INTO t VALUES (1)") }
        }
    }

    @Test("integrity check reports a sound file as having no problems")
    func integrityCheckOnSoundFile() throws {
        let database = try SQLiteDatabase.inMemory()
        try database.execute("CREATE TABLE t (v TEXT UNIQUE); INSERT INTO t VALUES ('a'), ('b');")
        #expect(try database.integrityProblems().isEmpty)
        #expect(try database.integrityProblems(thorough: true).isEmpty)
    }
}
