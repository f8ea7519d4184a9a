import CaroStore
import Foundation
import Testing

@testable import CaroKit

@Suite("Import service: times, keys, retention")
struct ImportServiceTests {
    static let now: Int64 = 1_800_000_000_000

    static func command(_ text: String, _ seconds: Int? = nil, line: Int) -> ImportedCommand {
        ImportedCommand(command: text, timestamp: seconds.map(HistoryFixtures.epoch), line: line)
    }

    @Test func sameSecondCommandsKeepFileOrderAndUntimedOnesFollowTheirNeighbours() {
        let entries = ImportService.entries([
            Self.command("before", line: 1),
            Self.command("a", 1_700_000_000, line: 2),
            Self.command("b", 1_700_000_000, line: 3),
            Self.command("untimed", line: 4),
            Self.command("c", 1_700_000_005, line: 5),
        ], shell: .bash, now: Self.now)
        #expect(entries.map(\.createdAt) == [1_699_999_999_999, 1_700_000_000_000, 1_700_000_000_001, 1_700_000_000_002,
                                             1_700_000_005_000])
        #expect(entries.allSatisfy { $0.shell == "bash" && $0.executed })
    }

    @Test func aFileWithoutTimesEndsJustBeforeNow() {
        let entries = ImportService.entries([Self.command("a", line: 1), Self.command("b", line: 2)], shell: .zsh,
                                            now: Self.now)
        #expect(entries.map(\.createdAt) == [Self.now - 2, Self.now - 1])
    }

    @Test func keysAreStableAndTellRepeatsApart() {
        let commands = [Self.command("ls", 1_700_000_000, line: 1), Self.command("ls", 1_700_000_000, line: 2),
                        Self.command("ls", line: 3), Self.command("ls", 1_700_000_001, line: 4)]
        let first = ImportService.entries(commands, shell: .zsh, now: Self.now).map(\.importKey)
        let second = ImportService.entries(commands, shell: .zsh, now: Self.now + 5_000).map(\.importKey)
        #expect(first == second)
        #expect(Set(first).count == 4)
        let hex = String(ImportKey.hash("ls"), radix: 16)
        #expect(first[0] == "zsh:t1700000000.0:" + String(repeating: "0", count: 16 - hex.count) + hex)
        #expect(first[2]?.hasPrefix("zsh:l3:") == true)
        let asBash = ImportService.entries(commands, shell: .bash, now: Self.now).map(\.importKey)
        #expect(Set(asBash).isDisjoint(with: Set(first)))
    }

    @Test func retentionKeepsTheNewestAndNothingTooOld() {
        let day: Int64 = 86_400_000
        let entries = (0..<5).map { NewHistoryEntry(command: "c\($0)", createdAt: Self.now - Int64(5 - $0) * day) }
        let newest = ImportService.withinRetention(entries, HistoryRetention(maxEntries: 2, maxAgeDays: 0), now: Self.now)
        #expect(newest.map(\.command) == ["c3", "c4"])
        let recent = ImportService.withinRetention(entries, HistoryRetention(maxEntries: 0, maxAgeDays: 3), now: Self.now)
        #expect(recent.map(\.command) == ["c2", "c3", "c4"])
        #expect(ImportService.withinRetention(entries, .unlimited, now: Self.now) == entries)
    }

    @Test func retentionCountsTheEntriesAlreadyStored() {
        let entries = (0..<4).map { NewHistoryEntry(command: "c\($0)", createdAt: 1_000 + Int64($0), importKey: "k\($0)") }
        let limit = HistoryRetention(maxEntries: 3, maxAgeDays: 0)
        // One newer entry is stored: only two imported ones fit beside it.
        let beside = ImportService.withinRetention(entries, limit, existing: [(5_000, nil)], now: Self.now)
        #expect(beside.map(\.command) == ["c2", "c3"])
        // After that import the same file again: the stored ones are duplicates, the others still do not fit.
        let again = ImportService.withinRetention(entries, limit, existing: [(5_000, nil), (1_003, "k3"), (1_002, "k2")],
                                                  now: Self.now)
        #expect(again.map(\.command) == ["c2", "c3"])
        // An older stored entry and one of equal time do not take a place before newer imports.
        let older = ImportService.withinRetention(entries, limit, existing: [(1_001, nil), (500, nil)], now: Self.now)
        #expect(older.map(\.command) == ["c1", "c2", "c3"])
    }
}
