import ArgumentParser
import CaroKit

/// `caro devices list`.
struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices", abstract: "The devices of this identity.", subcommands: [List.self])
}

extension DevicesCommand {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List the devices (as of the last sync).")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let (devices, current) = try SyncStatusService(home: global.deviceHome).devices()
            if global.json { return try CLIOutput.json(devices.map { DeviceOutput($0, current: current) }) }
            CLIOutput.line(devices.map { device in
                "\(device.id == current ? "*" : " ") \(device.id)  \(device.name)  \(device.platform)  caro \(device.caroVersion)  last seen \(Timestamp.iso8601(device.lastSeen))\(device.active ? "" : "  (removed)")"
            }.joined(separator: "\n"))
        }
    }
}
