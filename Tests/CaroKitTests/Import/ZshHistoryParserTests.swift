import CaroKit
import Foundation
import Testing

@Suite("Zsh history parser")
struct ZshHistoryParserTests {
    let parser = ZshHistoryParser()

    @Test func extendedFileFromRealZsh() throws {
        // Written by zsh 5 with EXTENDED_HISTORY: a multi-line quote, metafied UTF-8, and commands
        // whose text itself ends in backslash-newline.
        let result = parser.parse(try HistoryFixtures.bytes("zsh_extended_real"))
        #expect(result.entries.map(\.command) == [
            "setopt EXTENDED_HISTORY; HISTFILE=/tmp/zexp/hist; SAVEHIST=100; HISTSIZE=100",
            "echo \"a\nb\"",
            "echo 你好 ; echo x\\\ny",
            "echo \"c\\\\\nd\"",
            "fc -W",
        ])
        #expect(result.entries.first?.timestamp == HistoryFixtures.epoch(1_796_506_848))
        #expect(result.entries.map(\.line) == [1, 2, 4, 6, 8])
        #expect(result.entries.allSatisfy { $0.durationMs == 0 })
        #expect(result.unparseableLines.isEmpty)
    }

    @Test func extendedLineGivesTimeAndDurationInMilliseconds() {
        let result = parser.parse(Array(": 1613322469:10;cargo install atuin;cargo update\n".utf8))
        #expect(result.entries == [ImportedCommand(command: "cargo install atuin;cargo update",
                                                   timestamp: HistoryFixtures.epoch(1_613_322_469), durationMs: 10_000,
                                                   line: 1)])
    }

    @Test func plainLinesAndLinesThatOnlyLookExtended() {
        let result = parser.parse(Array("ls -la\n: not-extended\n: 1613322469:0\n: 12:x;y\n".utf8))
        #expect(result.entries.map(\.command) == ["ls -la", ": not-extended", ": 1613322469:0", ": 12:x;y"])
        #expect(result.entries.allSatisfy { $0.timestamp == nil && $0.durationMs == nil })
    }

    @Test func impossibleTimeDegradesOnlyThatEntry() {
        let bytes = Array(": 999999999999999:0;echo hello\n: 1613322469:99999999999999999999;echo big\n".utf8)
        let result = parser.parse(bytes)
        #expect(result.entries.map(\.command) == ["echo hello", "echo big"])
        #expect(result.entries[0].timestamp == nil)
        #expect(result.entries[1].timestamp == HistoryFixtures.epoch(1_613_322_469))
        #expect(result.entries[1].durationMs == Int.max)
        #expect(result.unparseableLines.isEmpty)
    }

    @Test func metafiedBytesAreDecoded() {
        let bytes: [UInt8] = Array("echo ".utf8) + [0xE4, 0xBD, 0x83, 0x80, 0xE5, 0xA5, 0xBD, 0x0A]
            + Array("ls ~/".utf8) + [0xE9, 0x83, 0xBF, 0xB3, 0xE4, 0xB9, 0x83, 0xB0, 0x0A]
        #expect(parser.parse(bytes).entries.map(\.command) == ["echo 你好", "ls ~/音乐"])
    }

    @Test func aMetaByteAtTheEndOfALineDoesNotTrap() {
        let result = parser.parse(Array("echo x".utf8) + [0x83])
        #expect(result.entries.map(\.command) == ["echo x\u{FFFD}"])
    }

    @Test func continuationAtTheEndOfTheFileEndsTheCommand() {
        let result = parser.parse(Array(": 1700000000:1;echo a \\\n".utf8))
        #expect(result.entries.map(\.command) == ["echo a "])
    }

    @Test func invalidUTF8IsKeptAsReplacementCharacters() {
        let result = parser.parse(Array(": 1700000000:0;echo caf".utf8) + [0xE9, 0x0A])
        #expect(result.entries.map(\.command) == ["echo caf\u{FFFD}"])
    }

    @Test func garbageIsUnparseable() {
        var bytes = Array(": 1700000000:0;echo ok\n".utf8)
        bytes += [0x00, 0x00, 0x83, 0x83, 0x0A]
        let result = parser.parse(bytes)
        #expect(result.entries.map(\.command) == ["echo ok"])
        #expect(result.unparseableLines == [2])
    }
}
