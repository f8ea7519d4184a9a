import CaroKit
import Testing

/// Reading `caro export` files: both formats, and every way a file can be wrong (nothing half-read).
@Suite("Export file reader")
struct CaroExportReaderTests {
    static let entry = #"{"id":"01a2","createdAt":"2026-12-06T00:37:50.686Z","command":"echo one","prompt":null,"explanation":null,"executed":true,"exitCode":2,"durationMs":null,"cwd":"/tmp","shell":"bash","hostname":"vm","deviceID":"d","platform":"linux","safetyLevel":null,"tags":["x"]}"#
    static let json = """
        {"formatVersion":1,"exportedAt":"2026-12-06T00:37:51.149Z",
        "history":[
        \(entry)
        ],
        "deletions":[
        {"id":"01a3","deletedAt":"2026-12-06T00:37:50.900Z"}
        ],
        "preferences":{
        "max-entries":{"value":"500","setAt":"2026-12-06T00:37:51.005Z"},
        "retention-days":{"value":"0","setAt":null},
        "a-newer-key":{"value":"?","setAt":null}
        },
        "exclusions":["tok[0-9]+"],
        "devices":[]}
        """
    static let lines = """
        {"type":"header","formatVersion":1,"exportedAt":"2026-12-06T00:37:51.216Z"}
        {"type":"entry","entry":\(entry)}
        {"type":"deletion","id":"01a3","deletedAt":"2026-12-06T00:37:50.900Z"}
        {"type":"preference","key":"max-entries","value":"500","setAt":"2026-12-06T00:37:51.005Z"}
        {"type":"preference","key":"retention-days","value":"0","setAt":null}
        {"type":"exclusion","pattern":"tok[0-9]+"}
        {"type":"end","records":5}

        """

    static func read(_ text: String) throws(CaroError) -> CaroExport { try CaroExportReader.read(Array(text.utf8), file: "f.json") }

    static func message(_ text: String) -> String {
        do {
            _ = try read(text)
            return "accepted"
        } catch {
            return error.description
        }
    }

    @Test func bothFormatsGiveTheSameRecords() throws {
        let fromJSON = try Self.read(Self.json)
        let fromLines = try Self.read(Self.lines)
        #expect(fromJSON == fromLines)
        #expect(fromJSON.history.first?.createdAt == 1_796_517_470_686)
        #expect(fromJSON.history.first?.exitCode == 2 && fromJSON.history.first?.tags == ["x"])
        #expect(fromJSON.deletions.map(\.id) == ["01a3"])
        #expect(fromJSON.preferences.map(\.key) == ["max-entries", "retention-days"], "unknown keys are skipped")
        #expect(fromJSON.preferences.last?.setAt == nil)
        #expect(fromJSON.exclusions == ["tok[0-9]+"])
    }

    @Test func wrongFilesAreRefusedWithOneSentenceNamingTheFile() {
        let cases: [(String, String)] = [
            (String(Self.json.prefix(120)), "truncated"),
            (Self.lines.split(separator: "\n").prefix(4).joined(separator: "\n"), "truncated"),
            (Self.lines.replacing("\"records\":5", with: "\"records\":9"), "holds 9 records but has 5"),
            (#"{"formatVersion":2,"history":[]}"#, "format version 2"),
            (#"{"dependencies":{}}"#, "not a Caro export"),
            ("[]", "not a Caro export"),
            ("   ", "empty"),
            ("not json", "not valid JSON"),
            (Self.json.replacing("\"executed\":true", with: "\"executed\":\"yes\""), "history entry 1 has no executed"),
            (Self.json.replacing(#"{"value":"500""#, with: #"{"value":"lots""#), "preference max-entries has a value caro cannot use"),
            (Self.json.replacing("tok[0-9]+", with: "tok[0-9"), "exclusion 1 is not a usable pattern"),
            (Self.lines.replacing("\"type\":\"exclusion\"", with: "\"type\":\"mystery\""), "unknown type"),
        ]
        for (text, expected) in cases {
            let message = Self.message(text)
            #expect(message.contains(expected), "\(expected): \(message)")
            #expect(message == "accepted" || message.contains("f.json") && message.contains("nothing was imported"), "\(message)")
        }
    }
}
