import CaroKit
import Foundation
import Testing

@Suite("Bash history parser")
struct BashHistoryParserTests {
    let parser = BashHistoryParser()

    @Test func plainFileHasOneCommandPerLineAndSkipsBlankLines() throws {
        let result = parser.parse(try HistoryFixtures.bytes("bash_plain"))
        #expect(result.entries.map(\.command) == ["ls -la", "cd /tmp", "echo caf\u{FFFD}", "git status"])
        #expect(result.entries.map(\.line) == [1, 2, 4, 5])
        #expect(result.entries.allSatisfy { $0.timestamp == nil })
        #expect(result.unparseableLines.isEmpty)
    }

    @Test func timedFileFromRealBashKeepsMultiLineCommandsWhole() throws {
        let result = parser.parse(try HistoryFixtures.bytes("bash_timed_real"))
        #expect(result.entries.map(\.command) == [
            "HISTTIMEFORMAT=\"%F \"; HISTFILE=/tmp/zexp/bh; shopt -s lithist",
            "echo \"a\nb\"",
            "for i in 1; do\necho $i\ndone",
            "history -w",
        ])
        #expect(result.entries.map(\.timestamp) == [1_796_506_857, 1_796_506_858, 1_796_506_858, 1_796_506_858]
            .map(HistoryFixtures.epoch))
        #expect(result.entries.map(\.line) == [2, 4, 7, 11])
        #expect(result.unparseableLines.isEmpty)
    }

    @Test func hereDocumentBlankLinesStayInsideTheCommandButTrailingOnesGo() {
        let bytes = Array("#1700000000\ncat <<EOF\none\n\ntwo\nEOF\n\n#1700000001\nls\n".utf8)
        let result = parser.parse(bytes)
        #expect(result.entries.map(\.command) == ["cat <<EOF\none\n\ntwo\nEOF", "ls"])
    }

    @Test func aTimestampInAnUntimedFileDatesOnlyTheNextCommand() {
        let result = parser.parse(Array("git reset\n#1672919006\ngit clean -dxf\ncd ../\n".utf8))
        #expect(result.entries.map(\.command) == ["git reset", "git clean -dxf", "cd ../"])
        #expect(result.entries.map(\.timestamp) == [nil, HistoryFixtures.epoch(1_672_919_006), nil])
        #expect(result.entries.map(\.line) == [1, 3, 4])
    }

    @Test func corruptTimestampsAreUnparseableAndDoNotMergeCommands() {
        let bytes = Array("#1700000000\necho one\n#99999999999999999999999\necho two\n#12ab\necho three\n".utf8)
        let result = parser.parse(bytes)
        #expect(result.entries.map(\.command) == ["echo one", "echo two", "echo three"])
        #expect(result.entries.map(\.timestamp) == [HistoryFixtures.epoch(1_700_000_000), nil, nil])
        #expect(result.unparseableLines == [3, 5])
    }

    @Test func aCommentThatIsNotATimestampIsACommand() {
        let result = parser.parse(Array("# just a note\n#\necho hi\n".utf8))
        #expect(result.entries.map(\.command) == ["# just a note", "#", "echo hi"])
    }

    @Test func windowsLineEndingsAndAMissingFinalNewline() {
        let result = parser.parse(Array("ls\r\npwd".utf8))
        #expect(result.entries.map(\.command) == ["ls", "pwd"])
    }

    @Test func binaryGarbageLinesAreUnparseableNotCommands() {
        var bytes = Array("echo before\n".utf8)
        bytes += [0x00, 0x01, 0xFF, 0xFE, 0x02, 0x0A]
        bytes += Array("echo after\n".utf8)
        let result = parser.parse(bytes)
        #expect(result.entries.map(\.command) == ["echo before", "echo after"])
        #expect(result.unparseableLines == [2])
    }

    @Test func emptyInputHasNothing() {
        #expect(parser.parse([]) == ImportParseResult())
        #expect(parser.parse(Array("\n\n".utf8)) == ImportParseResult())
    }
}
