import CaroKit
import CaroStore
import Foundation
import Testing

/// The picker's ranking: commands from here, recent, frequent and successful come first.
@Suite("Picker ranking")
struct PickerRankingTests {
    static let now: Int64 = 1_800_000_000_000
    static let hour: Int64 = 3_600_000
    static let context = PickerContext(directory: "/work/app/src", workspace: "/work/app", hostname: "laptop", now: now)

    static func row(_ command: String, cwd: String, hoursAgo: Double, exit: Int?, prompt: String? = nil) -> HistoryRow {
        HistoryRow(id: UUID().uuidString, createdAt: now - Int64(hoursAgo * Double(hour)), command: command, prompt: prompt,
                   exitCode: exit, cwd: cwd, hostname: "laptop")
    }

    static func order(_ rows: [HistoryRow], typed: String = "") -> [String] {
        PickerRanking.rank(rows, context: context, typed: typed).map(\.command)
    }

    @Test func aSuccessHereBeatsAnOlderFailureElsewhere() {
        let rows = [Self.row("make deploy", cwd: "/tmp", hoursAgo: 5, exit: 2), Self.row("make test", cwd: "/work/app/src", hoursAgo: 2, exit: 0)]
        #expect(Self.order(rows) == ["make test", "make deploy"])
    }

    @Test func aWeekOldCommandHereBeatsAnHourOldOneElsewhere() {
        let rows = [Self.row("ls /etc", cwd: "/etc", hoursAgo: 1, exit: 0), Self.row("swift build", cwd: "/work/app/src", hoursAgo: 168, exit: 0)]
        #expect(Self.order(rows) == ["swift build", "ls /etc"])
    }

    @Test func theWorkspaceCountsWhenTheDirectoryDiffers() {
        let rows = [Self.row("cat notes", cwd: "/home/me", hoursAgo: 3, exit: 0), Self.row("git log", cwd: "/work/app/docs", hoursAgo: 3, exit: 0)]
        #expect(Self.order(rows) == ["git log", "cat notes"])
    }

    @Test func oftenBeatsOnceAtTheSameAgeAndPlace() {
        var rows = [Self.row("htop", cwd: "/tmp", hoursAgo: 10, exit: 0)]
        rows += (0..<5).map { _ in Self.row("df -h", cwd: "/tmp", hoursAgo: 10, exit: 0) }
        let ranked = PickerRanking.rank(rows, context: Self.context, typed: "")
        #expect(ranked.map(\.command) == ["df -h", "htop"])
        #expect(ranked.map(\.runs) == [5, 1])
    }

    @Test func recentBeatsAMonthOldOneFromTheSamePlace() {
        let rows = [Self.row("ssh old", cwd: "/tmp", hoursAgo: 720, exit: 0), Self.row("ssh new", cwd: "/tmp", hoursAgo: 2, exit: 0)]
        #expect(Self.order(rows) == ["ssh new", "ssh old"])
    }

    @Test func successBeatsFailureAtTheSameAgeAndPlace() {
        let rows = [Self.row("cargo bild", cwd: "/tmp", hoursAgo: 4, exit: 101), Self.row("cargo build", cwd: "/tmp", hoursAgo: 4, exit: 0)]
        #expect(Self.order(rows) == ["cargo build", "cargo bild"])
    }

    @Test func aCommandThatJustFailedIsPushedDown() {
        // Same place, both successful before; the one that failed a minute ago goes below.
        let rows = [Self.row("npm start", cwd: "/tmp", hoursAgo: 0.02, exit: 1), Self.row("npm test", cwd: "/tmp", hoursAgo: 0.5, exit: 0)]
        #expect(Self.order(rows) == ["npm test", "npm start"])
    }

    @Test func theTypedPrefixBreaksOtherwiseEqualScores() {
        let rows = [Self.row("echo git", cwd: "/tmp", hoursAgo: 1, exit: 0), Self.row("git fetch", cwd: "/tmp", hoursAgo: 1, exit: 0)]
        #expect(Self.order(rows, typed: "git") == ["git fetch", "echo git"])
        #expect(Self.order(rows, typed: "") == ["echo git", "git fetch"])  // tie: first read (newest) first
    }

    @Test func runsOfOneCommandBecomeOneRowWithItsNewestRunAndPrompt() {
        let rows = [
            Self.row("kubectl get pods", cwd: "/tmp", hoursAgo: 1, exit: 1),
            Self.row("kubectl get pods", cwd: "/tmp", hoursAgo: 5, exit: 0, prompt: "list the pods"),
            Self.row("kubectl get pods", cwd: "/tmp", hoursAgo: 9, exit: 0, prompt: "pods please"),
        ]
        let ranked = PickerRanking.rank(rows, context: Self.context, typed: "")
        #expect(ranked.count == 1)
        #expect(ranked.first?.runs == 3)
        #expect(ranked.first?.newest.exitCode == 1)
        #expect(ranked.first?.prompt == "list the pods")
    }

    @Test func theFormulaAddsItsWeightedSignals() {
        let signals = PickerRanking.Signals(here: 1, workspace: 1, hoursAgo: 24, runs: 3, mostRuns: 3, success: 1, justFailed: false, prefix: true)
        // 2.5 + 1.0 + 2.0·0.5 + 1.0·1 + 1.5 + 0.5
        #expect(abs(signals.score - 7.5) < 1e-9)
        let failing = PickerRanking.Signals(here: 0, workspace: 0, hoursAgo: 0, runs: 1, mostRuns: 1, success: 0, justFailed: true, prefix: false)
        #expect(abs(failing.score - (2.0 + 1.0 - 1.0)) < 1e-9)
    }
}
