import JazzProto
import Testing

/// Frames are parsed as cojson-transport-ws does: a line that is not JSON drops the frame, any other bad
/// line is refused alone (issue 15, item 7).
@Suite("Sync frame parsing")
struct SyncFrameTests {
    static let valid = "co_zBhh3pU9gLXZiNDL6PEZuEP5ri"  // 19 bytes

    @Test func oneBadLineDoesNotDropTheValidOnes() throws {
        let frame = [
            #"{"action":"load","id":"\#(Self.valid)","header":false,"sessions":{}}"#,
            #"{"action":"bogus","id":"\#(Self.valid)"}"#,
            #"{"action":"load","id":"co_zShort","header":false,"sessions":{}}"#,
            #"{"action":"load","id":42}"#,
            #"{"type":"ping","time":1,"dc":"x"}"#,
            #"{"action":"done","id":"\#(Self.valid)"}"#,
        ].joined(separator: "\n")
        let parsed = SyncFrame(parsing: frame)
        #expect(parsed.messages.count == 3)
        guard case .load(let first) = parsed.messages[0], case .load(let lenient) = parsed.messages[1],
            case .done = parsed.messages[2]
        else {
            Issue.record("unexpected messages \(parsed.messages.map(\.text))")
            return
        }
        #expect(first.id.isDecodable)
        // Accepted like cojson's isRawCoID (it starts with co_z) but marked as not decodable.
        #expect(lenient.id.description == "co_zShort" && !lenient.id.isDecodable)
        #expect(parsed.problems.count == 2)
        #expect(parsed.problems[0].contains("line 2") && parsed.problems[0].contains("not a known action"))
        #expect(parsed.problems[1].contains("line 4") && parsed.problems[1].contains("id"))
    }

    @Test func aLineOverTheMessageLimitIsRefusedAloneUnparsed() {
        let load = #"{"action":"load","id":"\#(Self.valid)","header":false,"sessions":{}}"#
        // Not even JSON: refused for its size before parsing, so it does not drop the frame.
        let long = "{" + String(repeating: "x", count: 200)
        let parsed = SyncFrame(parsing: [load, long, load].joined(separator: "\n"), maximumMessageBytes: load.utf8.count)
        #expect(parsed.messages.count == 2)
        #expect(parsed.problems == ["line 2 refused: a message of 201 bytes is over the limit of \(load.utf8.count)"])
        #expect(SyncFrame(parsing: [load, long].joined(separator: "\n")).messages.isEmpty, "without a limit the bad line drops the frame")
    }

    @Test func manyBadLinesAreReportedBriefly() {
        let bad = #"{"action":"bogus","id":"\#(Self.valid)"}"#
        let good = #"{"action":"done","id":"\#(Self.valid)"}"#
        let parsed = SyncFrame(parsing: (Array(repeating: bad, count: 1000) + [good]).joined(separator: "\n"))
        #expect(parsed.messages.count == 1)
        #expect(parsed.problems.count == SyncFrame.maximumProblems + 1)
        #expect(parsed.problems.last == "\(1000 - SyncFrame.maximumProblems) more lines of this frame refused")
    }

    @Test func aLineThatIsNotJSONDropsTheFrameLikeCojson() {
        let frame = #"{"action":"load","id":"\#(Self.valid)","header":false,"sessions":{}}"# + "\n{not json"
        let parsed = SyncFrame(parsing: frame)
        #expect(parsed.messages.isEmpty)
        #expect(parsed.problems.count == 1 && parsed.problems[0].contains("line 2 is not JSON"))
    }
}
