import ArgumentParser
import CaroKit

/// `caro prefs list|get|set`.
struct PrefsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prefs",
        abstract: "Show and change preferences (retention, exclusions).",
        subcommands: [List.self, Get.self, Set.self])
}

extension PrefsCommand {
    static func service(_ global: GlobalOptions) throws -> PreferencesService {
        PreferencesService(database: try HomeDatabase.open(global.deviceHome).database)
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List every preference and its value.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let preferences = try PrefsCommand.service(global).load()
            if global.json {
                return try CLIOutput.json(PreferencesOutput(preferences))
            }
            CLIOutput.line(Preferences.Key.allCases.map { "\($0.rawValue) = \(preferences.value(of: $0).text)" }.joined(separator: "\n"))
        }
    }

    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "get", abstract: "Print one preference's value.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "max-entries, retention-days or exclude-builtin.") var key: String

        func run() throws {
            let value = try PrefsCommand.service(global).get(key)
            if global.json { try CLIOutput.json(PreferenceOutput(key: key, value: PreferenceValue(value: value))) } else { CLIOutput.line(value.text) }
        }
    }

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set", abstract: "Change one preference.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "max-entries, retention-days or exclude-builtin.") var key: String
        @Argument(help: "The new value (a number, 0 = unlimited; or on/off).") var value: String

        func run() throws {
            let stored = try PrefsCommand.service(global).set(key, to: value)
            if global.json {
                try CLIOutput.json(PreferenceOutput(key: key, value: PreferenceValue(value: stored)))
            } else if !global.quiet {
                CLIOutput.line("\(key) = \(stored.text)")
            }
        }
    }
}
