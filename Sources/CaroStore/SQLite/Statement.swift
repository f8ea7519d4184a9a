import CSQLite

/// A value to bind to a statement parameter.
public enum SQLiteValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

/// A prepared statement: bind parameters (1-based), ``step()`` through rows, read columns (0-based).
///
/// Confined to its database's thread, like ``SQLiteDatabase``. Statements from
/// ``SQLiteDatabase/cached(_:)`` belong to the database's cache and are finalized by
/// ``SQLiteDatabase/close()``; others are finalized when released.
public final class Statement {
    /// The SQL text it was prepared from.
    public let sql: String
    private let connection: SQLiteConnection
    private var handle: OpaquePointer?
    /// Runs with the connection's triggers off (``SQLiteDatabase/cachedWithoutTriggers(_:)``).
    private let withoutTriggers: Bool
    /// Writes nothing (a query, or transaction control), so runs the same with or without triggers.
    private var readOnly = false

    init(connection: SQLiteConnection, sql: String, persistent: Bool, withoutTriggers: Bool = false) throws(SQLiteError) {
        self.sql = sql
        self.connection = connection
        self.withoutTriggers = withoutTriggers
        let database = try connection.open()
        var handle: OpaquePointer?
        let flags = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        let code = sqlite3_prepare_v3(database, sql, -1, flags, &handle, nil)
        guard code == SQLITE_OK, let handle else {
            sqlite3_finalize(handle)
            throw connection.error(code == SQLITE_OK ? SQLITE_MISUSE : code, sql: sql)
        }
        self.handle = handle
        readOnly = sqlite3_stmt_readonly(handle) != 0
    }

    deinit {
        finalize()
    }

    func finalize() {
        sqlite3_finalize(handle)
        handle = nil
    }

    private func live() throws(SQLiteError) -> OpaquePointer {
        guard let handle, connection.handle != nil else { throw .closed(path: connection.path) }
        return handle
    }

    private func check(_ code: Int32) throws(SQLiteError) {
        guard code == SQLITE_OK else { throw connection.error(code, sql: sql) }
    }

    // MARK: Binding (parameter indices start at 1)

    /// Resets to before the first row and clears every binding.
    public func reset() {
        guard let handle else { return }
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    public func bind(_ value: Int64, at index: Int32) throws(SQLiteError) {
        try check(sqlite3_bind_int64(try live(), index, value))
    }

    /// Binds an integer; nil binds NULL.
    public func bind(_ value: Int64?, at index: Int32) throws(SQLiteError) {
        guard let value else { return try bindNull(at: index) }
        try bind(value, at: index)
    }

    public func bind(_ value: Int, at index: Int32) throws(SQLiteError) {
        try bind(Int64(value), at: index)
    }

    public func bind(_ value: Double, at index: Int32) throws(SQLiteError) {
        try check(sqlite3_bind_double(try live(), index, value))
    }

    public func bind(_ value: Bool, at index: Int32) throws(SQLiteError) {
        try bind(Int64(value ? 1 : 0), at: index)
    }

    /// Binds text (embedded NUL characters are kept); nil binds NULL.
    public func bind(_ value: String?, at index: Int32) throws(SQLiteError) {
        guard var value else { return try bindNull(at: index) }
        let handle = try live()
        let code = value.withUTF8 { utf8 in Self.bindText(handle, index, utf8) }
        try check(code)
    }

    /// Binds UTF-8 bytes as TEXT (no String in between, e.g. the output of a JSON writer).
    public func bind(utf8 bytes: [UInt8], at index: Int32) throws(SQLiteError) {
        let handle = try live()
        let code = bytes.withUnsafeBufferPointer { utf8 in Self.bindText(handle, index, utf8) }
        try check(code)
    }

    /// Binds bytes as a BLOB; nil binds NULL.
    public func bind(blob bytes: [UInt8]?, at index: Int32) throws(SQLiteError) {
        guard let bytes else { return try bindNull(at: index) }
        let handle = try live()
        let code = bytes.withUnsafeBytes { raw in
            // A zero-length blob still needs a non-null pointer, or SQLite binds NULL.
            sqlite3_bind_blob64(handle, index, raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1), UInt64(raw.count),
                                caro_sqlite_transient())
        }
        try check(code)
    }

    public func bindNull(at index: Int32) throws(SQLiteError) {
        try check(sqlite3_bind_null(try live(), index))
    }

    public func bind(_ value: SQLiteValue, at index: Int32) throws(SQLiteError) {
        switch value {
        case .null: try bindNull(at: index)
        case .integer(let integer): try bind(integer, at: index)
        case .real(let real): try bind(real, at: index)
        case .text(let text): try bind(text, at: index)
        case .blob(let blob): try bind(blob: blob, at: index)
        }
    }

    /// Binds `values` to parameters 1, 2, ….
    public func bind(_ values: SQLiteValue...) throws(SQLiteError) {
        for (offset, value) in values.enumerated() { try bind(value, at: Int32(offset + 1)) }
    }

    private static func bindText(_ handle: OpaquePointer, _ index: Int32, _ utf8: UnsafeBufferPointer<UInt8>) -> Int32 {
        // An empty string still needs a non-null pointer, or SQLite binds NULL.
        let base = utf8.baseAddress.map { UnsafeRawPointer($0) } ?? UnsafeRawPointer(bitPattern: 1)
        return sqlite3_bind_text64(
            handle, index, base?.assumingMemoryBound(to: CChar.self), UInt64(utf8.count), caro_sqlite_transient(),
            UInt8(SQLITE_UTF8))
    }

    // MARK: Running

    /// Advances to the next row: true if there is one, false when done.
    @discardableResult
    public func step() throws(SQLiteError) -> Bool {
        let statement = try live()
        if withoutTriggers || !readOnly { try connection.useTriggers(off: withoutTriggers) }
        let code = sqlite3_step(statement)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let error = connection.error(code, sql: sql)
            // Leave it reusable; reset reports the same error again, which we already have.
            if let handle { sqlite3_reset(handle) }
            throw error
        }
    }

    /// Runs a statement that returns no rows (INSERT, UPDATE, DELETE, DDL) to completion.
    public func run() throws(SQLiteError) {
        while try step() {}
    }

    /// Steps through every row, calling `body` with the statement positioned on it.
    public func forEachRow<E: Error>(_ body: (Statement) throws(E) -> Void) throws {
        while try step() { try body(self) }
    }

    // MARK: Columns (indices start at 0; read only while positioned on a row)

    public var columnCount: Int { handle.map { Int(sqlite3_column_count($0)) } ?? 0 }

    public func isNull(at column: Int32) -> Bool {
        guard let handle else { return true }
        return sqlite3_column_type(handle, column) == SQLITE_NULL
    }

    public func int64(at column: Int32) -> Int64 {
        guard let handle else { return 0 }
        return sqlite3_column_int64(handle, column)
    }

    /// The integer value, clamped to `Int`'s range (identical on 64-bit platforms).
    public func int(at column: Int32) -> Int {
        let value = int64(at: column)
        return Int(clamping: value)
    }

    public func double(at column: Int32) -> Double {
        guard let handle else { return 0 }
        return sqlite3_column_double(handle, column)
    }

    /// The text value; nil for NULL. Invalid UTF-8 is repaired with U+FFFD rather than trapping.
    public func text(at column: Int32) -> String? {
        withUnsafeText(at: column) { bytes in
            bytes.map { String(decoding: $0, as: UTF8.self) }
        }
    }

    /// Calls `body` with the text's UTF-8 bytes in SQLite's memory (valid only during the call), or nil
    /// for NULL. Lets a parser read the column without copying it into a String.
    public func withUnsafeText<T, E: Error>(at column: Int32, _ body: (UnsafeRawBufferPointer?) throws(E) -> T) throws(E) -> T {
        guard let handle, sqlite3_column_type(handle, column) != SQLITE_NULL else { return try body(nil) }
        // Order matters: text first, then bytes (SQLite's documented conversion rule).
        let pointer = sqlite3_column_text(handle, column)
        let count = Int(sqlite3_column_bytes(handle, column))
        guard let pointer else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        return try body(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    /// The blob value; nil for NULL.
    public func blob(at column: Int32) -> [UInt8]? {
        guard let handle, sqlite3_column_type(handle, column) != SQLITE_NULL else { return nil }
        let pointer = sqlite3_column_blob(handle, column)
        let count = Int(sqlite3_column_bytes(handle, column))
        guard let pointer, count > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }
}
