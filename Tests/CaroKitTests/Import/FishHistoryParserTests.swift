import CaroKit
import Foundation
import Testing

@Suite("Fish history parser")
struct FishHistoryParserTests {
    let parser = FishHistoryParser()

    @Test func fileFromRealFish() throws {
        let result = parser.parse(try HistoryFixtures.bytes("fish_real"))
        #expect(result.entries.map(\.command) == [
            "echo \"a\nb\"", "echo back\\\\slash \\\\n", "ls /tmp/zexp", "echo 你好", "exit",
        ])
        #expect(result.entries.map(\.timestamp) == [1_796_506_990, 1_796_506_990, 1_796_506_991, 1_796_506_992,
                                                     1_796_506_992].map(HistoryFixtures.epoch))
        #expect(result.entries.map(\.line) == [1, 3, 5, 9, 11])
        #expect(result.unparseableLines.isEmpty)
    }

    @Test func escapesAreDecodedLeftToRight() {
        let bytes = Array(#"""
        - cmd: echo "\\"" \\\\ "\\\\"
        - cmd: printf '\\n'
        - cmd: echo "foo" \\\n'bar' baz
        - cmd: echo \t stays
        """#.utf8)
        #expect(parser.parse(bytes).entries.map(\.command) == [
            #"echo "\"" \\ "\\""#, #"printf '\n'"#, "echo \"foo\" \\\n'bar' baz", #"echo \t stays"#,
        ])
    }

    @Test func aCorruptWhenDegradesOnlyItsEntry() {
        let bytes = Array("""
        - cmd: echo before
          when: 1639162832
        - cmd: echo corrupt
          when: 999999999999999
        - cmd: echo junk
          when: soon
        - cmd: echo after
          when: 1639162851

        """.utf8)
        let result = parser.parse(bytes)
        #expect(result.entries.map(\.command) == ["echo before", "echo corrupt", "echo junk", "echo after"])
        #expect(result.entries.map(\.timestamp) == [HistoryFixtures.epoch(1_639_162_832), nil, nil,
                                                   HistoryFixtures.epoch(1_639_162_851)])
        #expect(result.unparseableLines.isEmpty)
    }

    @Test func foreignRecordsAndStrayLinesAreUnparseable() {
        let bytes = Array("""
          when: 1
        - cmd: cat ~/.bash_history
          when: 1639162851
          paths:
            - ~/.bash_history
        ERROR
        - CORRUPTED: ENTRY
          CONTINUE:
            - AS
        - cmd: ls
          when: 1639162933
          future_key: ignored

        """.utf8)
        let result = parser.parse(bytes)
        #expect(result.entries.map(\.command) == ["cat ~/.bash_history", "ls"])
        #expect(result.entries.map(\.timestamp) == [HistoryFixtures.epoch(1_639_162_851),
                                                   HistoryFixtures.epoch(1_639_162_933)])
        #expect(result.unparseableLines == [1, 6, 7])
    }

    @Test func aGarbageRecordDoesNotLendItsTimeToThePreviousOne() {
        var bytes = Array("- cmd: ls\n  when: 1700000000\n".utf8)
        bytes += [0x00, 0xFF, 0x01, 0x0A]
        bytes += Array("  when: 1800000000\n- cmd:\n- cmd: pwd\n".utf8)
        let result = parser.parse(bytes)
        #expect(result.entries.map(\.command) == ["ls", "pwd"])
        #expect(result.entries[0].timestamp == HistoryFixtures.epoch(1_700_000_000))
        #expect(result.unparseableLines == [3])
    }
}
