import CaroKit
import Foundation
import JazzProto
import Testing

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// `caro init bash|zsh|fish` end to end: real interactive shells in a tmux pseudo-terminal (with job
/// control on, as for a user) run the printed hook and a few commands; `caro history list` must then
/// show exactly what ran, and the terminal nothing but the commands' own output.
@Suite("Shell hooks in real shells", .serialized)
struct ShellHookTests {
    /// The prompt every test shell shows, so the test can tell when a command has finished.
    static let prompt = "caro-test> "

    @Test(arguments: ["bash", "zsh", "fish"])
    func recordsWhatRanAndPrintsNothing(shell: String) throws {
        let home = try TemporaryHome()
        let work = home.path + "/work dir"
        let subdirectory = work + "/sub"
        try FileManager.default.createDirectory(atPath: subdirectory, withIntermediateDirectories: true)
        let session = try TmuxShell(shell: shell, directory: work, userHome: home.path + "/user")
        defer { session.stop() }

        let caro = ShellHookTests.quoted(CaroBinary.url.path)
        let install = shell == "fish" ? "\(caro) init fish --home \(Self.quoted(home.path)) | source"
            : "eval \"$(\(caro) init \(shell) --home \(Self.quoted(home.path)))\""
        try session.run(install)
        try session.run("echo hello caro")
        try session.run("sh -c 'exit 3'")
        try session.run("sleep 0.2")
        try session.run(" echo secret-with-space")
        try session.run("cd sub")
        try session.run("echo in-subdir")

        let expected = ["echo hello caro", "sh -c 'exit 3'", "sleep 0.2", "cd sub", "echo in-subdir"]
        let entries = try Self.waitForEntries(home, count: expected.count)
        #expect(entries.map { $0["command"]?.stringValue } == expected)
        #expect(entries.map { $0["exitCode"]?.int64Value } == [0, 3, 0, 0, 0])
        #expect(entries.map { $0["cwd"]?.stringValue } == [work, work, work, work, subdirectory])
        #expect(entries.allSatisfy { $0["shell"]?.stringValue == shell && $0["executed"]?.boolValue == true })
        let sleepMs = try #require(entries[2]["durationMs"]?.int64Value)
        #expect(sleepMs >= 200 && sleepMs < 5_000)
        #expect(entries.allSatisfy { ($0["durationMs"]?.int64Value ?? -1) >= 0 })

        // Only the commands' own output between the prompts: no job-control lines, no errors.
        let screen = try session.screen()
        let output = screen.split(separator: "\n").map { String($0).trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix(Self.prompt.trimmingCharacters(in: .whitespaces)) && $0 != "%" }
        #expect(output == ["hello caro", "secret-with-space", "in-subdir"], "screen:\n\(screen)")
    }

    /// Each hook stamps an entry with the time its command started, not the time its background
    /// `caro history add` happens to run: a wrapper around `caro` holds the first command's add back by a
    /// second, so the second command's entry is stored first, and the list must still show them in the
    /// order they ran.
    @Test(arguments: ["bash", "zsh", "fish"])
    func entriesKeepTheOrderTheirCommandsRanInWhenTheirAddsRunOutOfOrder(shell: String) throws {
        let home = try TemporaryHome()
        let wrapper = home.path + "/slow caro"
        try """
            #!/bin/bash
            for argument in "$@"; do [[ $argument == '--command=echo first' ]] && sleep 1; done
            exec -a "$0" \(Self.quoted(CaroBinary.url.path)) "$@"

            """.write(toFile: wrapper, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: wrapper)
        let session = try TmuxShell(shell: shell, directory: home.path, userHome: home.path + "/user")
        defer { session.stop() }

        // Run as the wrapper, `caro init` prints a hook that calls the wrapper.
        let caro = Self.quoted(wrapper)
        let install = shell == "fish" ? "\(caro) init fish --home \(Self.quoted(home.path)) | source"
            : "eval \"$(\(caro) init \(shell) --home \(Self.quoted(home.path)))\""
        try session.run(install)
        try session.run("echo first")
        try session.run("echo second")

        let entries = try Self.waitForEntries(home, count: 2)
        #expect(entries.map { $0["command"]?.stringValue } == ["echo first", "echo second"])
        let times = entries.compactMap { $0["createdAt"]?.stringValue }.compactMap(Timestamp.parseISO8601)
        #expect(times.count == 2 && times[0] < times[1], "\(entries)")
    }

    @Test func theHookCallsThisBinaryWithTheHomeGiven() throws {
        let home = try TemporaryHome()
        let binary = CaroBinary.url
        // The working directory as the process sees it (.build/debug is a link).
        let directory = binary.deletingLastPathComponent().resolvingSymlinksInPath().path
        // Run as `./caro` from its folder, with a relative --home: the hook must hold absolute paths.
        let relative = try ExternalProcess.run(directory + "/caro", ["init", "bash", "--home", "rel home"], argv0: "./caro",
                                               currentDirectory: directory).stdout
        #expect(relative.contains("__caro_command=('\(directory)/caro' '--home' '\(directory)/rel home')"), "\(relative)")
        let fromEnvironment = try ExternalProcess.run(binary.path, ["init", "zsh"], environment: ["CARO_HOME": home.path]).stdout
        #expect(fromEnvironment.contains("__caro_command=('\(binary.path)' '--home' '\(home.path)')"))
        let plain = try ExternalProcess.run(binary.path, ["init", "fish"], environment: ["CARO_HOME": nil]).stdout
        #expect(plain.contains("set -g __caro_command '\(binary.path)'\n"))
        for text in [relative, fromEnvironment, plain] {
            #expect(text.contains("__caro_search"))  // Ctrl-R opens the picker (PickerTests)
        }
    }

    /// The binary and home are quoted so each shell reads them back unchanged, whatever they contain.
    @Test(arguments: ["bash", "zsh", "fish"])
    func pathsWithQuotesAndSpacesSurviveQuoting(shell: String) throws {
        let path = #"/tmp/it's a "dir" \ with $HOME and `x`"#
        let word = shell == "fish" ? ShellHook.fishQuoted(path) : ShellHook.posixQuoted(path)
        let flags = ["bash": ["--norc", "-c"], "zsh": ["-f", "-c"], "fish": ["--no-config", "-c"]][shell] ?? []
        let result = try ExternalProcess.run("/usr/bin/env", [shell] + flags + ["printf '%s' \(word)"])
        #expect(result.status == 0)
        #expect(result.stdout == path)
    }

    @Test func anUnknownShellIsAUsageError() throws {
        let result = try CaroBinary.run(["init", "tcsh"])
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("bash"))
    }

    // MARK: Helpers

    static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }

    /// Polls `history list` until `count` entries are there (the hook adds them in the background), then
    /// checks no more arrive. Oldest first.
    static func waitForEntries(_ home: TemporaryHome, count: Int) throws -> [JSONValue] {
        let deadline = Date().addingTimeInterval(20)
        var entries: [JSONValue] = []
        repeat {
            let result = try home.caro("history", "list", "--reverse", "--json")
            if result.status == 0, let array = try JSONValue(parsing: result.stdout).arrayValue { entries = array }
            if entries.count >= count { break }
            Thread.sleep(forTimeInterval: 0.1)
        } while Date() < deadline
        Thread.sleep(forTimeInterval: 0.3)
        let result = try home.caro("history", "list", "--reverse", "--json")
        return try JSONValue(parsing: result.stdout).arrayValue ?? entries
    }
}

/// One interactive shell in its own tmux server (own socket), with job control, a clean configuration
/// and a known prompt.
final class TmuxShell {
    let socket: String
    let prompt = ShellHookTests.prompt
    /// The tmux server's and the shell's process IDs, to make sure they are gone at the end.
    private var processes: [pid_t] = []

    init(shell: String, directory: String, userHome: String) throws {
        socket = "/tmp/caro-tmux-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: userHome, withIntermediateDirectories: true)
        let command: [String]
        switch shell {
        case "bash": command = ["bash", "--norc", "--noprofile", "-i"]
        case "zsh": command = ["zsh", "-f", "-i"]
        default:
            // fish has no PS1: its prompt is a function, defined before the first prompt.
            command = ["fish", "--no-config", "-i", "-C", "function fish_prompt; echo -n '\(prompt)'; end; set -g fish_greeting"]
        }
        let environment = [
            "HOME=\(userHome)", "XDG_DATA_HOME=\(userHome)/data", "XDG_CONFIG_HOME=\(userHome)/config", "TERM=xterm-256color",
            "PS1=\(prompt)", "PROMPT=\(prompt)", "PATH=\(ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")",
        ]
        // The tmux server forks from this call and would keep a pipe open: its output goes nowhere.
        try tmux(capturing: false, ["-f", "/dev/null", "new-session", "-d", "-x", "220", "-y", "80", "-c", directory, "--", "env", "-i"]
            + environment + ["CARO_HOME="] + command)
        processes = try tmux(["display-message", "-p", "-t", "0", "#{pid} #{pane_pid}"])
            .split(separator: " ").compactMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        try waitForPrompts(1)
    }

    /// Types `line` and Enter, and waits for the next prompt.
    func run(_ line: String) throws {
        let before = try promptCount()
        try tmux(["send-keys", "-t", "0", "-l", line])
        try tmux(["send-keys", "-t", "0", "Enter"])
        try waitForPrompts(before + 1)
    }

    /// The whole terminal: scrollback and screen.
    func screen() throws -> String {
        try tmux(["capture-pane", "-p", "-J", "-S", "-", "-t", "0"])
    }

    func stop() {
        _ = try? tmux(["kill-server"])
        for process in processes { kill(process, SIGKILL) }
        try? FileManager.default.removeItem(atPath: socket)
    }

    private func promptCount() throws -> Int {
        // Occurrences, not lines: a command line exactly as wide as the terminal leaves the cursor at the
        // end of a wrapped row, and `capture-pane -J` joins the next prompt onto it.
        let marker = prompt.trimmingCharacters(in: .whitespaces)
        return try screen().components(separatedBy: marker).count - 1
    }

    private func waitForPrompts(_ count: Int) throws {
        let deadline = Date().addingTimeInterval(15)
        while try promptCount() < count {
            guard Date() < deadline else {
                throw TmuxError(message: "the shell did not show prompt \(count) in time; screen:\n\((try? screen()) ?? "")")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    @discardableResult
    func tmux(capturing: Bool = true, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        // The tmux server forks from the first call and lives on: it must not inherit this process's
        // descriptors (Foundation learns that a child ended when the last copy of one is closed).
        let closeInherited = #"for f in /proc/$$/fd/*; do n=${f##*/}; if (( n > 2 )); then eval "exec $n>&-"; fi; done"#
        process.arguments = ["-c", closeInherited + #" 2>/dev/null; exec tmux "$@""#, "bash", "-S", socket] + arguments
        let out = Pipe()
        process.standardOutput = capturing ? out : FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = capturing ? out.fileHandleForReading.readDataToEndOfFile() : Data()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TmuxError(message: "tmux \(arguments.joined(separator: " ")) failed (\(process.terminationStatus)); "
                + "is tmux installed (scripts/setup.sh)?")
        }
        return String(decoding: data, as: UTF8.self)
    }
}

struct TmuxError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
