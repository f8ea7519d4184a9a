@testable import CaroKit
import Foundation
import Testing

@Suite("History parsers on bad input")
struct HistoryParserRobustnessTests {
    static let parsers: [any HistoryFileParser] = HistoryShell.allCases.map(\.historyParser)

    @Test(arguments: HistoryShell.allCases)
    func randomBytesNeverTrapAndAreMostlyUnparseable(shell: HistoryShell) {
        for seed in 1...20 as ClosedRange<UInt64> {
            let bytes = HistoryFixtures.garbage(count: 4096, seed: seed)
            let result = shell.historyParser.parse(bytes)
            // Random bytes make a few short "lines" that pass as text; most must be refused.
            #expect(result.unparseableLines.count > result.entries.count, "seed \(seed)")
            for entry in result.entries { #expect(!entry.command.isEmpty) }
        }
    }

    @Test(arguments: HistoryShell.allCases)
    func everySingleByteAndTruncatedSequences(shell: HistoryShell) {
        for byte in 0...255 {
            _ = shell.historyParser.parse([UInt8(byte)])
            _ = shell.historyParser.parse([UInt8(byte), 0x0A, UInt8(byte)])
        }
        for tail in [[0xE4], [0xE4, 0xBD], [0xF0, 0x9F, 0x98], [0x83], [0x5C], [0x23, 0x31]] as [[UInt8]] {
            _ = shell.historyParser.parse(Array("- cmd: echo ".utf8) + tail)
            _ = shell.historyParser.parse(Array(": 1:1;echo ".utf8) + tail)
        }
    }

    @Test(arguments: HistoryShell.allCases)
    func utf16TextIsUnparseable(shell: HistoryShell) {
        var bytes: [UInt8] = [0xFF, 0xFE]
        for unit in "ls -la\ncd /tmp\ngit status\n".utf16 { bytes += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        let result = shell.historyParser.parse(bytes)
        #expect(result.entries.isEmpty)
        #expect(!result.unparseableLines.isEmpty)
    }
}

@Suite("History format sniffer")
struct HistoryFormatSnifferTests {
    @Test func recognisesEachShellsDistinctiveFirstLine() {
        #expect(HistoryFormatSniffer.distinctiveShell(of: Array("\n: 1700000000:0;ls\n".utf8)) == .zsh)
        #expect(HistoryFormatSniffer.distinctiveShell(of: Array("- cmd: ls\n  when: 1\n".utf8)) == .fish)
        #expect(HistoryFormatSniffer.distinctiveShell(of: Array("#1700000000\nls\n".utf8)) == .bash)
        for plain in ["ls -la\n: 1700000000:0;ls\n", ": not-extended\n", "# a comment\n", "#12x\n", "", "-cmd: x\n"] {
            #expect(HistoryFormatSniffer.distinctiveShell(of: Array(plain.utf8)) == nil, "\(plain)")
        }
    }
}
