import ArgumentParser
import CaroKit

/// `caro config get|set|unset|list|path`: the device-local settings in `config.toml` (Docs/config.md).
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Show and change this device's settings in config.toml (relay, auto-sync, color; never synced).",
        subcommands: [List.self, Get.self, Set.self, Unset.self, Path.self])
}

extension ConfigCommand {
    /// Runs `body`, reporting ``ConfigError``s with their exit codes.
    static func run<T>(_ body: () throws(ConfigError) -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw error.caroError
        }
    }

    /// Shell completion of a key argument.
    static let keys = CompletionKind.list(DeviceConfig.Key.allCases.map(\.rawValue))

    static func key(_ name: String) throws -> DeviceConfig.Key {
        try run { () throws(ConfigError) in try DeviceConfig.Key.named(name) }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List every setting and its value.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let config = try ConfigCommand.run { () throws(ConfigError) in try ConfigFile.load(global.deviceHome) }
            if global.json { return try CLIOutput.json(ConfigOutput(config)) }
            CLIOutput.line(DeviceConfig.Key.allCases.map { key in
                config.value(of: key).map { "\(key.rawValue) = \($0)" } ?? "# \(key.rawValue): not set"
            }.joined(separator: "\n"))
        }
    }

    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "get", abstract: "Print one setting's value (nothing for an unset one).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "relay, relay-ca-file, auto-sync or color.", completion: ConfigCommand.keys) var key: String

        func run() throws {
            let key = try ConfigCommand.key(key)
            let config = try ConfigCommand.run { () throws(ConfigError) in try ConfigFile.load(global.deviceHome) }
            try ConfigOutput.print(key, config, global, isResult: true)
        }
    }

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set", abstract: "Change one setting.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "relay, relay-ca-file, auto-sync or color.", completion: ConfigCommand.keys) var key: String
        @Argument(help: "The new value (no quotes needed).") var value: String

        func run() throws {
            let key = try ConfigCommand.key(key)
            let value = DeviceConfig.commandLineValue(value, for: key)
            let config = try ConfigCommand.run { () throws(ConfigError) in
                // Check the value alone first, so a bad value is a usage error naming the key, not a line.
                var check = DeviceConfig()
                try check.set(key, to: value)
                return try ConfigFile.set(key, to: value, in: global.deviceHome)
            }
            try ConfigOutput.print(key, config, global)
        }
    }

    struct Unset: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "unset", abstract: "Remove a setting (back to its default).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "relay, relay-ca-file, auto-sync or color.", completion: ConfigCommand.keys) var key: String

        func run() throws {
            let key = try ConfigCommand.key(key)
            let config = try ConfigCommand.run { () throws(ConfigError) in try ConfigFile.set(key, to: nil, in: global.deviceHome) }
            try ConfigOutput.print(key, config, global)
        }
    }

    struct Path: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "path", abstract: "Print where config.toml is (it may not exist yet).")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let path = ConfigFile.path(in: global.deviceHome)
            if global.json { return try CLIOutput.json(["path": path]) }
            CLIOutput.line(path)
        }
    }
}
