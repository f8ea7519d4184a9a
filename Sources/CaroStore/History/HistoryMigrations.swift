/// The schema of a device home's database, as one ordered, frozen list of migrations keyed by
/// `user_version`: the CoValue tables (``SQLiteCoValueStore/migrations``) first, then history,
/// preferences and the device row. Never edit a shipped migration; append a new one.
///
/// Open a home's file with ``HomeSchema/migrations`` everywhere (``HistoryStore``, and
/// `SQLiteCoValueStore(database:migrations:)` for sync), so every opener agrees on one `user_version`.
public enum HomeSchema {
    /// Every migration of a home database, in order.
    public static let migrations: [SQLiteMigration] = SQLiteCoValueStore.migrations + HistoryMigrations.all

    /// The `user_version` of an up-to-date home database.
    public static var latestVersion: Int { migrations.last?.version ?? 0 }
}

/// The history, preferences and device tables (versions 2, 3, …; version 1 is the CoValue store's, and
/// version 6 changes one of its tables for a home).
public enum HistoryMigrations {
    public static let all: [SQLiteMigration] = [
        SQLiteMigration(version: 2, name: "history, full-text index, preferences, device", sql: version2),
        SQLiteMigration(version: 3, name: "usage counters (opt-in metrics)", sql: MetricsStore.version3),
        SQLiteMigration(version: 4, name: "bulk loads index and count their rows once", sql: version4),
        SQLiteMigration(version: 5, name: "full-text index without per-entry token counts", sql: version5),
        SQLiteMigration(version: 6, name: "CoValue transactions with rowids", apply: version6),
    ]

    /// A home stores its history feed's transactions, ~55 KB each: `transactions` becomes an ordinary table
    /// (``SQLiteCoValueStore/Schema/transactionsWithRowIDs``), which a 100 000-entry restore fills with ~0.3 G
    /// fewer instructions (~3 % of `sync join`). Only while it is empty (every new home, and every home
    /// not set up for sync yet): a home that holds a feed keeps its table as it is, rather than copying it
    /// once (tens of MB for a large history) for an insert speed it seldom needs again.
    static let version6: @Sendable (SQLiteDatabase) throws -> Void = { database in
        let any = try database.prepare("SELECT EXISTS (SELECT 1 FROM transactions)")
        let empty = try any.step() && any.int(at: 0) == 0
        any.finalize()  // before the table is dropped
        if empty { try database.execute(SQLiteCoValueStore.Schema.transactionsWithRowIDs) }
    }

    /// `history`: one row per entry; a deleted entry keeps its `id` and `deleted_at` and loses its text
    /// (a tombstone: for sync, deletion wins). `seq` is the stable rowid the FTS index points to.
    /// `pending` = not yet pushed by sync. `import_key` makes re-imports add nothing.
    /// `history_fts`: FTS5 over command, prompt, explanation, tags (external content, kept by triggers).
    /// `history_counts`: the number of live entries, kept by triggers (retention reads it on every add).
    static let version2 = """
        CREATE TABLE history (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            created_at INTEGER NOT NULL,
            command TEXT,
            prompt TEXT,
            explanation TEXT,
            executed INTEGER NOT NULL DEFAULT 1 CHECK (executed IN (0, 1)),
            exit_code INTEGER,
            duration_ms INTEGER,
            cwd TEXT,
            shell TEXT,
            hostname TEXT,
            device_id TEXT,
            platform TEXT,
            safety_level TEXT,
            tags TEXT,
            deleted_at INTEGER,
            pending INTEGER NOT NULL DEFAULT 1 CHECK (pending IN (0, 1)),
            import_key TEXT UNIQUE,
            CHECK ((deleted_at IS NULL) = (command IS NOT NULL))
        );
        CREATE INDEX history_by_time ON history(created_at) WHERE deleted_at IS NULL;
        CREATE INDEX history_by_cwd ON history(cwd, created_at) WHERE deleted_at IS NULL;
        CREATE INDEX history_pending ON history(seq) WHERE pending = 1;

        CREATE VIRTUAL TABLE history_fts USING fts5(
            command, prompt, explanation, tags,
            content = 'history', content_rowid = 'seq', tokenize = 'unicode61 remove_diacritics 2');
        CREATE TRIGGER history_fts_insert AFTER INSERT ON history BEGIN
            INSERT INTO history_fts(rowid, command, prompt, explanation, tags)
                VALUES (new.seq, new.command, new.prompt, new.explanation, new.tags);
        END;
        CREATE TRIGGER history_fts_delete AFTER DELETE ON history BEGIN
            INSERT INTO history_fts(history_fts, rowid, command, prompt, explanation, tags)
                VALUES ('delete', old.seq, old.command, old.prompt, old.explanation, old.tags);
        END;
        CREATE TRIGGER history_fts_update AFTER UPDATE OF command, prompt, explanation, tags ON history BEGIN
            INSERT INTO history_fts(history_fts, rowid, command, prompt, explanation, tags)
                VALUES ('delete', old.seq, old.command, old.prompt, old.explanation, old.tags);
            INSERT INTO history_fts(rowid, command, prompt, explanation, tags)
                VALUES (new.seq, new.command, new.prompt, new.explanation, new.tags);
        END;

        CREATE TABLE history_counts (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            live INTEGER NOT NULL
        );
        INSERT INTO history_counts (id, live) VALUES (1, 0);
        CREATE TRIGGER history_count_insert AFTER INSERT ON history WHEN new.deleted_at IS NULL BEGIN
            UPDATE history_counts SET live = live + 1 WHERE id = 1;
        END;
        CREATE TRIGGER history_count_delete AFTER DELETE ON history WHEN old.deleted_at IS NULL BEGIN
            UPDATE history_counts SET live = live - 1 WHERE id = 1;
        END;
        CREATE TRIGGER history_count_tombstone AFTER UPDATE OF deleted_at ON history
            WHEN (old.deleted_at IS NULL) <> (new.deleted_at IS NULL) BEGIN
            UPDATE history_counts SET live = live + (CASE WHEN new.deleted_at IS NULL THEN 1 ELSE -1 END) WHERE id = 1;
        END;

        CREATE TABLE preferences (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            updated_at INTEGER NOT NULL
        );
        CREATE TABLE exclusion_patterns (
            pattern TEXT PRIMARY KEY,
            created_at INTEGER NOT NULL
        );

        CREATE TABLE device (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            device_id TEXT NOT NULL
        );
        INSERT INTO device (id, device_id) VALUES (1, lower(hex(randomblob(16))));
        """

    /// `history_bulk_load`: while a bulk load (``HistoryStore/bulkLoad(_:)``) runs, inside its transaction, one
    /// row holding the highest `seq` before it. Rows above that `seq` are left out of `history_fts` and
    /// `history_counts` by the triggers (whatever happens to them during the load) and are indexed and counted
    /// once, by one statement each, when the load ends, instead of a trigger program and an update of the one
    /// count row per inserted row. Outside a load the table is empty (the row never outlives its transaction)
    /// and the triggers do what version 2's did.
    static let version4 = """
        CREATE TABLE history_bulk_load (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            after_seq INTEGER NOT NULL
        );

        DROP TRIGGER history_fts_insert;
        CREATE TRIGGER history_fts_insert AFTER INSERT ON history
            WHEN NOT EXISTS (SELECT 1 FROM history_bulk_load WHERE after_seq < new.seq) BEGIN
            INSERT INTO history_fts(rowid, command, prompt, explanation, tags)
                VALUES (new.seq, new.command, new.prompt, new.explanation, new.tags);
        END;
        DROP TRIGGER history_fts_delete;
        CREATE TRIGGER history_fts_delete AFTER DELETE ON history
            WHEN NOT EXISTS (SELECT 1 FROM history_bulk_load WHERE after_seq < old.seq) BEGIN
            INSERT INTO history_fts(history_fts, rowid, command, prompt, explanation, tags)
                VALUES ('delete', old.seq, old.command, old.prompt, old.explanation, old.tags);
        END;
        DROP TRIGGER history_fts_update;
        CREATE TRIGGER history_fts_update AFTER UPDATE OF command, prompt, explanation, tags ON history
            WHEN NOT EXISTS (SELECT 1 FROM history_bulk_load WHERE after_seq < old.seq) BEGIN
            INSERT INTO history_fts(history_fts, rowid, command, prompt, explanation, tags)
                VALUES ('delete', old.seq, old.command, old.prompt, old.explanation, old.tags);
            INSERT INTO history_fts(rowid, command, prompt, explanation, tags)
                VALUES (new.seq, new.command, new.prompt, new.explanation, new.tags);
        END;

        DROP TRIGGER history_count_insert;
        CREATE TRIGGER history_count_insert AFTER INSERT ON history
            WHEN new.deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM history_bulk_load WHERE after_seq < new.seq) BEGIN
            UPDATE history_counts SET live = live + 1 WHERE id = 1;
        END;
        DROP TRIGGER history_count_delete;
        CREATE TRIGGER history_count_delete AFTER DELETE ON history
            WHEN old.deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM history_bulk_load WHERE after_seq < old.seq) BEGIN
            UPDATE history_counts SET live = live - 1 WHERE id = 1;
        END;
        DROP TRIGGER history_count_tombstone;
        CREATE TRIGGER history_count_tombstone AFTER UPDATE OF deleted_at ON history
            WHEN (old.deleted_at IS NULL) <> (new.deleted_at IS NULL)
                AND NOT EXISTS (SELECT 1 FROM history_bulk_load WHERE after_seq < old.seq) BEGIN
            UPDATE history_counts SET live = live + (CASE WHEN new.deleted_at IS NULL THEN 1 ELSE -1 END) WHERE id = 1;
        END;
        """

    /// `history_fts` again, with `columnsize=0`: FTS5 no longer keeps a `history_fts_docsize` row of token counts
    /// per entry. Only ranking functions (`bm25`) and `xColumnSize` read those, and search does not rank by them
    /// (it orders by time), so the index answers every query as before; indexing 100 000 entries took ~28 %
    /// less CPU. The triggers keep it as before (they name the table, not its options); `rebuild` indexes the
    /// existing entries from `history` again (0.18 s once for 100 000 entries).
    static let version5 = """
        DROP TABLE history_fts;
        CREATE VIRTUAL TABLE history_fts USING fts5(
            command, prompt, explanation, tags,
            content = 'history', content_rowid = 'seq', tokenize = 'unicode61 remove_diacritics 2', columnsize = 0);
        INSERT INTO history_fts(history_fts) VALUES ('rebuild');
        """
}
