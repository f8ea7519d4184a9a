#include <sqlite3.h>

/// SQLITE_TRANSIENT is a cast macro Swift cannot import.
static inline sqlite3_destructor_type caro_sqlite_transient(void) { return SQLITE_TRANSIENT; }

/// sqlite3_db_config is variadic, which Swift cannot call: leave the write-ahead log in place when the
/// connection closes instead of checkpointing it there (the caller checkpoints it when it has grown).
static inline int caro_sqlite_no_checkpoint_on_close(sqlite3 *db) {
    return sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)0);
}

/// sqlite3_config is variadic too: stop SQLite counting its memory use. With the count on (Debian's build
/// default), every allocation and free takes a global mutex; nothing here reads the count. Must run before
/// SQLite initializes (returns SQLITE_MISUSE afterwards, and changes nothing).
static inline int caro_sqlite_stop_memory_statistics(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/// sqlite3_db_config again: whether statements prepared from now on run this connection's triggers (`on` 1)
/// or leave them out (0). Changing it expires the prepared statements, which SQLite prepares again on their
/// next step. Returns SQLITE_OK or an error code.
static inline int caro_sqlite_enable_triggers(sqlite3 *db, int on) {
    return sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, on, (int *)0);
}

/// Whether this connection's triggers are on (1) or off (0), as SQLITE_DBCONFIG_ENABLE_TRIGGER reports it.
static inline int caro_sqlite_triggers_enabled(sqlite3 *db) {
    int on = -1;
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, -1, &on);
    return on;
}
