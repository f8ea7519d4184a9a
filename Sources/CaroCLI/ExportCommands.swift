import ArgumentParser
import CaroKit
import Foundation

#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension ExportOutput.Format: ExpressibleByArgument {}

/// `caro export [--format json|jsonl] [FILE]`: everything, decrypted, in readable JSON.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write every entry, deletion, preference and device as readable JSON (plaintext; mode 0600).",
        discussion: """
            The file is decrypted: every command, prompt and directory in plain text. JSON is one object \
            {formatVersion, exportedAt, history, deletions, preferences, exclusions, devices} with one record per \
            line; jsonl is a header line, one {"type": …} record per line and an end line. Docs/cli.md describes both. \
            caro import reads either back.
            """)
    @OptionGroup var global: GlobalOptions
    @Option(help: "json (one object) or jsonl (one record per line).") var format: ExportOutput.Format = .json
    @Argument(help: ArgumentHelp("The file to write (created with mode 0600; default: standard output).", valueName: "file"))
    var file: String?

    func run() throws {
        let export = try CaroExportService(home: global.deviceHome).snapshot()
        if let problem = export.devicesProblem { CLIOutput.note("exporting without the device list: \(problem)", global) }
        let bar = ProgressBar(enabled: !global.quiet && isatty(STDERR_FILENO) == 1 && export.history.count >= 10_000, label: "exporting")
        let bytes = try ExportOutput.bytes(export, format: format, exportedAt: Timestamp.now(),
                                           progress: bar.map { bar in { bar.show($0, of: export.history.count) } })
        bar?.finish()
        CLIOutput.note("warning: the export is plaintext (every command, prompt and directory, decrypted): keep "
            + "\(file ?? "it") private and delete it when done", global)
        guard let file else { return FileHandle.standardOutput.write(Data(bytes)) }
        try SecretFile.write(Data(bytes), to: file)
        CLIOutput.note("exported \(export.history.count) entries, \(export.deletions.count) deletions, "
            + "\(export.preferences.count) preferences and \(export.devices.count) devices to \(file)", global)
    }
}

/// `caro import FILE`: merges a `caro export` file into this home.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Merge a caro export file (JSON or JSON Lines) into this device's history; the next sync shares it.",
        discussion: """
            An entry whose ID is already here adds nothing; deletions win; a preference set later on this device keeps \
            its value; devices are not imported. A truncated, foreign or newer file is refused and nothing is written. \
            (Shell history files: caro history import.)
            """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: ArgumentHelp("The export file (- for standard input).", valueName: "file")) var file: String

    func run() throws {
        let bytes: [UInt8]
        if file == "-" {
            bytes = Array(FileHandle.standardInput.readDataToEndOfFile())
        } else {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw CaroError.notFound("Cannot read \(file): check the path (caro export writes such files).")
            }
            bytes = Array(data)
        }
        let export = try CaroExportReader.read(bytes, file: file == "-" ? "standard input" : file)
        let bar = ProgressBar(enabled: !global.quiet && isatty(STDERR_FILENO) == 1 && export.history.count >= 10_000)
        let result = try CaroExportService(home: global.deviceHome).merge(
            export, progress: bar.map { bar in { bar.show($0, of: export.history.count) } })
        bar?.finish()
        let counts = [("imported", result.history.inserted), ("duplicates", result.history.duplicates),
                      ("deleted", result.history.deleted), ("expired", result.history.expired),
                      ("preferences", result.preferences), ("exclusions", result.exclusions)]
        if global.json {
            return CLIOutput.line("{" + counts.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}")
        }
        CLIOutput.line(counts.map { "\($0.0): \($0.1)" }.joined(separator: "\n"))
    }
}
