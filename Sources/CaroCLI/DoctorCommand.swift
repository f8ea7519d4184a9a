import ArgumentParser
import CaroKit
import JazzProto

/// `caro doctor`: checks the home, the database, secrets, config.toml and the relay; says what to do
/// about each problem. Exit 0 when nothing failed (warnings pass), 1 otherwise.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the home, database, secrets, config, relay and clock; say how to fix each problem.",
        discussion: "Exit status 0 when no check failed (warnings pass), 1 otherwise. Changes nothing.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let home = global.deviceHome
        // The relay check reports connection and TLS failures itself; libwebsockets' own lines only with -v.
        if !global.verbose { TransportLog.setHandler(minimumLevel: .error) { _ in } }
        let results = Doctor.run(home)
        if global.json {
            try CLIOutput.json(results.map(DoctorOutput.init))
        } else {
            let mode = (try? ConfigFile.load(home).color) ?? .auto
            CLIOutput.doctorReport(results, palette: Palette.resolve(mode), quiet: global.quiet)
        }
        if !Doctor.passed(results) { throw ExitCode(1) }
    }
}
