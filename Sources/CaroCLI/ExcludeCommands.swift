import ArgumentParser
import CaroKit

/// `caro exclude add|list|remove|test|builtin`: what never enters history.
struct ExcludeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exclude",
        abstract: "Keep commands out of history: your regular expressions plus built-in secret filters.",
        subcommands: [Add.self, List.self, Remove.self, Test.self, Builtin.self])
}

extension ExcludeCommand {
    static func service(_ global: GlobalOptions) throws -> ExclusionService {
        ExclusionService(database: try HomeDatabase.open(global.deviceHome).database)
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add", abstract: "Never record commands matching a regular expression.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "A regular expression, matched anywhere in the command, prompt or explanation.") var pattern: String

        func run() throws {
            let added = try ExcludeCommand.service(global).add(pattern)
            CLIOutput.note(added ? "added exclusion pattern '\(pattern)'" : "the pattern '\(pattern)' was already there", global)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List your patterns and the built-in rules.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let current = try ExcludeCommand.service(global).current()
            if global.json {
                return try CLIOutput.json(ExclusionListOutput(
                    patterns: current.exclusionPatterns, builtin: current.builtinExclusions,
                    builtinRules: SecretRule.all.filter { !$0.summary.isEmpty }.map {
                        .init(name: $0.name, action: $0.action.rawValue, summary: $0.summary)
                    }))
            }
            var lines = current.exclusionPatterns.isEmpty ? ["(no patterns)"] : current.exclusionPatterns
            if global.verbose || !global.quiet {
                lines.append("built-in secret rules: \(current.builtinExclusions ? "on" : "off") (caro exclude builtin on|off)")
                if global.verbose {
                    lines += SecretRule.all.filter { !$0.summary.isEmpty }.map { "  \($0.name) (\($0.action.rawValue)): \($0.summary)" }
                }
            }
            CLIOutput.line(lines.joined(separator: "\n"))
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove", abstract: "Remove one of your patterns.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The pattern, exactly as added.") var pattern: String

        func run() throws {
            try ExcludeCommand.service(global).remove(pattern)
            CLIOutput.note("removed exclusion pattern '\(pattern)'", global)
        }
    }

    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "test",
            abstract: "Say what would happen to a command: exit 0 if a rule matches (dropped or redacted), 1 if kept as is.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The command to test.") var command: String

        func run() throws {
            let result = try ExcludeCommand.service(global).test(command)
            let (action, rules): (String, [String])
            switch result.verdict {
            case .keep: (action, rules) = ("keep", [])
            case .drop(let rule): (action, rules) = ("drop", [rule])
            case .redact(let names): (action, rules) = ("redact", names)
            }
            if global.json {
                try CLIOutput.json(ExclusionTestOutput(excluded: result.verdict.matched, action: action, rules: rules, stored: result.text))
            } else {
                switch result.verdict {
                case .keep: CLIOutput.line("kept: no rule matches")
                case .drop(let rule): CLIOutput.line("excluded: not recorded, matches \(rule)")
                case .redact(let names):
                    CLIOutput.line("redacted by \(names.joined(separator: ", ")): would be recorded as \(result.text ?? "")")
                }
            }
            if !result.verdict.matched { throw ExitCode(1) }
        }
    }

    struct Builtin: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "builtin", abstract: "Turn the built-in secret filters on or off.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "on or off.") var state: String

        func run() throws {
            let enabled: Bool
            switch state.lowercased() {
            case "on": enabled = true
            case "off": enabled = false
            default: throw CaroError.invalidArgument("caro exclude builtin takes on or off, not '\(state)'.")
            }
            try ExcludeCommand.service(global).setBuiltin(enabled)
            CLIOutput.note("built-in secret filters are \(enabled ? "on" : "off")", global)
        }
    }
}
