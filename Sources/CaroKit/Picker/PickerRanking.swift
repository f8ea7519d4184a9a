import CaroStore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One distinct command in the picker: its newest entry and what its runs say about it.
public struct RankedCommand: Sendable, Equatable {
    /// The newest entry of the command (its time, exit status and directory are shown).
    public var newest: HistoryRow
    /// The newest prompt any of its entries has (shown beside it), or nil.
    public var prompt: String?
    /// How many of the candidate entries ran it.
    public var runs: Int
    /// The score of ``PickerRanking``; higher first.
    public var score: Double

    public init(newest: HistoryRow, prompt: String?, runs: Int, score: Double) {
        self.newest = newest
        self.prompt = prompt
        self.runs = runs
        self.score = score
    }

    /// The command line.
    public var command: String { newest.command }
}

/// The picker's ranking (McFly's signals, our own linear formula; documented in `Docs/cli.md`).
///
/// Candidate entries are grouped by command text; each command gets
///
///     score = 2.5·here + 1.0·workspace + 2.0·recency + 1.0·frequency + 1.5·success − 1.0·justFailed + 0.5·prefix
///
/// with, over the command's candidate entries: `here` the share run in the current directory, `workspace`
/// the share run inside the current git work tree, `recency` = 1 / (1 + hours since the newest run / 24),
/// `frequency` = ln(1 + runs) / ln(1 + the most runs of any candidate), `success` the share of runs with a
/// known status that exited 0 (0.5 when none is known), `justFailed` 1 when the newest run failed less
/// than 10 minutes ago, `prefix` 1 when the command starts with the typed text. Ties: newest first.
public enum PickerRanking {
    /// The weights of the formula, in its order.
    public static let weights = (here: 2.5, workspace: 1.0, recency: 2.0, frequency: 1.0, success: 1.5, justFailed: 1.0, prefix: 0.5)

    /// Groups `rows` by command and orders the commands best first.
    public static func rank(_ rows: [HistoryRow], context: PickerContext, typed: String) -> [RankedCommand] {
        struct Tally {
            var newest: HistoryRow
            var prompt: String?
            var promptTime: Int64 = .min
            var runs = 0
            var here = 0
            var inWorkspace = 0
            var known = 0
            var succeeded = 0
        }
        var tallies: [String: Tally] = [:]
        var order: [String] = []
        for row in rows {
            var tally = tallies[row.command] ?? {
                order.append(row.command)
                return Tally(newest: row)
            }()
            if row.createdAt > tally.newest.createdAt { tally.newest = row }
            if let prompt = row.prompt, row.createdAt > tally.promptTime {
                tally.prompt = prompt
                tally.promptTime = row.createdAt
            }
            tally.runs += 1
            if let directory = context.directory, row.cwd == directory { tally.here += 1 }
            if context.isInWorkspace(row.cwd) { tally.inWorkspace += 1 }
            if let exit = row.exitCode {
                tally.known += 1
                if exit == 0 { tally.succeeded += 1 }
            }
            tallies[row.command] = tally
        }
        let mostRuns = tallies.values.map(\.runs).max() ?? 1
        let typedPrefix = typed.split(whereSeparator: \.isWhitespace).joined(separator: " ").lowercased()
        var ranked: [RankedCommand] = []
        ranked.reserveCapacity(order.count)
        for command in order {
            guard let tally = tallies[command] else { continue }
            let signals = Signals(
                here: Double(tally.here) / Double(tally.runs),
                workspace: Double(tally.inWorkspace) / Double(tally.runs),
                hoursAgo: Double(max(context.now - tally.newest.createdAt, 0)) / 3_600_000,
                runs: tally.runs, mostRuns: mostRuns,
                success: tally.known == 0 ? 0.5 : Double(tally.succeeded) / Double(tally.known),
                justFailed: (tally.newest.exitCode ?? 0) != 0 && context.now - tally.newest.createdAt < 600_000,
                prefix: !typedPrefix.isEmpty && command.lowercased().hasPrefix(typedPrefix))
            ranked.append(RankedCommand(newest: tally.newest, prompt: tally.prompt, runs: tally.runs, score: signals.score))
        }
        ranked.sort { left, right in
            if left.score != right.score { return left.score > right.score }
            return left.newest.createdAt > right.newest.createdAt
        }
        return ranked
    }

    /// The inputs of the formula for one command.
    public struct Signals: Sendable {
        public var here: Double
        public var workspace: Double
        public var hoursAgo: Double
        public var runs: Int
        public var mostRuns: Int
        public var success: Double
        public var justFailed: Bool
        public var prefix: Bool

        public init(here: Double, workspace: Double, hoursAgo: Double, runs: Int, mostRuns: Int, success: Double, justFailed: Bool,
                    prefix: Bool) {
            self.here = here
            self.workspace = workspace
            self.hoursAgo = hoursAgo
            self.runs = runs
            self.mostRuns = mostRuns
            self.success = success
            self.justFailed = justFailed
            self.prefix = prefix
        }

        /// The weighted sum of the signals.
        public var score: Double {
            let weights = PickerRanking.weights
            let recency = 1 / (1 + hoursAgo / 24)
            let frequency = mostRuns > 0 ? log(1 + Double(runs)) / log(1 + Double(max(mostRuns, 1))) : 0
            return weights.here * here + weights.workspace * workspace + weights.recency * recency
                + weights.frequency * frequency + weights.success * success - (justFailed ? weights.justFailed : 0)
                + (prefix ? weights.prefix : 0)
        }
    }
}
