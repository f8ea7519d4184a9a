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

    @Test func jsonCarriesAnyTextExactly() throws {
        let home = try TemporaryHome()
        let command = "printf '%s\\n' \"quoted\" \\ back/slash é 🚀 \u{01}\tend\nsecond line"
        let added = try home.caro("history", "add", "--command", command, "--prompt", "ünïcode \"prompt\"", "--json")
        #expect(added.status == 0, "\(added.stderr)")
        let entry = try JSONValue(parsing: added.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(entry["command"]?.stringValue == command)
        #expect(entry["prompt"]?.stringValue == "ünïcode \"prompt\"")
        let list = try home.caro("history", "list", "--json")
        let listed = try JSONValue(parsing: list.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(listed.arrayValue?.first?["command"]?.stringValue == command)
    }

    @Test func usageErrorsExitTwoAndRuntimeErrorsOne() throws {
        let home = try TemporaryHome()
        let usage = try home.caro("history", "add")
        #expect(usage.status == 2)
        #expect(try home.caro("history", "add", "--command", "  ").status == 2, "an empty command is refused")
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

    @Test func everyAddOptionReachesTheEntry() throws {
        let home = try TemporaryHome()
        // Both spellings (`--opt value`, `--opt=value`) and both parsers (the fast path, and argument-parser
        // when a combined short flag sends the line there) must store the same entry.
        let base = ["history", "add", "--command", "make test", "--prompt", "run tests", "--explanation=runs the tests",
                    "--cwd", "/srv/app", "--exit", "2", "--duration=1500", "--shell", "fish", "--safety", "safe",
                    "--tag", "ci", "--tag=slow", "--not-executed", "--at", "2026-03-04T05:06:07.089Z", "--json"]
        for extra in [[], ["-qv"]] {
            let result = try home.caro(arguments: base + extra)
            #expect(result.status == 0, "\(result.stderr)")
            let shown = try home.caro("history", "list", "--limit", "1", "--json")
            let entry = try #require(try JSONValue(parsing: shown.stdout.trimmingCharacters(in: .whitespacesAndNewlines)).arrayValue?.first)
            #expect(entry["command"] == "make test")
            #expect(entry["prompt"] == "run tests")
            #expect(entry["explanation"] == "runs the tests")
            #expect(entry["cwd"] == "/srv/app")
            #expect(entry["exitCode"] == 2)
            #expect(entry["durationMs"] == 1500)
            #expect(entry["shell"] == "fish")
            #expect(entry["safetyLevel"] == "safe")
            #expect(entry["tags"] == ["ci", "slow"])
            #expect(entry["executed"] == false)
            #expect(entry["createdAt"] == "2026-03-04T05:06:07.089Z")
        }
    }

    @Test func bothParsersGiveTheSameSearchResults() throws {
        let home = try TemporaryHome()
        let seeds: [[String]] = [
            ["--command", "make build", "--cwd", "/p", "--exit", "0", "--at", "2026-01-01T00:00:00Z"],
            ["--command", "make test", "--cwd", "/p/sub", "--exit", "2", "--at", "2026-01-02T00:00:00Z"],
            ["--command", "make build", "--cwd", "/q", "--exit", "0", "--at", "2026-01-03T00:00:00Z", "--shell", "fish"],
            ["--command", "ls", "--cwd", "/p", "--at", "2026-01-04T00:00:00Z", "--not-executed"],
        ]
        for seed in seeds { #expect(try home.caro(arguments: ["history", "add"] + seed).status == 0) }
        let searches: [([String], [String])] = [
            (["search", "make"], ["make build", "make test", "make build"]),
            (["search", "make", "--unique"], ["make build", "make test"]),
            (["search", "--under", "/p"], ["ls", "make test", "make build"]),
            (["search", "--cwd=/p", "--reverse"], ["make build", "ls"]),
            (["search", "--exit", "nonzero"], ["make test"]),
            (["search", "--since", "2026-01-02", "--until=2026-01-04T00:00:00Z"], ["make build", "make test"]),
            (["search", "--shell", "fish"], ["make build"]),
            (["search", "--executed", "--limit", "1"], ["make build"]),
            (["list", "--limit=2"], ["ls", "make build"]),
        ]
        for (arguments, expected) in searches {
            for extra in [["--json"], ["--json", "-qv"]] {
                let result = try home.caro(arguments: ["history"] + arguments + extra)
                #expect(result.status == 0, "\(arguments): \(result.stderr)")
                let commands = try JSONValue(parsing: result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)).arrayValue?
                    .compactMap { $0["command"]?.stringValue }
                #expect(commands == expected, "\(arguments + extra)")
            }
        }
    }
}
