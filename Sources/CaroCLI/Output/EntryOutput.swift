import CaroKit
import CaroStore

/// One history entry as `--json` prints it (the same shape everywhere; see Docs/cli.md). Absent
/// optional values are written as `null`, never left out.
struct EntryOutput: Encodable {
    var id: String
    var createdAt: String
    var command: String
    var prompt: String?
    var explanation: String?
    var executed: Bool
    var exitCode: Int?
    var durationMs: Int64?
    var cwd: String?
    var shell: String?
    var hostname: String?
    var deviceID: String?
    var platform: String?
    var safetyLevel: String?
    var tags: [String]

    init(_ row: HistoryRow) {
        id = row.id
        createdAt = Timestamp.iso8601(row.createdAt)
        command = row.command
        prompt = row.prompt
        explanation = row.explanation
        executed = row.executed
        exitCode = row.exitCode
        durationMs = row.durationMs
        cwd = row.cwd
        shell = row.shell
        hostname = row.hostname
        deviceID = row.deviceID
        platform = row.platform
        safetyLevel = row.safetyLevel
        tags = row.tags
    }

    enum CodingKeys: String, CodingKey {
        case id, createdAt, command, prompt, explanation, executed, exitCode, durationMs, cwd, shell, hostname, deviceID,
            platform, safetyLevel, tags
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(command, forKey: .command)
        try container.encodeOrNull(prompt, forKey: .prompt)
        try container.encodeOrNull(explanation, forKey: .explanation)
        try container.encode(executed, forKey: .executed)
        try container.encodeOrNull(exitCode, forKey: .exitCode)
        try container.encodeOrNull(durationMs, forKey: .durationMs)
        try container.encodeOrNull(cwd, forKey: .cwd)
        try container.encodeOrNull(shell, forKey: .shell)
        try container.encodeOrNull(hostname, forKey: .hostname)
        try container.encodeOrNull(deviceID, forKey: .deviceID)
        try container.encodeOrNull(platform, forKey: .platform)
        try container.encodeOrNull(safetyLevel, forKey: .safetyLevel)
        try container.encode(tags, forKey: .tags)
    }
}
