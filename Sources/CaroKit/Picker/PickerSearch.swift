import CaroStore

/// The picker's search: a bounded set of candidate entries from SQLite (full text as in
/// `caro history search`, the mode's filter, `LIMIT`), ranked in memory by ``PickerRanking``.
///
/// Two reads per query keep it fast at any history size: the newest ``recentLimit`` matches, and the
/// newest ``hereLimit`` matches run in the current directory (so that commands used here stay
/// candidates even when thousands of newer entries were run elsewhere); the text is matched once for both.
public struct PickerSearch {
    /// How many of the newest matching entries are ranked.
    public static let recentLimit = 400
    /// How many of the newest matching entries from the current directory are added.
    public static let hereLimit = 100

    let store: HistoryStore
    /// Filters given on the command line (`caro history search -i --exit 0 …`), kept in every mode.
    public var base: HistoryQuery
    public var context: PickerContext

    public init(store: HistoryStore, base: HistoryQuery = HistoryQuery(), context: PickerContext) {
        self.store = store
        self.base = base
        self.context = context
    }

    /// The ranked commands matching `text` in `mode`.
    public func commands(matching text: String, mode: PickerMode) throws(CaroError) -> [RankedCommand] {
        var query = base
        query.text = text
        query.reverse = false
        query.unique = false
        switch mode {
        case .all: break
        case .host: query.hostname = context.hostname
        case .directory: query.cwd = context.directory ?? "/"
        case .workspace: query.under = context.workspace ?? context.directory ?? "/"
        }
        var recent = query
        recent.limit = Self.recentLimit
        guard mode != .directory, let directory = context.directory, query.cwd == nil else {
            // One read only: nothing to share.
            return PickerRanking.rank(try CaroError.storage { try store.entries(matching: recent) }, context: context, typed: text)
        }
        // Both reads filter by one full-text match of the text (see HistoryStore.withSharedMatches).
        let rows = try CaroError.storage {
            try store.withSharedMatches(of: text) { read throws -> [HistoryRow] in
                var rows = try read(recent)
                if rows.count == Self.recentLimit {
                    var here = query
                    here.cwd = directory
                    here.limit = Self.hereLimit
                    var seen = Set(rows.map(\.id))
                    for row in try read(here) where seen.insert(row.id).inserted { rows.append(row) }
                }
                return rows
            }
        }
        return PickerRanking.rank(rows, context: context, typed: text)
    }
}
