import Foundation
import JazzProto
import Testing

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// `caro history search -i` end to end, in a real terminal (tmux): what the picker shows, the keys,
/// what it prints, its exit status, the terminal left as it was, and Ctrl-R from the shell hooks.
@Suite("Interactive search (picker) in tmux", .serialized)
struct PickerTests {
    /// A home with a git work tree `work` (the shell's directory) and entries from several places.
    final class Fixture {
        let home: TemporaryHome
        let work: String
        let session: TmuxShell

        init(shell: String = "bash") throws {
            home = try TemporaryHome()
            work = home.path + "/work"
            try FileManager.default.createDirectory(atPath: work + "/.git", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: work + "/sub", withIntermediateDirectories: true)
            let other = home.path + "/other"
            let seeds: [(command: String, cwd: String, exit: Int, minutesAgo: Double, prompt: String?)] = [
                ("git status", work, 0, 60, "show what changed"),
                ("git push origin main", other, 1, 120, nil),
                ("make test", work + "/sub", 2, 180, nil),
                ("ls -la", other, 0, 10, nil),
                ("docker ps", other, 0, 1_440, "list containers"),
            ]
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            for seed in seeds {
                var arguments = ["history", "add", "--command", seed.command, "--cwd", seed.cwd, "--exit", String(seed.exit),
                                 "--at", formatter.string(from: Date().addingTimeInterval(-seed.minutesAgo * 60))]
                if let prompt = seed.prompt { arguments += ["--prompt", prompt] }
                let result = try home.caro(arguments: arguments)
                guard result.status == 0 else { throw TmuxError(message: "seeding failed: \(result.stderr)") }
            }
            session = try TmuxShell(shell: shell, directory: work, userHome: home.path + "/user")
        }

        deinit { session.stop() }

        var caro: String { ShellHookTests.quoted(CaroBinary.url.path) + " --home " + ShellHookTests.quoted(home.path) }
        var outputFile: String { home.path + "/picked" }
        var statusFile: String { home.path + "/status" }

        /// Starts the picker at the shell prompt, its stdout captured to a file (as `$(…)` would),
        /// and waits until it shows its mode line.
        func startPicker(_ arguments: String, environment: String = "") throws -> String {
            try? FileManager.default.removeItem(atPath: statusFile)
            try session.type("\(environment)\(caro) history search -i \(arguments) > \(outputFile); echo \"exit=$?\" > \(statusFile)")
            try session.keys("Enter")
            return try session.waitForScreen("the picker's mode line") { $0.contains("[all devices]") }
        }

        /// Waits for the picker to end; returns (what it printed, its exit status).
        func finished() throws -> (printed: String, status: String) {
            let deadline = Date().addingTimeInterval(15)
            while Date() < deadline {
                if let status = try? String(contentsOfFile: statusFile, encoding: .utf8), status.hasSuffix("\n") {
                    let printed = (try? String(contentsOfFile: outputFile, encoding: .utf8)) ?? "<no file>"
                    return (printed, status.trimmingCharacters(in: .whitespacesAndNewlines))
                }
                Thread.sleep(forTimeInterval: 0.05)
            }
            throw TmuxError(message: "the picker did not exit; screen:\n\((try? session.visible()) ?? "")")
        }

        /// The terminal is as before: normal screen, echo and line editing on.
        func expectTerminalRestored() throws {
            #expect(try session.tmux(["display-message", "-p", "-t", "0", "#{alternate_on}"]).trimmingCharacters(in: .whitespacesAndNewlines) == "0")
            let sttyFile = home.path + "/stty"
            try session.run("stty -a > \(ShellHookTests.quoted(sttyFile))")
            let settings = try String(contentsOfFile: sttyFile, encoding: .utf8).split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == ";" })
            #expect(settings.contains("echo") && settings.contains("icanon") && settings.contains("isig"), "\(settings)")
        }
    }

    /// The rows of the picker's screen (the lines after the query and the mode line).
    static func rows(_ screen: String) -> [String] {
        screen.split(separator: "\n").dropFirst(2).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    @Test func typingFiltersRowsShowPromptsAndCtrlRChangesTheMode() throws {
        let fixture = try Fixture()
        var screen = try fixture.startPicker("git")
        #expect(screen.hasPrefix("> git"))
        var rows = Self.rows(screen)
        #expect(rows.count == 2, "\(screen)")
        // Ranked: the success here before the failure elsewhere; the prompt beside its command; age and status.
        #expect(rows.first?.hasPrefix("> git status  # show what changed") == true, "\(screen)")
        #expect(rows.first?.hasSuffix("1h ago  ✓") == true, "\(screen)")
        #expect(rows.last?.hasPrefix("git push origin main") == true && rows.last?.hasSuffix("2h ago  ✗ 1") == true, "\(screen)")

        // Typing narrows; backspace widens again.
        try fixture.session.type(" pu")
        screen = try fixture.session.waitForScreen("one row for 'git pu'") { $0.hasPrefix("> git pu") && Self.rows($0).count == 1 }
        #expect(Self.rows(screen).first?.hasPrefix("> git push origin main") == true)
        try fixture.session.keys("BSpace", "BSpace", "BSpace")
        _ = try fixture.session.waitForScreen("two rows again") { $0.hasPrefix("> git\n") && Self.rows($0).count == 2 }

        // Ctrl-R: this host (all entries are from this host), this directory, this git workspace, all again.
        try fixture.session.keys("C-r")
        screen = try fixture.session.waitForScreen("host mode") { $0.contains("[this host]") }
        #expect(Self.rows(screen).count == 2)
        try fixture.session.keys("C-r")
        screen = try fixture.session.waitForScreen("directory mode") { $0.contains("[this directory]") }
        rows = Self.rows(screen)
        #expect(rows.count == 1 && rows.first?.hasPrefix("> git status") == true, "\(screen)")
        try fixture.session.keys("C-u")
        screen = try fixture.session.waitForScreen("directory mode, empty query") { $0.hasPrefix(">\n") || $0.hasPrefix("> \n") }
        #expect(Self.rows(screen).count == 1)
        try fixture.session.keys("C-r")
        screen = try fixture.session.waitForScreen("workspace mode") { $0.contains("[this git workspace]") }
        rows = Self.rows(screen)
        #expect(rows.count == 2 && rows.contains { $0.contains("git status") } && rows.contains { $0.contains("make test") }, "\(screen)")
        try fixture.session.keys("C-r")
        screen = try fixture.session.waitForScreen("all devices again") { $0.contains("[all devices]") }
        #expect(Self.rows(screen).count == 5)

        // A prompt is searchable.
        try fixture.session.type("contain")
        screen = try fixture.session.waitForScreen("the prompt's match") { $0.hasPrefix("> contain") && Self.rows($0).count == 1 }
        #expect(Self.rows(screen).first?.hasPrefix("> docker ps  # list containers") == true, "\(screen)")

        // Esc: nothing printed, exit 1, terminal restored.
        try fixture.session.keys("Escape")
        let result = try fixture.finished()
        #expect(result.printed.isEmpty)
        #expect(result.status == "exit=1")
        try fixture.expectTerminalRestored()
    }

    @Test func arrowsAndEnterPrintTheSelectedCommand() throws {
        let fixture = try Fixture()
        _ = try fixture.startPicker("git")
        // Down twice (stops at the last row), Up, Ctrl-N: the second row.
        try fixture.session.keys("Down", "Down", "Up", "C-n")
        try fixture.session.keys("Enter")
        let result = try fixture.finished()
        #expect(result.printed == "git push origin main\n")
        #expect(result.status == "exit=0")
        try fixture.expectTerminalRestored()

        // With --json: the chosen command's newest entry, as `history show --json` prints it.
        _ = try fixture.startPicker("--json containers")
        try fixture.session.keys("Enter")
        let json = try fixture.finished()
        #expect(json.status == "exit=0")
        let entry = try JSONValue(parsing: json.printed)
        #expect(entry["command"]?.stringValue == "docker ps" && entry["prompt"]?.stringValue == "list containers", "\(json.printed)")
    }

    @Test func exitMarksAreColouredUnlessNO_COLOR() throws {
        let fixture = try Fixture()
        for noColor in [false, true] {
            _ = try fixture.startPicker("git", environment: noColor ? "NO_COLOR=1 " : "")
            // With escape sequences (as tmux re-renders them): the red ✗ of the unselected failed row only
            // when colours are allowed, never green or red with NO_COLOR.
            let styled = try fixture.session.tmux(["capture-pane", "-p", "-e", "-t", "0"])
            #expect(styled.contains("\u{1B}[31m✗ 1") == !noColor, "NO_COLOR: \(noColor)\n\(styled)")
            #expect(!noColor || !styled.contains("\u{1B}[32m"))
            #expect(styled.contains(";7m"))  // the selected row, in reverse video either way
            try fixture.session.keys("Escape")
            #expect(try fixture.finished().status == "exit=1")
        }
    }

    @Test(arguments: ["C-c", "C-g"])
    func ctrlCAndCtrlGCancel(key: String) throws {
        let fixture = try Fixture()
        _ = try fixture.startPicker("")
        try fixture.session.keys(key)
        let result = try fixture.finished()
        #expect(result.printed.isEmpty)
        #expect(result.status == "exit=1")
        try fixture.expectTerminalRestored()
    }

    @Test func aResizeRedrawsAndSIGTERMRestoresTheTerminal() throws {
        let fixture = try Fixture()
        _ = try fixture.startPicker("")
        try fixture.session.tmux(["resize-window", "-t", "0", "-x", "50", "-y", "12"])
        let screen = try fixture.session.waitForScreen("the frame redrawn at 50 columns") { screen in
            let lines = screen.split(separator: "\n")
            return lines.count > 1 && lines[1].hasSuffix("…") && lines[1].count == 50
        }
        #expect(Self.rows(screen).allSatisfy { $0.count <= 50 })
        let shell = try fixture.session.tmux(["display-message", "-p", "-t", "0", "#{pane_pid}"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let children = try String(contentsOfFile: "/proc/\(shell)/task/\(shell)/children", encoding: .utf8)
        let picker = try #require(children.split(separator: " ").compactMap { pid_t($0) }.first)
        kill(picker, SIGTERM)
        let result = try fixture.finished()
        #expect(result.printed.isEmpty)
        #expect(result.status == "exit=143")
        try fixture.expectTerminalRestored()
    }

    @Test(arguments: ["bash", "zsh", "fish"])
    func ctrlRInTheShellOpensThePickerAndEnterPutsTheCommandOnTheLine(shell: String) throws {
        let fixture = try Fixture(shell: shell)
        let install = shell == "fish" ? "\(fixture.caro) init fish | source" : "eval \"$(\(fixture.caro) init \(shell))\""
        try fixture.session.run(install)
        try fixture.session.type("mak")
        try fixture.session.keys("C-r")
        let screen = try fixture.session.waitForScreen("the picker from Ctrl-R") { $0.contains("[all devices]") }
        #expect(screen.hasPrefix("> mak"))
        #expect(Self.rows(screen).first?.hasPrefix("> make test") == true, "\(screen)")
        try fixture.session.keys("Enter")
        let line = "\(ShellHookTests.prompt)make test"
        _ = try fixture.session.waitForScreen("the command on the shell's line") { screen in
            !screen.contains("[all devices]") && screen.split(separator: "\n").contains { $0.trimmingCharacters(in: .whitespaces) == line.trimmingCharacters(in: .whitespaces) }
        }
        // Esc from Ctrl-R leaves the line as it was.
        try fixture.session.keys("C-r")
        _ = try fixture.session.waitForScreen("the picker again") { $0.contains("[all devices]") && $0.hasPrefix("> make test") }
        try fixture.session.keys("Escape")
        _ = try fixture.session.waitForScreen("the line unchanged") { screen in
            !screen.contains("[all devices]") && screen.split(separator: "\n").contains { $0.trimmingCharacters(in: .whitespaces) == line.trimmingCharacters(in: .whitespaces) }
        }
    }

    @Test func ctrlRCanBeLeftAlone() throws {
        let fixture = try Fixture()
        #expect(try fixture.home.caro("init", "bash").stdout.contains("bind -m emacs -x"))
        let disabled = try fixture.home.caro("init", "bash", "--disable-ctrl-r")
        #expect(disabled.status == 0 && !disabled.stdout.contains("bind ") && disabled.stdout.contains("__caro_precmd"))
        for shell in ["zsh", "fish"] {
            let text = try fixture.home.caro("init", shell, "--disable-ctrl-r").stdout
            #expect(!text.contains("bindkey") && !text.contains("bind \\cr"))
        }
        // CARO_NO_CTRL_R=1 in a real bash: the hook records but leaves Ctrl-R to readline.
        let bindings = fixture.home.path + "/bindings"
        try fixture.session.run("CARO_NO_CTRL_R=1; eval \"$(\(fixture.caro) init bash)\"; bind -X > \(ShellHookTests.quoted(bindings))")
        #expect(try !String(contentsOfFile: bindings, encoding: .utf8).contains("__caro_search"))
        try fixture.session.run("unset CARO_NO_CTRL_R __caro_hooked; eval \"$(\(fixture.caro) init bash)\"; bind -X > \(ShellHookTests.quoted(bindings))")
        #expect(try String(contentsOfFile: bindings, encoding: .utf8).contains("__caro_search"))
    }

    @Test func withoutATerminalItSaysSoAndExits1() throws {
        let home = try TemporaryHome()
        // setsid: a new session without a controlling terminal, so /dev/tty cannot be opened.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setsid")
        process.arguments = ["--wait", CaroBinary.url.path, "--home", home.path, "history", "search", "-i"]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let printed = out.fileHandleForReading.readDataToEndOfFile()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 1)
        #expect(printed.isEmpty)
        #expect(message.contains("needs a terminal"), "\(message)")
    }
}

extension TmuxShell {
    /// The visible screen (no scrollback).
    func visible() throws -> String {
        try tmux(["capture-pane", "-p", "-t", "0"])
    }

    /// Sends tmux key names (`Enter`, `C-r`, `Down`, …).
    func keys(_ names: String...) throws {
        try tmux(["send-keys", "-t", "0"] + names)
    }

    /// Types `text` literally.
    func type(_ text: String) throws {
        try tmux(["send-keys", "-t", "0", "-l", text])
    }

    /// Polls the visible screen until `condition` holds (15 s at most), and returns it.
    @discardableResult
    func waitForScreen(_ what: String, _ condition: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(15)
        var screen = ""
        while Date() < deadline {
            screen = try visible()
            if condition(screen) { return screen }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw TmuxError(message: "timed out waiting for \(what); screen:\n\(screen)")
    }
}
