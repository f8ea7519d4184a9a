import ArgumentParser
import JazzProto

/// `caro`: command history, preferences and devices, synced end-to-end encrypted through Jazz relays.
/// (The entry point is ``CaroMain``.)
struct CaroCommand: AsyncParsableCommand {
    /// `caro --help` is the table of contents, one group per area (Docs/cli.md has a section for each
    /// command; a test checks that the two list the same commands).
    static let configuration = CommandConfiguration(
        commandName: "caro",
        abstract: "Caro's memory: history, preferences and devices, synced end-to-end encrypted through Jazz relays.",
        discussion: "Every command has --help; all of them are described in Docs/cli.md.",
        version: "0.1.0",
        groupedSubcommands: [
            CommandGroup(name: "History", subcommands: [HistoryCommand.self, ExcludeCommand.self, PrefsCommand.self, ExportCommand.self,
                                                        ImportCommand.self, CommunityCommand.self]),
            CommandGroup(name: "Sync", subcommands: [SyncCommand.self, DevicesCommand.self, KeyCommand.self]),
            CommandGroup(name: "Setup", subcommands: [InitCommand.self, ConfigCommand.self, DoctorCommand.self, CompletionsCommand.self]),
            CommandGroup(name: "Jazz", subcommands: [RelayCommand.self, JazzCommand.self, DemoCommand.self]),
        ])
}

/// `caro jazz …`: tools for Jazz data.
struct JazzCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jazz",
        abstract: "Low-level tools for Jazz (cojson) data.",
        subcommands: [JazzIdentityCommand.self, JazzReplayCommand.self, JazzInspectCommand.self])
}
