import Foundation
import JazzProto
import Testing

/// `caro history search`: full text (FTS5 prefixes, quoting, literal fallback) and every filter (issue 11).
@Suite("caro history search")
struct HistorySearchTests {
    // MARK: Full text

    @Test func wordsMatchAsPrefixesInAnyOrder() throws {
        let home = try TemporaryHome()
        try home.add("kubectl get pods --all-namespaces", "--at", "2026-01-01T00:00:00Z")
        try home.add("docker ps -a", "--at", "2026-01-02T00:00:00Z")
        try home.add("kubectl describe pod web-1", "--at", "2026-01-03T00:00:00Z")
        #expect(try home.searchCommands("kube") == ["kubectl describe pod web-1", "kubectl get pods --all-namespaces"])
        #expect(try home.searchCommands("get kubectl") == ["kubectl get pods --all-namespaces"])
        #expect(try home.searchCommands("pod") == ["kubectl describe pod web-1", "kubectl get pods --all-namespaces"])
        #expect(try home.searchCommands("docker") == ["docker ps -a"])
        #expect(try home.searchCommands("terraform") == [])
    }

    @Test func searchCoversPromptExplanationAndTags() throws {
        let home = try TemporaryHome()
        try home.add("du -sh * | sort -h", "--prompt", "which folders are biggest", "--at", "2026-01-01T00:00:00Z")
        try home.add("lsof -i :8080", "--explanation", "lists the process listening on the port", "--at", "2026-01-02T00:00:00Z")
        try home.add("helm upgrade web ./chart", "--tag", "deployment", "--at", "2026-01-03T00:00:00Z")
        try home.add("echo unrelated", "--at", "2026-01-04T00:00:00Z")
        #expect(try home.searchCommands("biggest") == ["du -sh * | sort -h"])
        #expect(try home.searchCommands("listening") == ["lsof -i :8080"])
        #expect(try home.searchCommands("deploy") == ["helm upgrade web ./chart"])
    }

    @Test func aQuotedPhraseMatchesOnlyThatPhrase() throws {
        let home = try TemporaryHome()
        try home.add("kubectl get pods", "--at", "2026-01-01T00:00:00Z")
        try home.add("get all the pods", "--at", "2026-01-02T00:00:00Z")
        #expect(try home.searchCommands("\"get pods\"") == ["kubectl get pods"])
        #expect(try home.searchCommands("get pods") == ["get all the pods", "kubectl get pods"])
    }

    /// Queries FTS5 cannot parse are searched as a literal substring: no error, exactly the entries containing the text.
    @Test(arguments: [
        ("\"unbalanced", "echo \"unbalanced quote", "echo unbalanced"),
        ("a AND", "echo a AND b", "make and a cake"),
        ("*", "ls *.swift", "ls -la"),
        ("NEAR(", "echo NEAR(x", "drive near the lake"),
        ("origin:main", "git push origin:main", "git push origin main"),
        ("docker-compose", "docker-compose up -d", "compose docker images"),
    ])
    func anUnparseableQueryIsALiteralSubstring(query: String, matching: String, decoy: String) throws {
        let home = try TemporaryHome()
        try home.add(matching, "--at", "2026-01-01T00:00:00Z")
        try home.add(decoy, "--at", "2026-01-02T00:00:00Z")
        try home.add("echo nothing here", "--at", "2026-01-03T00:00:00Z")
        #expect(try home.searchCommands(query) == [matching], "query \(query)")
    }

    @Test func punctuationInCommonSearchesWorks() throws {
        let home = try TemporaryHome()
        try home.add("cat /etc/hosts", "--at", "2026-01-01T00:00:00Z")
        try home.add("vim notes.txt", "--at", "2026-01-02T00:00:00Z")
        #expect(try home.searchCommands("/etc/hosts") == ["cat /etc/hosts"])
        #expect(try home.searchCommands("notes.txt") == ["vim notes.txt"])
    }

    @Test func noTextWithNoFiltersReturnsEverythingNewestFirst() throws {
        let home = try TemporaryHome()
        try home.add("one", "--at", "2026-01-01T00:00:00Z")
        try home.add("two", "--at", "2026-01-02T00:00:00Z")
        #expect(try home.searchCommands() == ["two", "one"])
    }

    // MARK: Directory filters

    @Test func cwdIsExactAndUnderIsTheSubtree() throws {
        let home = try TemporaryHome()
        try home.add("in project", "--cwd", "/work/project", "--at", "2026-01-01T00:00:00Z")
        try home.add("in src", "--cwd", "/work/project/src", "--at", "2026-01-02T00:00:00Z")
        try home.add("in sibling", "--cwd", "/work/project-old", "--at", "2026-01-03T00:00:00Z")
        try home.add("elsewhere", "--cwd", "/tmp", "--at", "2026-01-04T00:00:00Z")
        #expect(try home.searchCommands("--cwd", "/work/project") == ["in project"])
        #expect(try home.searchCommands("--under", "/work/project") == ["in src", "in project"])
        #expect(try home.searchCommands("--under", "/work/project/") == ["in src", "in project"])
        #expect(try home.searchCommands("--under", "/work") == ["in sibling", "in src", "in project"])
        #expect(try home.searchCommands("in", "--cwd", "/work/project/src") == ["in src"])
    }

    /// Demanding-user expectation: a relative directory is resolved against the current directory.
    @Test func relativeDirectoriesAreResolvedAgainstTheCurrentDirectory() throws {
        let home = try TemporaryHome()
        let directory = try Files.temporaryDirectory("caro-rel")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory + "/sub", withIntermediateDirectories: true)
        try home.add("here", "--cwd", directory, "--at", "2026-01-01T00:00:00Z")
        try home.add("below", "--cwd", directory + "/sub", "--at", "2026-01-02T00:00:00Z")
        #expect(try home.searchCommands("--cwd", ".", currentDirectory: directory) == ["here"])
        #expect(try home.searchCommands("--under", ".", currentDirectory: directory) == ["below", "here"])
    }

    @Test func workspaceIsTheGitWorkTreeOfTheCurrentDirectory() throws {
        let home = try TemporaryHome()
        let root = try Files.temporaryDirectory("caro-ws")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let repo = root + "/repo"
        try FileManager.default.createDirectory(atPath: repo + "/src/deep", withIntermediateDirectories: true)
        let initResult = try Tool.run("/usr/bin/git", ["init", "-q", repo])
        try #require(initResult.status == 0, "git init failed: \(initResult.stderr)")
        try home.add("at repo root", "--cwd", repo, "--at", "2026-01-01T00:00:00Z")
        try home.add("in repo src", "--cwd", repo + "/src", "--at", "2026-01-02T00:00:00Z")
        try home.add("beside repo", "--cwd", root, "--at", "2026-01-03T00:00:00Z")
        try home.add("other repo", "--cwd", root + "/repo2", "--at", "2026-01-04T00:00:00Z")
        let expected = ["in repo src", "at repo root"]
        #expect(try home.searchCommands("--workspace", currentDirectory: repo + "/src/deep") == expected)
        #expect(try home.searchCommands("--workspace", currentDirectory: repo) == expected)
        #expect(try home.searchCommands("src", "--workspace", currentDirectory: repo) == ["in repo src"])
    }

    @Test func workspaceFindsAPlainGitFolderAndAWorktreesGitFile() throws {
        let home = try TemporaryHome()
        let root = try Files.temporaryDirectory("caro-ws")
        defer { try? FileManager.default.removeItem(atPath: root) }
        // A `.git` folder (no git command needed) and a `.git` file, as `git worktree add` leaves.
        try FileManager.default.createDirectory(atPath: root + "/plain/.git", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/plain/lib", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/linked/app", withIntermediateDirectories: true)
        try "gitdir: \(root)/plain/.git/worktrees/linked\n".write(toFile: root + "/linked/.git", atomically: true, encoding: .utf8)
        try home.add("plain root", "--cwd", root + "/plain", "--at", "2026-01-01T00:00:00Z")
        try home.add("plain lib", "--cwd", root + "/plain/lib", "--at", "2026-01-02T00:00:00Z")
        try home.add("linked app", "--cwd", root + "/linked/app", "--at", "2026-01-03T00:00:00Z")
        #expect(try home.searchCommands("--workspace", currentDirectory: root + "/plain/lib") == ["plain lib", "plain root"])
        #expect(try home.searchCommands("--workspace", currentDirectory: root + "/linked/app") == ["linked app"])
    }

    // MARK: Host, device, shell

    @Test func hostAndDeviceMatchThisMachineOnly() throws {
        let home = try TemporaryHome()
        let entry = try home.addJSON("uptime")
        let host = try #require(entry["hostname"]?.stringValue)
        let device = try #require(entry["deviceID"]?.stringValue)
        #expect(try home.searchCommands("--host", host) == ["uptime"])
        #expect(try home.searchCommands("--host", "not-\(host)") == [])
        #expect(try home.searchCommands("--device", device) == ["uptime"])
        #expect(try home.searchCommands("--device", "another-device") == [])
    }

    @Test func shellFilter() throws {
        let home = try TemporaryHome()
        try home.add("setopt extended_history", "--shell", "zsh", "--at", "2026-01-01T00:00:00Z")
        try home.add("shopt -s histappend", "--shell", "bash", "--at", "2026-01-02T00:00:00Z")
        try home.add("set -U fish_greeting", "--shell", "fish", "--at", "2026-01-03T00:00:00Z")
        #expect(try home.searchCommands("--shell", "bash") == ["shopt -s histappend"])
        #expect(try home.searchCommands("--shell", "zsh") == ["setopt extended_history"])
    }

    // MARK: Time

    @Test func sinceAndUntilTakeISO8601() throws {
        let home = try TemporaryHome()
        try home.add("january", "--at", "2026-01-01T10:00:00Z")
        try home.add("february", "--at", "2026-02-01T10:00:00Z")
        try home.add("march", "--at", "2026-03-01T10:00:00Z")
        #expect(try home.searchCommands("--since", "2026-01-15T00:00:00Z") == ["march", "february"])
        #expect(try home.searchCommands("--until", "2026-02-15T00:00:00Z") == ["february", "january"])
        #expect(try home.searchCommands("--since", "2026-01-15T00:00:00Z", "--until", "2026-02-15T00:00:00.000Z") == ["february"])
        // A plain date is ISO 8601 too.
        #expect(try home.searchCommands("--since", "2026-01-15", "--until", "2026-02-15") == ["february"])
    }

    @Test func relativeDurations() throws {
        let home = try TemporaryHome()
        let now = Date()
        let hour = 3600.0
        let placed: [(String, Double)] = [("h1", 1), ("h3", 3), ("d2", 48), ("d4", 96), ("d6", 144), ("d8", 192)]
        for (name, hours) in placed { try home.add(name, "--at", Formats.iso(now.addingTimeInterval(-hours * hour))) }
        #expect(try home.searchCommands("--since", "2h") == ["h1"])
        #expect(try home.searchCommands("--since", "3d") == ["h1", "h3", "d2"])
        #expect(try home.searchCommands("--since", "1w") == ["h1", "h3", "d2", "d4", "d6"])
        #expect(try home.searchCommands("--until", "3d") == ["d4", "d6", "d8"])
        #expect(try home.searchCommands("--since", "1w", "--until", "2h") == ["h3", "d2", "d4", "d6"])
    }

    @Test func yesterdayAndTodayAreCalendarDays() throws {
        let home = try TemporaryHome()
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let startOfToday = calendar.startOfDay(for: Date())
        let utc: [String: String?] = ["TZ": "UTC"]
        try home.caro(arguments: ["history", "add", "--command", "today", "--at", Formats.iso(startOfToday.addingTimeInterval(1))], environment: utc)
        try home.caro(arguments: ["history", "add", "--command", "yesterday", "--at", Formats.iso(startOfToday.addingTimeInterval(-3600))], environment: utc)
        try home.caro(arguments: ["history", "add", "--command", "before", "--at", Formats.iso(startOfToday.addingTimeInterval(-30 * 3600))], environment: utc)
        #expect(try home.allCommands().count == 3)
        #expect(try home.searchCommands("--since", "today", environment: utc) == ["today"])
        #expect(try home.searchCommands("--since", "yesterday", environment: utc) == ["today", "yesterday"])
    }

    // MARK: Exit status, executed, limit, order, unique

    @Test func exitFilter() throws {
        let home = try TemporaryHome()
        try home.add("ok", "--exit", "0", "--at", "2026-01-01T00:00:00Z")
        try home.add("failed", "--exit", "1", "--at", "2026-01-02T00:00:00Z")
        try home.add("not found", "--exit", "127", "--at", "2026-01-03T00:00:00Z")
        try home.add("unknown", "--at", "2026-01-04T00:00:00Z")
        #expect(try home.searchCommands("--exit", "0") == ["ok"])
        #expect(try home.searchCommands("--exit", "nonzero") == ["not found", "failed"])
        #expect(try home.searchCommands("--exit", "127") == ["not found"])
        #expect(try home.searchCommands("--exit", "2") == [])
    }

    @Test func executedFilter() throws {
        let home = try TemporaryHome()
        try home.add("ran it", "--executed", "--at", "2026-01-01T00:00:00Z")
        try home.add("only suggested", "--not-executed", "--prompt", "suggest", "--at", "2026-01-02T00:00:00Z")
        #expect(try home.searchCommands("--executed") == ["ran it"])
    }

    @Test func limitReverseAndUnique() throws {
        let home = try TemporaryHome()
        var ids: [String] = []
        for (index, command) in ["ls", "pwd", "ls", "make", "pwd", "ls"].enumerated() {
            ids.append(try home.add(command, "--at", "2026-01-0\(index + 1)T00:00:00Z"))
        }
        #expect(try home.searchCommands() == ["ls", "pwd", "make", "ls", "pwd", "ls"])
        #expect(try home.searchCommands("--limit", "2") == ["ls", "pwd"])
        #expect(try home.searchCommands("--reverse") == ["ls", "pwd", "ls", "make", "pwd", "ls"])  // oldest first
        let unique = try home.caro("history", "search", "--unique", "--json")
        Expect.success(unique)
        #expect(try unique.commands() == ["ls", "pwd", "make"])
        // The newest of each distinct command.
        #expect(try unique.entries().map { $0["id"]?.stringValue ?? "" } == [ids[5], ids[4], ids[3]])
        #expect(try home.searchCommands("--unique", "--limit", "2") == ["ls", "pwd"])
        #expect(try home.searchCommands("l", "--unique") == ["ls"])
    }

    @Test func filtersCombine() throws {
        let home = try TemporaryHome()
        try home.add("git push", "--cwd", "/repo", "--exit", "1", "--shell", "zsh", "--at", "2026-01-01T00:00:00Z")
        try home.add("git push", "--cwd", "/repo", "--exit", "0", "--shell", "zsh", "--at", "2026-01-02T00:00:00Z")
        try home.add("git pull", "--cwd", "/repo", "--exit", "1", "--shell", "bash", "--at", "2026-01-03T00:00:00Z")
        try home.add("git push", "--cwd", "/other", "--exit", "1", "--shell", "zsh", "--at", "2026-01-04T00:00:00Z")
        let result = try home.caro("history", "search", "git", "--cwd", "/repo", "--exit", "nonzero", "--shell", "zsh",
                                   "--since", "2025-12-31T00:00:00Z", "--json")
        Expect.success(result)
        let entries = try result.entries()
        #expect(entries.count == 1)
        #expect(entries.first?["createdAt"]?.stringValue == "2026-01-01T00:00:00.000Z")
    }
}
