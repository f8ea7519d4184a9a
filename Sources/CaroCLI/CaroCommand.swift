import ArgumentParser
import JazzProto

/// `caro`: command history, preferences and devices, synced end-to-end encrypted through Jazz relays.
/// (The entry point is ``CaroMain``.)
struct CaroCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "caro",
        abstract: "Caro's memory: history, preferences and devices, synced end-to-end encrypted through Jazz relays.",
        version: "0.1.0",
        subcommands: [
            HistoryCommand.self, PrefsCommand.self, ExcludeCommand.self, RelayCommand.self, JazzCommand.self, DemoCommand.self,
            ConfigCommand.self, DoctorCommand.self, CompletionsCommand.self,
        ])
}

/// `caro jazz …`: tools for Jazz data.
struct JazzCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jazz",
        abstract: "Low-level tools for Jazz (cojson) data.",
        subcommands: [JazzIdentityCommand.self, JazzReplayCommand.self, JazzInspectCommand.self])
}
