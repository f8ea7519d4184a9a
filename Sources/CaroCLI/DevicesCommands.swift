import ArgumentParser
import CaroKit

/// `caro devices list`.
struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices", abstract: "The devices of this identity.", subcommands: [List.self, Rename.self, Remove.self])
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

extension DevicesCommand {
    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove",
            abstract: "Remove a device: it can read nothing written afterwards (needs the 24 words).",
            discussion: "Revokes the device in the identity's group, rotates the read key and the field key. The words come from --words-file, else standard input when it is not a terminal, else a hidden prompt.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The device ID (or a unique prefix), from caro devices list.") var id: String
        @Option(name: .customLong("words-file"), help: "Read the 24 words from this file.") var wordsFile: String?
        @Flag(help: "Do not ask for confirmation.") var yes = false

        func run() async throws {
            if wordsFile == nil && RecoveryWordsInput.isInteractive && !yes
                && !Confirmation.ask("Remove device \(id)? It will not see anything written from now on.")
            {
                throw CaroError.needsConfirmation("Not removed: confirm, or pass --yes.")
            }
            let phrase = try RecoveryWordsInput.read(file: wordsFile)
            let removed = try await DeviceRemoval(home: global.deviceHome).remove(id, phrase: phrase)
            if global.json { return try CLIOutput.json(DeviceOutput(removed, current: "")) }
            CLIOutput.note("removed \(removed.id) (\(removed.name)); the read key and the field key were rotated", global)
        }
    }
}

extension DevicesCommand {
    struct Rename: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rename", abstract: "Rename a device, for every device (syncs first).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The device ID (or a unique prefix), from caro devices list.") var id: String
        @Argument(help: "The new name (public: device names are in each device account's profile).") var name: String

        func run() async throws {
            let renamed = try await SyncSession(home: global.deviceHome).renameDevice(id, to: name)
            if global.json { return try CLIOutput.json(DeviceOutput(renamed, current: "")) }
            CLIOutput.note("\(renamed.id) is now named \(renamed.name)", global)
        }
    }
}
