import Foundation
import JazzProto
import Testing

/// A few end-to-end checks of `caro history` while it is built (the full contract tests live beside them).
@Suite("caro history smoke")
struct HistorySmokeTests {
    @Test func addThenSearchFindsItAsJSON() throws {
        let home = try TemporaryHome()
        let added = try home.caro("history", "add", "--command", "docker compose up -d", "--exit", "0", "--tag", "ops", "--json")
        #expect(added.status == 0, "\(added.stderr)")
        let entry = try JSONValue(parsing: added.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(entry["command"] == "docker compose up -d")
        #expect(entry["prompt"] == .null)
        #expect(entry["tags"] == ["ops"])
        let found = try CaroBinary.run(["--home", home.path, "--json", "history", "search", "comp"])
        #expect(found.status == 0, "\(found.stderr)")
        let list = try JSONValue(parsing: found.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(list.arrayValue?.first?["id"] == entry["id"])
    }

    @Test func usageErrorsExitTwoAndRuntimeErrorsOne() throws {
        let home = try TemporaryHome()
        let usage = try home.caro("history", "add")
        #expect(usage.status == 2)
        #expect(usage.stderr.hasPrefix("caro: "))
        let unknown = try home.caro("history", "show", "0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b", "--json")
        #expect(unknown.status == 1)
        #expect(unknown.stdout.isEmpty)
        let error = try JSONValue(parsing: unknown.stderr.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(error["error"]?.stringValue?.contains("0190a1b2") == true)
    }

    @Test func excludedCommandsAreNotStored() throws {
        let home = try TemporaryHome()
        #expect(try home.caro("exclude", "add", "^vault ").status == 0)
        #expect(try home.caro("exclude", "test", "vault read x").status == 0)
        #expect(try home.caro("exclude", "test", "ls").status == 1)
        #expect(try home.caro("history", "add", "--command", "vault read x").status == 0)
        #expect(try home.caro("history", "add", "--command", "export T=ghp_R8mZq2LxV7nKp4TwYb9Hs3DcFg6JuE1aQo5N").status == 0)
        let list = try home.caro("history", "list", "--json")
        let commands = try JSONValue(parsing: list.stdout.trimmingCharacters(in: .whitespacesAndNewlines)).arrayValue?
            .compactMap { $0["command"]?.stringValue }
        #expect(commands == ["export T=ghp_****"])
    }

    @Test func retentionPreferenceApplies() throws {
        let home = try TemporaryHome()
        #expect(try home.caro("prefs", "set", "max-entries", "2").status == 0)
        for (index, command) in ["one", "two", "three"].enumerated() {
            #expect(try home.caro("history", "add", "--command", command, "--at", "2026-01-0\(index + 1)T00:00:00Z").status == 0)
        }
        let stats = try JSONValue(parsing: try home.caro("history", "stats", "--json").stdout)
        #expect(stats["entries"] == 2)
        #expect(stats["maxEntries"] == 2)
    }
}
