import CaroKit
import CaroStore
import JazzProto
import Testing

@Suite("History batches and field encryption")
struct HistoryBatchTests {
    static let cipher = FieldCipher(keys: [1: [UInt8](repeating: 7, count: 32)], currentVersion: 1)

    static let entry = HistoryRow(
        id: "0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b", createdAt: 1_700_000_000_123, command: "psql -h db.internal", prompt: "connect",
        explanation: "opens a shell", executed: false, exitCode: 2, durationMs: 15, cwd: "/srv/secret-project", shell: "zsh",
        hostname: "box", deviceID: "dev", platform: "linux", safetyLevel: "moderate", tags: ["db", "prod"])

    @Test func roundTripsEveryFieldAndKeepsSensitiveTextOutOfThePlainItem() throws {
        let batch = HistoryBatch(entries: [Self.entry], deletions: [.init(id: "gone", deletedAt: 5)])
        let item = try batch.encoded(with: Self.cipher)
        let text = item.jsonStringify()
        for secret in ["psql", "connect", "opens a shell", "secret-project", "prod", "box"] { #expect(!text.contains(secret)) }
        let decoded = try #require(HistoryBatch.decode(item, cipher: Self.cipher))
        #expect(decoded.problems.isEmpty)
        #expect(decoded.batch == batch)
    }

    @Test func anEntryWithAnotherKeyOrTamperedOrMovedCiphertextIsSkippedAndReported() throws {
        let item = try HistoryBatch(entries: [Self.entry]).encoded(with: Self.cipher)
        let otherKey = FieldCipher(keys: [1: [UInt8](repeating: 8, count: 32)], currentVersion: 1)
        let wrong = try #require(HistoryBatch.decode(item, cipher: otherKey))
        #expect(wrong.batch.entries.isEmpty)
        #expect(wrong.problems.count == 1)

        // The sealed fields of one entry moved onto another ID do not open as that entry.
        var moved = try #require(item["entries"]?[0]?.objectValue)
        moved["id"] = .string("0190a1b2-0000-7000-8000-000000000000")
        let movedItem: JSONValue = .object(JSONObject([("v", 1), ("entries", .array([.object(moved)])), ("deletions", [])]))
        let decoded = try #require(HistoryBatch.decode(movedItem, cipher: Self.cipher))
        #expect(decoded.batch.entries.isEmpty)
        #expect(decoded.problems.count == 1)
    }

    @Test func itemsOfAnUnknownFormatAreSkipped() {
        #expect(HistoryBatch.decode(["v": 2, "entries": []], cipher: Self.cipher) == nil)
        #expect(HistoryBatch.decode("not a batch", cipher: Self.cipher) == nil)
    }

    @Test func oldKeyVersionsStillOpenAfterARotation() throws {
        let old = try HistoryBatch(entries: [Self.entry]).encoded(with: Self.cipher)
        let rotated = FieldCipher(keys: [1: [UInt8](repeating: 7, count: 32), 2: [UInt8](repeating: 9, count: 32)], currentVersion: 2)
        #expect(HistoryBatch.decode(old, cipher: rotated)?.batch.entries == [Self.entry])
        let new = try HistoryBatch(entries: [Self.entry]).encoded(with: rotated)
        #expect(new["entries"]?[0]?["k"] == 2)
        #expect(HistoryBatch.decode(new, cipher: Self.cipher)?.batch.entries.isEmpty == true)
    }
    /// An entry as another writer may send it: `plain` members around sealed fields of JSON text `secret`.
    static func handWritten(id: String, secret: String, plain: [(String, JSONValue)] = []) throws -> JSONValue {
        let sealed = try cipher.seal(Array(secret.utf8))
        let head: [(String, JSONValue)] = [("id", .string(id)), ("createdAt", 5)]
        let tail: [(String, JSONValue)] = [("k", .number(Double(sealed.version))), ("sealed", .string(sealed.sealed))]
        return .object(JSONObject(head + plain + tail))
    }

    @Test func entriesAreReadWhateverTheOrderSpacingEscapesAndExtraMembersOfTheirFields() throws {
        let spaced = try Self.handWritten(
            id: "a",
            secret: #"{ "tags" : ["x", 7, "y"], "future": {"nested": [1, {"deep": null}]}, "command": "echo \"hi\" \u00e9\ud83d\ude00", "id": "a", "cwd": "/tmp" }"#,
            plain: [("exitCode", "not a number"), ("shell", "fish"), ("unknown", ["ignored"]), ("executed", false)])
        let notJSON = try Self.handWritten(id: "b", secret: #"{"id": "b", "command": "#)
        let notAnObject = try Self.handWritten(id: "c", secret: #"["c", "ls"]"#)
        let noCommand = try Self.handWritten(id: "d", secret: #"{"id": "d", "command": 5}"#)
        let last = try Self.handWritten(id: "e", secret: #"{"id":"e","command":"make","prompt":"build it","hostname":"box"}"#)
        let item: JSONValue = .object(JSONObject([
            ("v", 1), ("entries", .array([spaced, notJSON, notAnObject, noCommand, "not an entry", last])), ("deletions", []),
        ]))
        let decoded = try #require(HistoryBatch.decode(item, cipher: Self.cipher))
        #expect(decoded.problems.count == 4, "\(decoded.problems)")
        #expect(decoded.batch.entries == [
            HistoryRow(id: "a", createdAt: 5, command: "echo \"hi\" é😀", executed: false, cwd: "/tmp", shell: "fish", tags: ["x", "y"]),
            // Read after entries that failed: nothing of theirs is left in the parser.
            HistoryRow(id: "e", createdAt: 5, command: "make", prompt: "build it", hostname: "box"),
        ])
    }
}
