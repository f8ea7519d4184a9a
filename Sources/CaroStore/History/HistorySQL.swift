/// Builds the one SQL statement of a ``HistoryQuery``: its text and its bindings, in order.
struct HistorySQL {
    /// The columns every read selects, in ``HistoryRow`` order (see ``HistoryStore/row(from:)``).
    static let columns = """
        h.id, h.created_at, h.command, h.prompt, h.explanation, h.executed, h.exit_code, h.duration_ms, h.cwd, \
        h.shell, h.hostname, h.device_id, h.platform, h.safety_level, h.tags, h.deleted_at, h.import_key
        """

    var sql: String
    var bindings: [SQLiteValue]

    /// How a read filters by its text.
    enum Text {
        /// As the text translates (full text, or a substring).
        case typed(FullTextQuery)
        /// The rows in `temp.history_matches`, filled by ``HistoryStore/withSharedMatches(of:_:)``.
        case sharedMatches
    }

    /// The conditions (live rows only) and their bindings, for `query` with text matched as `text`.
    static func conditions(_ query: HistoryQuery, text: Text?) -> (String, [SQLiteValue]) {
        var clauses = ["h.deleted_at IS NULL"]
        var bindings: [SQLiteValue] = []
        // With a directory filter the cwd index drives (`+` keeps SQLite from reading every match by rowid).
        let seq = query.cwd != nil || query.under != nil ? "+h.seq" : "h.seq"
        switch text {
        case .sharedMatches:
            clauses.append("\(seq) IN temp.history_matches")
        case .typed(.match(let expression)), .typed(.raw(let expression)):
            clauses.append("\(seq) IN (SELECT rowid FROM history_fts WHERE history_fts MATCH ?)")
            bindings.append(.text(expression))
        case .typed(.substring(let literal)):
            clauses.append(
                "(instr(lower(h.command), lower(?)) > 0 OR instr(lower(coalesce(h.prompt, '')), lower(?)) > 0 "
                    + "OR instr(lower(coalesce(h.explanation, '')), lower(?)) > 0)")
            bindings += [.text(literal), .text(literal), .text(literal)]
        case nil: break
        }
        if let cwd = query.cwd {
            clauses.append("h.cwd = ?")
            bindings.append(.text(cwd))
        }
        if let under = query.under {
            // The directory itself, or any path that starts with "dir/" ('0' sorts right after '/'): one range
            // of the cwd index, [dir, dir0), less the paths like "dir-old" that sort inside it.
            var directory = under
            while directory.hasSuffix("/") { directory.removeLast() }
            let exact = directory.isEmpty ? "/" : directory
            clauses.append("h.cwd >= ? AND h.cwd < ? AND (h.cwd = ? OR h.cwd >= ?)")
            bindings += [.text(exact), .text(directory + "0"), .text(exact), .text(directory + "/")]
        }
        for (column, value) in [("h.hostname", query.hostname), ("h.device_id", query.deviceID), ("h.shell", query.shell)] {
            guard let value else { continue }
            clauses.append("\(column) = ?")
            bindings.append(.text(value))
        }
        if let since = query.since {
            clauses.append("h.created_at >= ?")
            bindings.append(.integer(since))
        }
        if let until = query.until {
            clauses.append("h.created_at < ?")
            bindings.append(.integer(until))
        }
        switch query.exit {
        case .success: clauses.append("h.exit_code = 0")
        case .failure: clauses.append("h.exit_code <> 0")
        case .code(let code):
            clauses.append("h.exit_code = ?")
            bindings.append(.integer(Int64(code)))
        case nil: break
        }
        if let executed = query.executed {
            clauses.append("h.executed = ?")
            bindings.append(.integer(executed ? 1 : 0))
        }
        return (clauses.joined(separator: " AND "), bindings)
    }

    /// The SELECT for `query`: newest first (oldest first with `reverse`), at most `limit` rows.
    /// `unique` is not applied here: ``HistoryStore`` skips repeated commands while it reads.
    ///
    /// `walkTime` reads the time index in order and checks each row against the filters (the full-text
    /// matches become an in-memory set), which finds the first `limit` rows of a common word quickly;
    /// otherwise SQLite fetches every match and sorts them (quick for rare words).
    static func select(_ query: HistoryQuery, text: Text?, walkTime: Bool = false) -> HistorySQL {
        let (conditions, bindings) = Self.conditions(query, text: text)
        let order = query.reverse ? "ORDER BY h.created_at ASC, h.seq ASC" : "ORDER BY h.created_at DESC, h.seq DESC"
        let source = walkTime ? "history h INDEXED BY history_by_time" : "history h"
        var sql = "SELECT \(columns) FROM \(source) WHERE \(conditions) \(order)"
        var all = bindings
        if let limit = query.limit {
            sql += " LIMIT ?"
            all.append(.integer(Int64(limit)))
        }
        return HistorySQL(sql: sql, bindings: all)
    }
}
