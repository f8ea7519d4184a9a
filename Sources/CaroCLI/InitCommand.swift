import ArgumentParser
import CaroKit
import Foundation

/// `caro init bash|zsh|fish`: prints the shell hook that records every command in Caro's history.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Print the shell hook that records every command you run in Caro's history.",
        discussion: """
            bash: add  eval "$(caro init bash)"  at the end of ~/.bashrc
            zsh:  add  eval "$(caro init zsh)"  at the end of ~/.zshrc
            fish: add  caro init fish | source  to ~/.config/fish/config.fish
            The hook calls this same caro binary, with this --home when one is given.
            Ctrl-R opens caro history search -i (--disable-ctrl-r or CARO_NO_CTRL_R=1 keeps the shell's own).
            """)

    @Argument(help: "The shell: bash, zsh or fish.")
    var shell: HistoryShell

    @Flag(help: "Do not bind Ctrl-R to Caro's interactive search (caro history search -i).")
    var disableCtrlR = false

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let home = [global.home, ProcessInfo.processInfo.environment["CARO_HOME"]].compactMap { $0 }.first { !$0.isEmpty }
        let script = ShellHook.script(for: shell, caroPath: ExecutablePath.current(),
                                      home: home.map(ExecutablePath.absolute), ctrlR: !disableCtrlR)
        FileHandle.standardOutput.write(Data(script.utf8))
    }
}

extension HistoryShell: ExpressibleByArgument {}

/// Where this `caro` binary is, as an absolute path the shell hooks can call later.
enum ExecutablePath {
    /// `argv[0]` made absolute: relative to the working directory when it has a slash, else looked up
    /// in `PATH` like the shell did. Symbolic links are kept (a package manager's link survives
    /// upgrades); `/proc/self/exe` is the last resort.
    static func current() -> String {
        let name = CommandLine.arguments.first ?? ""
        if name.contains("/") { return absolute(name) }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = absolute(String(directory)) + "/" + name
            if !name.isEmpty && FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return Bundle.main.executablePath.map(absolute) ?? absolute(name)
    }

    /// `path` made absolute against the working directory, with `.` and `..` resolved.
    static func absolute(_ path: String) -> String {
        let full = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        return URL(fileURLWithPath: full).standardizedFileURL.path
    }
}
