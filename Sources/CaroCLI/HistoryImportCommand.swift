import ArgumentParser
import CaroKit

#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `caro history import bash|zsh|fish [FILE]`: imports a shell's history file.
struct HistoryImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a shell's history file (default: the shell's usual one).",
        discussion: """
            Reads bash (with or without HISTTIMEFORMAT times), zsh (plain or EXTENDED_HISTORY) and fish history. \
            Exclusions and retention apply as for new commands; importing the same file again adds nothing. \
            Prints the counts: imported, duplicates, excluded, unparseable (with --verbose, the unparseable line numbers).
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The shell whose history it is: bash, zsh or fish.") var shell: HistoryShell
    @Argument(help: ArgumentHelp("The history file (default: $HISTFILE or the shell's usual file).", valueName: "file"))
    var file: String?

    func run() throws {
        let path = try file ?? HistoryFileLocator().locate(shell)
        let service = ImportService(history: try HistoryService(home: global.deviceHome))
        let bar = ProgressBar(enabled: !global.quiet && isatty(STDERR_FILENO) == 1)
        let summary = try service.importFile(path, shell: shell, progress: bar.map { bar in { bar.show($0, of: $1) } })
        bar?.finish()
        if global.json {
            CLIOutput.line(Self.json(summary))
            if global.verbose && summary.unparseable > 0 {
                CLIOutput.note("unparseable lines: \(Self.list(summary.unparseableLines))", global)
            }
            return
        }
        CLIOutput.line("imported: \(summary.imported)")
        CLIOutput.line("duplicates: \(summary.duplicates)")
        CLIOutput.line("excluded: \(summary.excluded)")
        CLIOutput.line("unparseable: \(summary.unparseable)")
        if global.verbose && summary.unparseable > 0 {
            CLIOutput.line("unparseable lines: \(Self.list(summary.unparseableLines))")
        }
        if summary.beyondRetention > 0 {
            CLIOutput.note("\(summary.beyondRetention) older commands were not imported: retention (caro prefs max-entries, "
                + "retention-days) would remove them at once", global)
        }
    }

    /// Exactly `{"imported":N,"duplicates":N,"excluded":N,"unparseable":N}`, in the documented order.
    static func json(_ summary: ImportSummary) -> String {
        "{\"imported\":\(summary.imported),\"duplicates\":\(summary.duplicates),\"excluded\":\(summary.excluded),"
            + "\"unparseable\":\(summary.unparseable)}"
    }

    static func list(_ lines: [Int]) -> String {
        lines.map(String.init).joined(separator: ", ")
    }
}
