import ArgumentParser
import CaroKit

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// The entry point: hoists global options placed before the subcommand, runs the command, and maps
/// every error to its exit code in one place (``ExitStatus``). The hot commands (`history add`, `list`,
/// `search`) try their direct readers first (``FastAdd``, ``FastSearch``).
@main
enum CaroMain {
    static func main() async {
        let arguments = GlobalOptions.hoisted(Array(CommandLine.arguments.dropFirst()))
        let json = arguments.contains("--json")
        if let add = FastAdd.parse(arguments) {
            do {
                try add.request.run(home: DeviceHome.resolve(home: add.home), json: add.json, quiet: add.quiet, verbose: add.verbose)
                exit(0)
            } catch {
                exit(ExitStatus.report(error, json: json))
            }
        }
        if let search = FastSearch.parse(arguments) {
            do {
                try runSearch(search.filters, home: DeviceHome.resolve(home: search.home), json: search.json, verbose: search.verbose)
                exit(0)
            } catch {
                exit(ExitStatus.report(error, json: json))
            }
        }
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
