import Foundation
import Testing

/// `caro export` and `caro import` end to end (issue 13): the built binary, temporary homes, a relay.
@Suite("caro export and import", .serialized)
struct ExportImportTests {
    /// An export's text with `exportedAt` blanked (the one field that differs between two exports of
    /// the same data); with `devices: false`, also without the devices section (devices are the
    /// identity's, never imported).
    static func comparable(_ text: String, devices: Bool = true) -> String {
        var text = text.replacing(/"exportedAt":"[^"]*"/, with: "\"exportedAt\":\"\"")
        if !devices, let range = text.range(of: "\"devices\":[") { text = String(text[..<range.lowerBound]) }
        return text
    }

    static func export(_ home: TemporaryHome, _ arguments: String...) throws -> String {
        let result = try home.caro(arguments: ["export"] + arguments)
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout
    }

    static func file(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("caro-export-\(UUID().uuidString)-\(name)").path
    }

    /// A home with entries of every shape, a deletion, preferences and an exclusion pattern.
    static func populated() throws -> TemporaryHome {
        let home = try TemporaryHome()
        for arguments in [
            ["--command", "terraform plan -out tfplan", "--prompt", "preview the infra", "--explanation", "plans", "--cwd", "/srv/infra",
             "--exit", "0", "--duration", "1250", "--shell", "zsh", "--safety", "safe", "--tag", "ops", "--tag", "tf",
             "--at", "2026-11-01T08:00:00.123Z"],
            ["--command", "echo \"quoted\" \\ back\nslash", "--not-executed", "--at", "2026-11-02T09:00:00Z"],
            ["--command", "ls -la ü", "--exit", "2", "--at", "2026-11-02T09:00:00Z"],
        ] {
            let added = try home.caro(arguments: ["history", "add"] + arguments)
            #expect(added.status == 0, "\(added.stderr)")
        }
        let doomed = try home.caro("history", "add", "--command", "rm -rf build")
        #expect(try home.caro("history", "delete", doomed.stdout.trimmingCharacters(in: .whitespacesAndNewlines)).status == 0)
        #expect(try home.caro("prefs", "set", "max-entries", "500").status == 0)
        #expect(try home.caro("exclude", "add", "token=[a-z0-9]+").status == 0)
        return home
    }

    @Test func exportThenImportIntoAFreshHomeGivesTheSameBytesInBothFormats() throws {
        let home = try Self.populated()
        for format in ["json", "jsonl"] {
            let path = Self.file("a.\(format)")
            defer { try? FileManager.default.removeItem(atPath: path) }
            let written = try home.caro("export", "--format", format, path)
            #expect(written.status == 0, "\(written.stderr)")
            #expect(written.stderr.contains("plaintext"), "no plaintext warning: \(written.stderr)")
            #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o600)
            let original = try String(contentsOfFile: path, encoding: .utf8)
            #expect(Self.comparable(original) == Self.comparable(try Self.export(home, "--format", format)), "file and stdout differ")

            let fresh = try TemporaryHome()
            let imported = try fresh.caro("import", path, "--json")
            #expect(imported.status == 0, "\(imported.stderr)")
            #expect(imported.stdout.contains("\"imported\":3"), "\(imported.stdout)")
            let again = try Self.export(fresh, "--format", format)
            #expect(Self.comparable(again) == Self.comparable(original))
            // Importing again (or into the original) adds nothing.
            let twice = try fresh.caro("import", path, "--json")
            #expect(twice.stdout.contains("\"imported\":0") && twice.stdout.contains("\"duplicates\":3"), "\(twice.stdout)")
            #expect(Self.comparable(try Self.export(fresh, "--format", format)) == Self.comparable(original))
            // What list --json prints is what the file holds.
            let listed = try fresh.caro("history", "list", "--json", "--reverse")
            for line in listed.stdout.dropFirst().dropLast(2).components(separatedBy: "},{") {
                #expect(original.contains(line), "entry not in the export as list --json prints it: \(line.prefix(120))")
            }
            // The imported entries are pending (the next sync pushes them), and the preference came along.
            let stats = try fresh.caro("history", "stats", "--json")
            #expect(stats.stdout.contains("\"pending\":4"), "\(stats.stdout)")
            #expect(try fresh.caro("prefs", "get", "max-entries").stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "500")
        }
    }

    @Test func exportSyncResetWipeImportAndRejoinGivesTheSameHistoryWithoutDuplicates() throws {
        let pair = try SyncTests.Pair()
        for index in 0..<4 { _ = try pair.a.caro("history", "add", "--command", "from-a-\(index)") }
        _ = try pair.b.caro("history", "add", "--command", "from-b")
        _ = try pair.a.caro("history", "delete", "--filter", "from-a-3", "--yes")
        try SyncTests.syncNow(pair.a)
        try SyncTests.syncNow(pair.b)
        try SyncTests.syncNow(pair.a)
        let before = try SyncTests.ids(pair.b)
        let path = Self.file("backup.json")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try pair.a.caro("export", path).status == 0)
        let original = try String(contentsOfFile: path, encoding: .utf8)
        #expect(original.contains("\"name\":\"laptop\"") && original.contains("\"name\":\"desktop\""), "devices missing")

        #expect(try pair.a.caro("sync", "reset", "--yes").status == 0)
        for item in try FileManager.default.contentsOfDirectory(atPath: pair.a.path) {
            try FileManager.default.removeItem(atPath: pair.a.path + "/" + item)
        }
        #expect(try SyncTests.ids(pair.a).isEmpty)
        #expect(try pair.a.caro("import", path).status == 0)
        #expect(Self.comparable(try Self.export(pair.a), devices: false) == Self.comparable(original, devices: false))

        // Joined again, the imported entries sync without a duplicate anywhere.
        let joined = try pair.a.caro("sync", "join", "--relay", pair.relay.url, "--words-file", pair.words, "--device-name", "laptop")
        #expect(joined.status == 0, "\(joined.stderr)")
        try SyncTests.syncNow(pair.a)
        try SyncTests.syncNow(pair.b)
        #expect(try SyncTests.ids(pair.a) == before)
        #expect(try SyncTests.ids(pair.b) == before)
    }

    @Test func badFilesAreRefusedWithOneSentenceAndNothingIsWritten() throws {
        let home = try Self.populated()
        let good = Self.file("good.json")
        let goodLines = Self.file("good.jsonl")
        defer { for path in [good, goodLines] { try? FileManager.default.removeItem(atPath: path) } }
        #expect(try home.caro("export", good).status == 0)
        #expect(try home.caro("export", "--format", "jsonl", goodLines).status == 0)
        let json = try String(contentsOfFile: good, encoding: .utf8)
        let lines = try String(contentsOfFile: goodLines, encoding: .utf8)

        let target = try TemporaryHome()
        _ = try target.caro("history", "add", "--command", "already here")
        let untouched = Self.comparable(try Self.export(target))
        let cases: [(name: String, content: String, mentioning: [String])] = [
            ("truncated.json", String(json.prefix(json.count * 2 / 3)), ["truncated"]),
            ("truncated-at-a-line.jsonl", lines.split(separator: "\n").prefix(3).joined(separator: "\n") + "\n", ["truncated"]),
            ("cut-line.jsonl", String(lines.prefix(lines.count / 2)), ["truncated"]),
            ("foreign.json", #"{"name": "my-app", "version": "1.0.0", "dependencies": {}}"#, ["not a Caro export"]),
            ("array.json", "[1, 2, 3]", ["not a Caro export"]),
            ("newer.json", json.replacing("\"formatVersion\":1", with: "\"formatVersion\":7"), ["version 7"]),
            ("not-json.json", "this is not json at all\n", ["not valid JSON"]),
            ("empty.json", "", ["empty"]),
            ("bad-entry.json", json.replacing("\"createdAt\":\"2026-11-01T08:00:00.123Z\"", with: "\"createdAt\":17"), ["createdAt"]),
        ]
        for bad in cases {
            let path = Self.file(bad.name)
            defer { try? FileManager.default.removeItem(atPath: path) }
            try bad.content.write(toFile: path, atomically: true, encoding: .utf8)
            let result = try target.caro("import", path)
            Expect.cleanFailure(result, mentioning: bad.mentioning + [path])
            #expect(Self.comparable(try Self.export(target)) == untouched, "\(bad.name) changed the home")
        }
        Expect.cleanFailure(try target.caro("import", Self.file("missing.json")), mentioning: ["missing.json"])
    }
}
