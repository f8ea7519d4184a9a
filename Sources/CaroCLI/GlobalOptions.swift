import ArgumentParser
import CaroKit

/// The options every product command takes (`@OptionGroup var global: GlobalOptions`). They may also
/// stand before the subcommand (`caro --home DIR history add …`): ``CaroMain`` moves them after it.
struct GlobalOptions: ParsableArguments {
    @Option(name: .customLong("home"),
            help: ArgumentHelp("The device home (data and config) directory; default: $CARO_HOME, else the XDG directories.",
                               valueName: "dir"))
    var home: String?

    @Flag(name: .customLong("json"), help: "Print machine-readable JSON (shapes in Docs/cli.md).")
    var json = false

    @Flag(name: [.customShort("q"), .customLong("quiet")], help: "Print only results and errors.")
    var quiet = false

    @Flag(name: [.customShort("v"), .customLong("verbose")], help: "Print more detail.")
    var verbose = false

    /// The resolved device home.
    var deviceHome: DeviceHome { DeviceHome.resolve(home: home) }

    /// The names of the global options, and whether each takes a value (for hoisting).
    static let names: [String: Bool] = ["--home": true, "--json": false, "--quiet": false, "-q": false, "--verbose": false, "-v": false]

    /// Moves global options given before the subcommand to the end of the arguments (before a `--`
    /// terminator), where the subcommand's own `@OptionGroup` parses them.
    static func hoisted(_ arguments: [String]) -> [String] {
        var leading: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            let name = argument.split(separator: "=", maxSplits: 1).first.map(String.init) ?? argument
            guard let takesValue = names[name] else { break }
            leading.append(argument)
            if takesValue && !argument.contains("=") && index + 1 < arguments.count {
                leading.append(arguments[index + 1])
                index += 1
            }
            index += 1
        }
        guard !leading.isEmpty else { return arguments }
        var rest = Array(arguments[index...])
        // Only commands that declare the options can take them; `caro --json --help` and the like stay as typed.
        guard let first = rest.first, !first.hasPrefix("-") else { return arguments }
        let terminator = rest.firstIndex(of: "--") ?? rest.count
        rest.insert(contentsOf: leading, at: terminator)
        return rest
    }
}
