import ArgumentParser
import CaroKit
import JazzProto

/// `caro doctor`: checks the home, the database, secrets, config.toml and the relay; says what to do
/// about each problem. Exit 0 when nothing failed (warnings pass), 1 otherwise.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the home, database, secrets, config, relay and clock; say how to fix each problem.",
        discussion: """
            Exit status 0 when no check failed (warnings pass), 1 otherwise. Changes nothing, except with --repair: \
            a damaged caro.db is moved aside as caro.db.corrupt-<time>, every readable entry, preference and exclusion \
            is copied into a new one, and the next caro sync now fills in what the relay has.
            """)

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Rebuild a damaged database, keeping every readable row (the damaged file is kept aside).")
    var repair = false

    func run() throws {
        let home = global.deviceHome
        if repair { return try runRepair(home) }
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

extension DoctorCommand {
    func runRepair(_ home: DeviceHome) throws {
        let outcome = try DatabaseRepair(home: home).run()
        if global.json { return try CLIOutput.json(RepairOutput(outcome)) }
        guard outcome.repaired, let aside = outcome.movedTo else {
            return CLIOutput.note("\(outcome.reason)", global)
        }
        CLIOutput.note("repaired \(home.databasePath) (\(outcome.reason)); the damaged file is kept as \(aside)", global)
        for table in outcome.tables {
            CLIOutput.line("\(table.name): " + (table.readable ? "\(table.kept) rows kept, \(table.unreadable) unreadable" : "unreadable"))
        }
        CLIOutput.line("\(outcome.entries) entries; if sync is set up, run caro sync now to fetch what the relay has of the rest")
    }
}
