import CaroKit
import CaroStore
import Foundation

/// `caro-benchmarks picker`: what one keystroke in `caro history search -i` costs at 100 000 entries —
/// the candidate reads from SQLite, the ranking and one frame (lines and the terminal update bytes),
/// everything but the write to the terminal. Goal: < 16 ms per keystroke.
enum PickerBenchmark {
    static let entries = 100_000

    static func run() {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("caro-picker-bench-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { if ProcessInfo.processInfo.environment["KEEP"] == nil { try? FileManager.default.removeItem(atPath: directory) } else { print(directory) } }
        let store = try! HistoryStore(path: directory + "/caro.db")
        let now = Timestamp.now()
        let clock = ContinuousClock()
        let fillStart = clock.now
        _ = try! store.insert(history(now: now), retention: .unlimited, now: now)
        print("picker: \(entries) entries stored in \(milliseconds(clock.now - fillStart)) ms")

        if ProcessInfo.processInfo.environment["SPLIT"] != nil {
            for text in ["", "g", "gi", "git", "git c", "git commit", "how"] {
                for (label, query) in [("recent", HistoryQuery(text: text, limit: 400)),
                                       ("here", HistoryQuery(text: text, cwd: "/home/me/src/project7", limit: 100)),
                                       ("under", HistoryQuery(text: text, under: "/home/me/src/project7", limit: 400)),
                                       ("host", HistoryQuery(text: text, hostname: "host1", limit: 400))] {
                    var best = Double.infinity
                    var count = 0
                    for _ in 0..<5 {
                        let start = clock.now
                        count = try! store.entries(matching: query).count
                        best = min(best, milliseconds(clock.now - start))
                    }
                    print("  '\(text)' \(label): \(rounded(best)) ms (\(count) rows)")
                }
            }
        }
        if ProcessInfo.processInfo.environment["SPLIT"] != nil {
            let rows = try! store.entries(matching: HistoryQuery(text: "git", limit: 500))
            let context = PickerContext(directory: "/home/me/src/project7", workspace: "/home/me/src/project7", hostname: "host1", now: now)
            var best = (rank: Double.infinity, frame: Double.infinity)
            for _ in 0..<20 {
                let start = clock.now
                var state = PickerState(query: "git", hasWorkspace: true)
                state.show(PickerRanking.rank(rows, context: context, typed: "git"))
                let ranked = clock.now
                var screen = PickerScreen()
                _ = screen.update(PickerFrame.lines(state, width: 160, height: 45, now: now, color: true), cursor: (1, 6))
                best = (min(best.rank, milliseconds(ranked - start)), min(best.frame, milliseconds(clock.now - ranked)))
            }
            print("  rank 500 rows: \(rounded(best.rank)) ms, one full frame: \(rounded(best.frame)) ms")
        }
        let context = PickerContext(directory: "/home/me/src/project7", workspace: "/home/me/src/project7", hostname: "host1", now: now)
        let search = PickerSearch(store: store, context: context)
        // Typing "git commit" one key at a time, then deleting back to nothing, in every mode.
        let typed = "git commit"
        var queries = (0...typed.count).map { String(typed.prefix($0)) }
        queries += queries.reversed().dropFirst()
        for mode in PickerMode.allCases {
            var samples: [Double] = []
            var cpuSamples: [Double] = []
            var worst = ("", 0.0)
            for round in 0..<6 {
                var screen = PickerScreen()
                var state = PickerState(query: "", mode: mode, hasWorkspace: true)
                for query in queries {
                    let start = clock.now
                    let cpuStart = threadCPUMilliseconds()
                    state.query = query
                    state.show(try! search.commands(matching: query, mode: mode))
                    let lines = PickerFrame.lines(state, width: 160, height: 45, now: now, color: true)
                    let bytes = screen.update(lines, cursor: (1, PickerFrame.cursorColumn(state, width: 160)))
                    let elapsed = milliseconds(clock.now - start)
                    let cpu = threadCPUMilliseconds() - cpuStart
                    precondition(!bytes.isEmpty)
                    if round > 0 {  // the first round warms the caches
                        samples.append(elapsed)
                        cpuSamples.append(cpu)
                        if elapsed > worst.1 { worst = (query, elapsed) }
                    }
                }
            }
            samples.sort()
            cpuSamples.sort()
            let median = samples[samples.count / 2]
            let p95 = samples[samples.count * 95 / 100]
            let name = "picker keystroke, \(mode.title), 100k entries"
            print(name + String(repeating: " ", count: max(1, 50 - name.count))
                  + "median \(rounded(median)) ms, p95 \(rounded(p95)) ms, max \(rounded(worst.1)) ms ('\(worst.0)'); "
                  + "CPU median \(rounded(cpuSamples[cpuSamples.count / 2])) ms, p95 \(rounded(cpuSamples[cpuSamples.count * 95 / 100])) ms")
        }
    }

    /// 100 000 entries over a year, stored oldest first: a few hundred distinct commands from a realistic
    /// mix, 60 directories on 3 hosts, 10 % failures, 3 % with a prompt.
    static func history(now: Int64) -> [HistoryRow] {
        var generator = SystemRandomNumberGenerator()
        let verbs = ["git status", "git commit -m", "git checkout", "git push", "git pull --rebase", "git log --oneline",
                     "docker ps", "docker run --rm -it", "kubectl get pods -n", "kubectl logs -f", "make", "make test",
                     "swift build", "swift test --filter", "cargo build --release", "npm run", "ls -la", "cd", "vim", "grep -rn",
                     "ssh", "curl -sS", "python3 -m pytest", "go test ./...", "rg", "find . -name", "tail -f", "htop", "du -sh"]
        let arguments = ["main", "src", "api", "web", "fix", "release", "staging", "prod", "test", "docs", "build", "*.swift", "logs"]
        let years: Int64 = 365 * 86_400_000
        let rows = (0..<entries).map { index in
            let verb = verbs[Int.random(in: 0..<verbs.count, using: &generator)]
            let argument = index % 3 == 0 ? "" : " " + arguments[Int.random(in: 0..<arguments.count, using: &generator)]
            let project = Int.random(in: 0..<60, using: &generator)
            let createdAt = now - Int64.random(in: 0..<years, using: &generator)
            return HistoryRow(
                id: UUIDv7.make(milliseconds: createdAt), createdAt: createdAt, command: verb + argument,
                prompt: index % 33 == 0 ? "how do I \(verb) for \(argument)" : nil, executed: true,
                exitCode: index % 10 == 0 ? 1 : 0, durationMs: 120, cwd: "/home/me/src/project\(project)" + (index % 4 == 0 ? "/sub" : ""),
                shell: "zsh", hostname: "host\(project % 3)", deviceID: "device\(project % 3)", platform: "linux")
        }
        // Stored in the order they ran, as the shell hook records them.
        return rows.sorted { $0.createdAt < $1.createdAt }
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }

    /// CPU time of this thread (unlike wall time, not stretched by other processes on a busy machine).
    static func threadCPUMilliseconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) * 1000 + Double(time.tv_nsec) / 1e6
    }

    static func rounded(_ value: Double) -> Double { Double(Int(value * 100)) / 100 }
}
