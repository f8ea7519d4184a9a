/// One history query: every filter of `caro history search|list|delete --filter`, already parsed.
/// ``HistorySQL`` turns it into one SQL statement.
public struct HistoryQuery: Sendable, Equatable {
    /// Which exit statuses to keep.
    public enum ExitFilter: Sendable, Equatable {
        /// Exit code 0.
        case success
        /// Any known non-zero exit code.
        case failure
        /// Exactly this exit code.
        case code(Int)
    }

    /// Full-text words (FTS5 prefix matching; `"…"` for phrases). Nil or blank: no text filter.
    public var text: String?
    /// Only entries run in exactly this directory.
    public var cwd: String?
    /// Only entries run in this directory or below it.
    public var under: String?
    public var hostname: String?
    public var deviceID: String?
    public var shell: String?
    /// Only entries at or after this time (ms since the epoch).
    public var since: Int64?
    /// Only entries before this time (ms since the epoch).
    public var until: Int64?
    public var exit: ExitFilter?
    /// Only entries that were executed (true) or only suggestions that were not (false).
    public var executed: Bool?
    /// At most this many results (nil: all).
    public var limit: Int?
    /// Oldest first instead of newest first.
    public var reverse: Bool
    /// Only the newest entry of each distinct command.
    public var unique: Bool

    public init(
        text: String? = nil, cwd: String? = nil, under: String? = nil, hostname: String? = nil, deviceID: String? = nil,
        shell: String? = nil, since: Int64? = nil, until: Int64? = nil, exit: ExitFilter? = nil, executed: Bool? = nil,
        limit: Int? = nil, reverse: Bool = false, unique: Bool = false
    ) {
        self.text = text
        self.cwd = cwd
        self.under = under
        self.hostname = hostname
        self.deviceID = deviceID
        self.shell = shell
        self.since = since
        self.until = until
        self.exit = exit
        self.executed = executed
        self.limit = limit
        self.reverse = reverse
        self.unique = unique
    }
}
