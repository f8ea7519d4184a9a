import ArgumentParser

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// The entry point: hoists global options placed before the subcommand, runs the command, and maps
/// every error to its exit code in one place (``ExitStatus``).
@main
enum CaroMain {
    static func main() async {
        let arguments = GlobalOptions.hoisted(Array(CommandLine.arguments.dropFirst()))
        let json = arguments.contains("--json")
        do {
            var command = try CaroCommand.parseAsRoot(arguments)
            if var command = command as? AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            exit(ExitStatus.report(error, json: json))
        }
        exit(0)
    }
}
