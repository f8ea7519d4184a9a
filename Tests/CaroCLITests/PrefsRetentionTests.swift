import Foundation
import JazzProto
import Testing

/// `caro prefs list|get|set` and the retention they drive (issue 11).
@Suite("caro prefs and retention")
struct PrefsRetentionTests {
    @Test func defaults() throws {
        let home = try TemporaryHome()
        let maxEntries = try home.caro("prefs", "get", "max-entries")
        Expect.success(maxEntries)
        #expect(maxEntries.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "10000")
        let retention = try home.caro("prefs", "get", "retention-days")
        Expect.success(retention)
        #expect(retention.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
    }

    @Test func setThenGetAndListJSON() throws {
        let home = try TemporaryHome()
        Expect.success(try home.caro("prefs", "set", "max-entries", "2500"))
        Expect.success(try home.caro("prefs", "set", "retention-days", "90"))
        #expect(try home.caro("prefs", "get", "max-entries").stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "2500")
        #expect(try home.caro("prefs", "get", "retention-days").stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "90")
        let list = try home.caro("prefs", "list", "--json")
        Expect.success(list)
        let prefs = try list.json()
        #expect(Self.value(of: "max-entries", in: prefs) == 2500, "prefs list --json: \(list.stdout)")
        #expect(Self.value(of: "retention-days", in: prefs) == 90, "prefs list --json: \(list.stdout)")
        let plain = try home.caro("prefs", "list")
        Expect.success(plain)
        #expect(plain.stdout.contains("max-entries") && plain.stdout.contains("2500"))
        // stats shows them.
        let stats = try HistoryDeleteStatsTests.stats(home)
        #expect(stats["maxEntries"] == .number(2500))
        #expect(stats["retentionDays"] == .number(90))
    }

    @Test func badKeysAndValuesAreRefusedAndChangeNothing() throws {
        let home = try TemporaryHome()
        Expect.success(try home.caro("prefs", "set", "max-entries", "40"))
        for arguments in [["set", "max-entries", "lots"], ["set", "max-entries", "-5"], ["set", "no-such-key", "1"],
                          ["get", "no-such-key"], ["set", "retention-days", "1.5"]] {
            let result = try home.caro(arguments: ["prefs"] + arguments)
            Expect.cleanFailure(result, singleLine: false)
        }
        #expect(try home.caro("prefs", "get", "max-entries").stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "40")
        #expect(try home.caro("prefs", "get", "retention-days").stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
    }

    @Test func maxEntriesKeepsTheNewest() throws {
        let home = try TemporaryHome()
        Expect.success(try home.caro("prefs", "set", "max-entries", "5"))
        for index in 1...8 { try home.add("cmd\(index)") }
        #expect(try home.allCommands() == ["cmd8", "cmd7", "cmd6", "cmd5", "cmd4"])
        let stats = try HistoryDeleteStatsTests.stats(home)
        #expect(stats["entries"] == .number(5))
        #expect(stats["maxEntries"] == .number(5))
        // Trimmed entries are gone from search too.
        #expect(try home.searchCommands("cmd1") == [])
    }

    @Test func maxEntriesKeepsTheNewestByTimeNotByInsertion() throws {
        let home = try TemporaryHome()
        Expect.success(try home.caro("prefs", "set", "max-entries", "2"))
        try home.add("new", "--at", "2026-03-01T00:00:00Z")
        try home.add("newer", "--at", "2026-04-01T00:00:00Z")
        try home.add("old", "--at", "2026-01-01T00:00:00Z")
        #expect(try home.allCommands() == ["newer", "new"])
    }

    @Test func zeroMaxEntriesIsUnlimited() throws {
        let home = try TemporaryHome()
        Expect.success(try home.caro("prefs", "set", "max-entries", "3"))
        for index in 1...5 { try home.add("a\(index)") }
        #expect(try home.allCommands().count == 3)
        Expect.success(try home.caro("prefs", "set", "max-entries", "0"))
        for index in 1...5 { try home.add("b\(index)") }
        #expect(try home.allCommands().count == 8)
        #expect(try HistoryDeleteStatsTests.stats(home)["maxEntries"] == .number(0))
    }

    @Test func retentionDaysDropsOldEntriesOnAdd() throws {
        let home = try TemporaryHome()
        let now = Date()
        try home.add("ancient", "--at", Formats.iso(now.addingTimeInterval(-400 * 86400)))
        try home.add("old", "--at", Formats.iso(now.addingTimeInterval(-40 * 86400)))
        try home.add("recent", "--at", Formats.iso(now.addingTimeInterval(-10 * 86400)))
        #expect(try home.allCommands().count == 3)
        Expect.success(try home.caro("prefs", "set", "retention-days", "30"))
        try home.add("today")
        #expect(try home.allCommands() == ["today", "recent"])
        #expect(try home.searchCommands("old") == [])
        #expect(try HistoryDeleteStatsTests.stats(home)["entries"] == .number(2))
    }

    /// A preference's value from `prefs list --json`: an object keyed by name, or an array of `{key, value}` objects.
    static func value(of key: String, in prefs: JSONValue) -> Double? {
        if let object = prefs.objectValue {
            if let direct = object[key] { return direct.doubleValue ?? direct.stringValue.flatMap(Double.init) }
            let camel = key.split(separator: "-").enumerated().map { $0 == 0 ? String($1) : $1.capitalized }.joined()
            if let direct = object[camel] { return direct.doubleValue ?? direct.stringValue.flatMap(Double.init) }
        }
        if let array = prefs.arrayValue {
            for item in array where item["key"]?.stringValue == key || item["name"]?.stringValue == key {
                if let value = item["value"] { return value.doubleValue ?? value.stringValue.flatMap(Double.init) }
            }
        }
        return nil
    }
}
