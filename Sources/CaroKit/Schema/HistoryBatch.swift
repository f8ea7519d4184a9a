import CaroStore
import JazzProto

/// One item of the history CoStream: entries and deletions pushed in one transaction (Docs/schema.md,
/// "History"). Encoding seals the sensitive fields with a ``FieldCipher``; decoding opens them.
public struct HistoryBatch: Sendable, Equatable {
    /// The batch format this `caro` writes (`v`).
    public static let formatVersion = 1

    /// A deletion record: the entry `id` is deleted (wins over the entry whatever the order).
    public struct Deletion: Sendable, Hashable {
        public var id: String
        public var deletedAt: Int64
        public init(id: String, deletedAt: Int64) {
            self.id = id
            self.deletedAt = deletedAt
        }
    }

    /// Live entries (``HistoryRow/deletedAt`` nil).
    public var entries: [HistoryRow]
    public var deletions: [Deletion]

    public init(entries: [HistoryRow] = [], deletions: [Deletion] = []) {
        self.entries = entries
        self.deletions = deletions
    }

    public var isEmpty: Bool { entries.isEmpty && deletions.isEmpty }

    /// The batches that carry `rows` (pending rows from SQLite: live ones become entries, tombstones
    /// deletions), at most ``CaroSchema/maxRecordsPerBatch`` records each.
    public static func batches(from rows: [HistoryRow], maxRecords: Int = CaroSchema.maxRecordsPerBatch) -> [HistoryBatch] {
        var batches: [HistoryBatch] = []
        var current = HistoryBatch()
        for row in rows {
            if let deletedAt = row.deletedAt {
                current.deletions.append(Deletion(id: row.id, deletedAt: deletedAt))
            } else {
                current.entries.append(row)
            }
            if current.entries.count + current.deletions.count >= max(maxRecords, 1) {
                batches.append(current)
                current = HistoryBatch()
            }
        }
        if !current.isEmpty { batches.append(current) }
        return batches
    }

    // MARK: Encoding

    /// The CoStream item for this batch.
    public func encoded(with cipher: FieldCipher) throws(FieldCipherError) -> JSONValue {
        var entryValues: [JSONValue] = []
        entryValues.reserveCapacity(entries.count)
        for row in entries { entryValues.append(try Self.encode(row, cipher: cipher)) }
        let deletionValues: [JSONValue] = deletions.map {
            .object(JSONObject([("id", .string($0.id)), ("deletedAt", .number(Double($0.deletedAt)))]))
        }
        return .object(JSONObject([
            ("v", .number(Double(Self.formatVersion))), ("entries", .array(entryValues)), ("deletions", .array(deletionValues)),
        ]))
    }

    static func encode(_ row: HistoryRow, cipher: FieldCipher) throws(FieldCipherError) -> JSONValue {
        var secret: [(String, JSONValue)] = [("id", .string(row.id)), ("command", .string(row.command))]
        func addSecret(_ key: String, _ value: String?) { if let value { secret.append((key, .string(value))) } }
        addSecret("prompt", row.prompt)
        addSecret("explanation", row.explanation)
        addSecret("cwd", row.cwd)
        addSecret("hostname", row.hostname)
        if !row.tags.isEmpty { secret.append(("tags", .array(row.tags.map { .string($0) }))) }
        let sealed = try cipher.seal(Array(JSONValue.object(JSONObject(secret)).jsonStringify().utf8))

        var fields: [(String, JSONValue)] = [
            ("id", .string(row.id)), ("createdAt", .number(Double(row.createdAt))), ("executed", .bool(row.executed)),
        ]
        if let exitCode = row.exitCode { fields.append(("exitCode", .number(Double(exitCode)))) }
        if let duration = row.durationMs { fields.append(("durationMs", .number(Double(duration)))) }
        func addPlain(_ key: String, _ value: String?) { if let value { fields.append((key, .string(value))) } }
        addPlain("shell", row.shell)
        addPlain("deviceID", row.deviceID)
        addPlain("platform", row.platform)
        addPlain("safetyLevel", row.safetyLevel)
        fields.append(("k", .number(Double(sealed.version))))
        fields.append(("sealed", .string(sealed.sealed)))
        return .object(JSONObject(fields))
    }

    // MARK: Decoding

    /// What decoding one CoStream item gave: the batch, and the entries that were skipped, with why.
    public struct Decoded: Sendable {
        public var batch: HistoryBatch
        public var problems: [String]
    }

    /// Reads a CoStream item. Returns nil for an item of a format this `caro` does not know (a newer
    /// `v`, or not a batch): it is skipped, not an error. Entries that fail to decode or open are
    /// skipped and reported; the rest of the batch is kept.
    public static func decode(_ item: JSONValue, cipher: FieldCipher) -> Decoded? {
        guard let version = item["v"]?.int64Value, version == Int64(formatVersion) else { return nil }
        var decoded = Decoded(batch: HistoryBatch(), problems: [])
        let values = item["entries"]?.arrayValue ?? []
        decoded.batch.entries.reserveCapacity(values.count)
        var parser = JSONDocumentParser()
        for value in values {
            do {
                decoded.batch.entries.append(try decodeEntry(value, cipher: cipher, parser: &parser))
            } catch {
                decoded.problems.append("entry \(value["id"]?.stringValue ?? "?"): \(error)")
            }
        }
        for value in item["deletions"]?.arrayValue ?? [] {
            guard let id = value["id"]?.stringValue, let at = value["deletedAt"]?.int64Value else {
                decoded.problems.append("a deletion record without id or deletedAt")
                continue
            }
            decoded.batch.deletions.append(Deletion(id: id, deletedAt: at))
        }
        return decoded
    }

    /// One entry of a batch, its sealed fields opened and parsed with `parser` (one per batch: the entries'
    /// fields share its buffers). Each object is read in one pass over its members, not looked up key by key.
    static func decodeEntry(_ value: JSONValue, cipher: FieldCipher, parser: inout JSONDocumentParser) throws -> HistoryRow {
        guard let fields = value.objectValue else { throw HistoryBatchError.malformed("not an object") }
        var id: String?, createdAt: Int64?, version: Int64?, sealed: String?
        var executed: Bool?, exitCode: Int64?, durationMs: Int64?
        var shell: String?, deviceID: String?, platform: String?, safetyLevel: String?
        for (key, member) in fields {
            switch key {
            case "id": id = member.stringValue
            case "createdAt": createdAt = member.int64Value
            case "k": version = member.int64Value
            case "sealed": sealed = member.stringValue
            case "executed": executed = member.boolValue
            case "exitCode": exitCode = member.int64Value
            case "durationMs": durationMs = member.int64Value
            case "shell": shell = member.stringValue
            case "deviceID": deviceID = member.stringValue
            case "platform": platform = member.stringValue
            case "safetyLevel": safetyLevel = member.stringValue
            default: continue
            }
        }
        guard let id, let createdAt, let version, let sealed else {
            throw HistoryBatchError.malformed("missing id, createdAt, k or sealed")
        }
        let plaintext = try cipher.open(sealed, version: Int(version))
        guard let secret = try parser.parse(plaintext).objectValue else {
            throw HistoryBatchError.malformed("its encrypted fields are not an object")
        }
        var secretID: String?, command: String?, prompt: String?, explanation: String?
        var cwd: String?, hostname: String?, tags: [String] = []
        for (key, member) in secret {
            switch key {
            case "id": secretID = member.stringValue
            case "command": command = member.stringValue
            case "prompt": prompt = member.stringValue
            case "explanation": explanation = member.stringValue
            case "cwd": cwd = member.stringValue
            case "hostname": hostname = member.stringValue
            case "tags": tags = member.arrayValue?.compactMap(\.stringValue) ?? []
            default: continue
            }
        }
        guard secretID == id else { throw HistoryBatchError.malformed("its encrypted fields belong to another entry") }
        guard let command else { throw HistoryBatchError.malformed("no command") }
        return HistoryRow(
            id: id, createdAt: createdAt, command: command, prompt: prompt, explanation: explanation,
            executed: executed ?? true, exitCode: exitCode.map { Int(clamping: $0) }, durationMs: durationMs, cwd: cwd,
            shell: shell, hostname: hostname, deviceID: deviceID, platform: platform, safetyLevel: safetyLevel, tags: tags)
    }
}

/// A history batch item that cannot be read.
public enum HistoryBatchError: Error, CustomStringConvertible {
    case malformed(String)

    public var description: String {
        switch self {
        case .malformed(let why): return "malformed history record: \(why)"
        }
    }
}
