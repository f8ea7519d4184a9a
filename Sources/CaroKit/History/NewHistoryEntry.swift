import CaroStore

/// An entry to record: what `caro history add` and importers pass to ``HistoryService``. The service
/// fills in the ID, the time (if not given), hostname, platform and device ID.
public struct NewHistoryEntry: Sendable, Equatable {
    public var command: String
    public var prompt: String?
    public var explanation: String?
    public var executed: Bool
    public var exitCode: Int?
    public var durationMs: Int64?
    public var cwd: String?
    public var shell: String?
    public var safetyLevel: String?
    public var tags: [String]
    /// When it ran (ms since the epoch); nil = now.
    public var createdAt: Int64?
    /// For imports: a key identifying the source line (e.g. a hash of time + command), so importing the
    /// same file again adds nothing. Nil for commands recorded directly.
    public var importKey: String?

    public init(
        command: String, prompt: String? = nil, explanation: String? = nil, executed: Bool = true, exitCode: Int? = nil,
        durationMs: Int64? = nil, cwd: String? = nil, shell: String? = nil, safetyLevel: String? = nil, tags: [String] = [],
        createdAt: Int64? = nil, importKey: String? = nil
    ) {
        self.command = command
        self.prompt = prompt
        self.explanation = explanation
        self.executed = executed
        self.exitCode = exitCode
        self.durationMs = durationMs
        self.cwd = cwd
        self.shell = shell
        self.safetyLevel = safetyLevel
        self.tags = tags
        self.createdAt = createdAt
        self.importKey = importKey
    }
}

/// What ``HistoryService/add(_:)`` did with one entry.
public enum AddOutcome: Sendable, Equatable {
    /// Stored (possibly with secrets redacted: `verdict`).
    case stored(HistoryRow, verdict: Exclusions.Verdict)
    /// Not stored: an exclusion rule matched.
    case excluded(rule: String)
}

/// What ``HistoryService/add(batch:progress:)`` did.
public struct BatchAddResult: Sendable, Equatable {
    /// Entries stored.
    public var imported: Int = 0
    /// Entries already stored (same import key).
    public var duplicates: Int = 0
    /// Entries an exclusion rule dropped.
    public var excluded: Int = 0
    /// Older entries retention removed afterwards.
    public var expired: Int = 0

    public init() {}
}
