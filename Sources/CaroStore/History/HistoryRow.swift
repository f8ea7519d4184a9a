/// One row of the `history` table, as stored: the fields of an entry plus the sync bookkeeping.
///
/// Times are milliseconds since the Unix epoch (UTC). A deleted row (a tombstone) has `deletedAt` set
/// and its text fields (`command`, `prompt`, `explanation`, `cwd`, `tags`) cleared.
public struct HistoryRow: Sendable, Equatable {
    /// The entry's ID (a UUIDv7 string), the same on every device.
    public var id: String
    /// When the command ran (ms since the epoch).
    public var createdAt: Int64
    /// The command line (empty for a tombstone).
    public var command: String
    public var prompt: String?
    public var explanation: String?
    /// False when caro suggested the command but it was not run.
    public var executed: Bool
    public var exitCode: Int?
    public var durationMs: Int64?
    public var cwd: String?
    public var shell: String?
    public var hostname: String?
    public var deviceID: String?
    public var platform: String?
    public var safetyLevel: String?
    public var tags: [String]
    /// When the entry was deleted (ms since the epoch), nil while it is live.
    public var deletedAt: Int64?
    /// A key that identifies an imported line, so that importing the same file again adds nothing
    /// (nil for entries recorded directly).
    public var importKey: String?

    public init(
        id: String, createdAt: Int64, command: String, prompt: String? = nil, explanation: String? = nil,
        executed: Bool = true, exitCode: Int? = nil, durationMs: Int64? = nil, cwd: String? = nil, shell: String? = nil,
        hostname: String? = nil, deviceID: String? = nil, platform: String? = nil, safetyLevel: String? = nil,
        tags: [String] = [], deletedAt: Int64? = nil, importKey: String? = nil
    ) {
        self.id = id
        self.createdAt = createdAt
        self.command = command
        self.prompt = prompt
        self.explanation = explanation
        self.executed = executed
        self.exitCode = exitCode
        self.durationMs = durationMs
        self.cwd = cwd
        self.shell = shell
        self.hostname = hostname
        self.deviceID = deviceID
        self.platform = platform
        self.safetyLevel = safetyLevel
        self.tags = tags
        self.deletedAt = deletedAt
        self.importKey = importKey
    }

    /// True while the entry is not deleted.
    public var isLive: Bool { deletedAt == nil }

    /// Tags are stored as one text, separated by U+001F (which the full-text tokenizer treats as a separator).
    static let tagSeparator: Character = "\u{1F}"

    static func encodeTags(_ tags: [String]) -> String? {
        tags.isEmpty ? nil : tags.joined(separator: String(tagSeparator))
    }

    static func decodeTags(_ text: String?) -> [String] {
        guard let text, !text.isEmpty else { return [] }
        return text.split(separator: tagSeparator, omittingEmptySubsequences: false).map(String.init)
    }
}
