import ArgumentParser
import CaroKit
import CaroStore

/// `caro history …`: record, find, show, delete and count commands, locally (no network).
struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Record and search your command history (local: only compact touches the network).",
        subcommands: [Add.self, List.self, Search.self, Show.self, Delete.self, HistoryImportCommand.self, Stats.self, HistoryCompactCommand.self])
}

/// The search filters shared by `list`, `search` and `delete --filter`.
struct FilterOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Only commands run in exactly this directory.", valueName: "dir"))
    var cwd: String?
    @Option(help: ArgumentHelp("Only commands run in this directory or below it.", valueName: "dir"))
    var under: String?
    @Flag(help: "Only commands run in the git work tree containing the current directory.")
    var workspace = false
    @Option(help: ArgumentHelp("Only commands recorded on this host name.", valueName: "name"))
    var host: String?
    @Option(help: ArgumentHelp("Only commands recorded by this device ID.", valueName: "id"))
    var device: String?
    @Option(help: ArgumentHelp("Only commands run by this shell (bash, zsh, fish, …).", valueName: "shell"))
    var shell: String?
    @Option(help: ArgumentHelp("Only commands at or after this time: ISO 8601, 2h, 3d, 1w, today, yesterday.", valueName: "time"))
    var since: String?
    @Option(help: ArgumentHelp("Only commands before this time (same forms as --since).", valueName: "time"))
    var until: String?
    @Option(name: .customLong("exit"), help: ArgumentHelp("Only commands that exited with 0, nonzero, or this code.", valueName: "status"))
    var exitStatus: String?
    @Flag(help: "Only commands that were executed (not suggestions).")
    var executed = false
    @Option(help: ArgumentHelp("At most this many results.", valueName: "n"))
    var limit: Int?
    @Flag(help: "Oldest first.")
    var reverse = false
    @Flag(help: "Only the newest entry of each distinct command.")
    var unique = false

    func filters(text: String?) -> HistoryFilters {
        var filters = HistoryFilters()
        filters.text = text
        filters.cwd = cwd
        filters.under = under
        filters.workspace = workspace
        filters.host = host
        filters.device = device
        filters.shell = shell
        filters.since = since
        filters.until = until
        filters.exit = exitStatus
        filters.executedOnly = executed
        filters.limit = limit
        filters.reverse = reverse
        filters.unique = unique
        return filters
    }

    /// True when any filter is given (for `delete` without `--filter`).
    var isEmpty: Bool { filters(text: nil) == HistoryFilters() }
}

/// Prints entries as `--json` (one array) or text lines.
func printEntries(_ rows: [HistoryRow], json: Bool, verbose: Bool) throws {
    if json {
        try CLIOutput.json(rows.map(EntryOutput.init))
    } else {
        CLIOutput.entries(rows, verbose: verbose)
    }
}

/// Runs `caro history list|search` for parsed filters (from ``FilterOptions`` or ``FastSearch``).
func runSearch(_ filters: HistoryFilters, home: DeviceHome, json: Bool, verbose: Bool) throws {
    let query = try filters.query(now: Timestamp.now())
    try printEntries(try HistoryService(home: home).search(query), json: json, verbose: verbose)
}

extension HistoryCommand {
    /// `caro history add`: records one command (the shell hook calls it after every command).
    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Record a command; prints the new entry's ID (with --json, the entry).")

        /// Whether the command ran.
        enum Execution: EnumerableFlag {
            case executed, notExecuted

            static func help(for value: Execution) -> ArgumentHelp? {
                value == .executed ? "The command was run (the default)." : "Caro suggested the command but it was not run."
            }
        }

        @OptionGroup var global: GlobalOptions
        @Option(help: "The command line.") var command: String
        @Option(help: "The natural-language prompt it came from.") var prompt: String?
        @Option(help: "Caro's explanation of the command.") var explanation: String?
        @Option(help: ArgumentHelp("The directory it ran in (default: the current directory).", valueName: "dir")) var cwd: String?
        @Option(name: .customLong("exit"), help: ArgumentHelp("Its exit status.", valueName: "n")) var exitCode: Int?
        @Option(name: .customLong("duration"), help: ArgumentHelp("How long it ran, in milliseconds.", valueName: "ms"))
        var durationMs: Int64?
        @Option(help: ArgumentHelp("The shell it ran in (default: $SHELL's name).", valueName: "shell")) var shell: String?
        @Option(name: .customLong("safety"), help: ArgumentHelp("Caro's safety level for it.", valueName: "level"))
        var safetyLevel: String?
        @Option(name: .customLong("tag"), help: ArgumentHelp("A tag (repeatable).", valueName: "tag")) var tags: [String] = []
        @Flag var execution: Execution = .executed
        @Option(help: ArgumentHelp("When it ran, ISO 8601 (default: now).", valueName: "time")) var at: String?

        func run() throws {
            try AddRequest(
                command: command, prompt: prompt, explanation: explanation, cwd: cwd, exitCode: exitCode, durationMs: durationMs,
                shell: shell, safetyLevel: safetyLevel, tags: tags, executed: execution == .executed, at: at
            ).run(home: global.deviceHome, json: global.json, quiet: global.quiet, verbose: global.verbose)
        }
    }

    /// `caro history list`: the newest entries.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List entries, newest first.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var filter: FilterOptions

        func run() throws {
            try runSearch(filter.filters(text: nil), home: global.deviceHome, json: global.json, verbose: global.verbose)
        }
    }

    /// `caro history search`: full-text search with filters.
    struct Search: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "search",
            abstract: "Search entries (command, prompt, explanation, tags), newest first.",
            discussion: """
                Words match as prefixes ("doc" finds "docker"); "quoted words" match as a phrase. Text with no letters \
                or digits (e.g. '&&') is searched as a literal substring.
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Words to find (all must match).") var text: [String] = []
        @Flag(name: [.customShort("i"), .customLong("interactive")],
              help: "Open the full-screen picker (the words are its first query): Enter prints the chosen command, Esc cancels.")
        var interactive = false
        @OptionGroup var filter: FilterOptions

        func run() throws {
            if interactive {
                return try InteractiveSearch.run(
                    home: global.deviceHome, base: try filter.filters(text: nil).query(now: Timestamp.now()),
                    initialQuery: text.joined(separator: " "), json: global.json)
            }
            try runSearch(filter.filters(text: text.joined(separator: " ")), home: global.deviceHome, json: global.json,
                          verbose: global.verbose)
        }
    }

    /// `caro history show ID`.
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show", abstract: "Show one entry.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The entry's ID (or a unique prefix of 8+ characters).") var id: String

        func run() throws {
            let row = try HistoryService(home: global.deviceHome).entry(id: id)
            if global.json { try CLIOutput.json(EntryOutput(row)) } else { CLIOutput.entryDetails(row) }
        }
    }

    /// `caro history delete ID…`, `caro history delete --filter [TEXT] [filters] [--yes]`, or
    /// `caro history delete --all [--yes]`.
    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "delete",
            abstract: "Delete entries by ID, every entry matching --filter, or everything with --all (deletion syncs to your other devices).",
            discussion: """
                --all deletes every entry recorded up to now on every device, at its next sync — also entries an \
                offline device recorded before now and has not synced yet; entries recorded afterwards stay.
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Entry IDs; with --filter, words to search for.") var arguments: [String] = []
        @Flag(help: "Delete every entry matching the search words and filters.") var filter = false
        @Flag(help: "Delete every entry recorded up to now, on every device.") var all = false
        @OptionGroup var filters: FilterOptions
        @Flag(help: "Do not ask for confirmation.") var yes = false

        func validate() throws {
            if all && (filter || !arguments.isEmpty || !filters.isEmpty) {
                throw ValidationError("--all deletes everything: give no IDs, words or filters with it.")
            }
            if all { return }
            if !filter && !filters.isEmpty { throw ValidationError("Filters need --filter: caro history delete --filter [filters].") }
            if !filter && arguments.isEmpty { throw ValidationError("Give the IDs to delete, --filter with filters, or --all.") }
        }

        func run() throws {
            let service = try HistoryService(home: global.deviceHome)
            let deleted: Int
            if all {
                if !yes {
                    let count = try service.stats(top: 0).entries
                    guard Confirmation.ask("Delete all \(count) entries here, and everything recorded until now on your other devices?")
                    else {
                        throw CaroError.needsConfirmation(
                            "Nothing deleted: confirm on a terminal, or add --yes to delete every entry on every device.")
                    }
                }
                deleted = try service.deleteAll()
            } else if filter {
                let query = try filters.filters(text: arguments.joined(separator: " ")).query(now: Timestamp.now())
                if !yes {
                    let count = try service.search(query).count
                    guard count == 0 || Confirmation.ask("Delete \(count) \(count == 1 ? "entry" : "entries")?") else {
                        throw CaroError.needsConfirmation(
                            "Nothing deleted: confirm on a terminal, or add --yes to delete the \(count) matching entries.")
                    }
                }
                deleted = try service.delete(matching: query)
            } else {
                deleted = try service.delete(ids: arguments)
            }
            if global.json {
                try CLIOutput.json(DeleteOutput(deleted: deleted))
            } else if !global.quiet {
                CLIOutput.line("Deleted \(deleted) \(deleted == 1 ? "entry" : "entries").")
            }
        }
    }

    /// `caro history stats`.
    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "stats", abstract: "Count entries and show the most used commands and retention.")
        @OptionGroup var global: GlobalOptions
        @Option(help: ArgumentHelp("How many top commands to show.", valueName: "n")) var top = 10

        func run() throws {
            let stats = try HistoryService(home: global.deviceHome).stats(top: max(top, 0))
            if global.json { return try CLIOutput.json(StatsOutput(stats)) }
            var lines = [
                "entries: \(stats.entries)", "deleted: \(stats.deleted)",
                "max entries: \(stats.maxEntries == 0 ? "unlimited" : String(stats.maxEntries))",
                "retention days: \(stats.retentionDays == 0 ? "unlimited" : String(stats.retentionDays))",
            ]
            if let oldest = stats.oldest, let newest = stats.newest {
                lines.append("from \(Timestamp.iso8601(oldest)) to \(Timestamp.iso8601(newest))")
            }
            if !stats.topCommands.isEmpty {
                lines.append("top commands:")
                lines += stats.topCommands.map { "  \($0.count)  \($0.command.replacing("\n", with: " ↵ "))" }
            }
            CLIOutput.line(lines.joined(separator: "\n"))
        }
    }
}
