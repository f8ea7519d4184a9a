import CaroKit
import CaroStore

/// What `caro history add` was asked to record, however its arguments were parsed (by
/// ``HistoryCommand/Add`` or by ``FastAdd``), and the one place that records it.
struct AddRequest {
    var command: String
    var prompt: String?
    var explanation: String?
    var cwd: String?
    var exitCode: Int?
    var durationMs: Int64?
    var shell: String?
    var safetyLevel: String?
    var tags: [String] = []
    var executed = true
    var at: String?

    func run(home: DeviceHome, json: Bool, quiet: Bool, verbose: Bool) throws {
        let createdAt = try at.map { text throws(CaroError) -> Int64 in
            guard let time = Timestamp.parseISO8601(text) else {
                throw .invalidArgument("--at '\(text)' is not an ISO 8601 time: use e.g. 2026-12-05T14:30:00Z or 2026-12-05.")
            }
            return time
        }
        if let durationMs, durationMs < 0 { throw CaroError.invalidArgument("--duration must be 0 or more milliseconds.") }
        let entry = NewHistoryEntry(
            command: command, prompt: prompt, explanation: explanation, executed: executed, exitCode: exitCode,
            durationMs: durationMs, cwd: HistoryFilters.absolute(cwd ?? ".", from: HistoryFilters.currentDirectory()),
            shell: shell ?? DeviceHome.processEnvironment("SHELL").flatMap { $0.split(separator: "/").last.map(String.init) },
            safetyLevel: safetyLevel, tags: tags, createdAt: createdAt)
        let service = try HistoryService(home: home)
        switch try service.add(entry) {
        case .stored(let row, let verdict):
            AutoSync.afterAdd(home: home, now: Timestamp.now()) { (try? service.preferences())?.syncFrequencyMinutes ?? 0 }
            if case .redact(let rules) = verdict, verbose {
                CLIOutput.note("secrets redacted (\(rules.joined(separator: ", "))) before storing", quiet: quiet)
            }
            if json { try CLIOutput.json(EntryOutput(row)) } else if !quiet { CLIOutput.line(row.id) }
        case .excluded(let rule):
            CLIOutput.note("not recorded: the command matches the exclusion rule \(rule)", quiet: quiet)
            if json { try CLIOutput.json(ExcludedOutput(rule: rule)) }
        }
    }
}

/// The hot path of `caro history add` (the shell hooks run it after every command): a direct reader
/// of well-formed arguments, so that argument-parser's reflection (most of the process's start-up
/// time) is skipped. Anything it does not recognise exactly — `--help`, an unknown option, a missing
/// or non-numeric value, a value that looks like an option — returns nil, and the full parser then
/// handles (and reports) it, so both paths accept the same command lines with the same meaning.
enum FastAdd {
    struct Parsed {
        var request: AddRequest
        var home: String?
        var json = false
        var quiet = false
        var verbose = false
    }

    /// `arguments` after hoisting (`history add …`), or nil to use the full parser.
    static func parse(_ arguments: [String]) -> Parsed? {
        guard arguments.count >= 2, arguments[0] == "history", arguments[1] == "add" else { return nil }
        var request = AddRequest(command: "")
        var command: String?
        var parsed = Parsed(request: request)
        var reader = FastOptionReader(arguments, from: 2)
        while let (name, value) = reader.next() {
            switch name {
            case "--json", "--quiet", "-q", "--verbose", "-v", "--executed", "--not-executed":
                guard value == nil else { return nil }
                switch name {
                case "--json": parsed.json = true
                case "--quiet", "-q": parsed.quiet = true
                case "--verbose", "-v": parsed.verbose = true
                case "--executed": request.executed = true
                default: request.executed = false
                }
            case "--exit":
                guard let text = reader.value(value), let number = Int(text) else { return nil }
                request.exitCode = number
            case "--duration":
                guard let text = reader.value(value), let number = Int64(text) else { return nil }
                request.durationMs = number
            case "--home", "--command", "--prompt", "--explanation", "--cwd", "--shell", "--safety", "--tag", "--at":
                guard let text = reader.value(value) else { return nil }
                switch name {
                case "--home": parsed.home = text
                case "--command": command = text
                case "--prompt": request.prompt = text
                case "--explanation": request.explanation = text
                case "--cwd": request.cwd = text
                case "--shell": request.shell = text
                case "--safety": request.safetyLevel = text
                case "--tag": request.tags.append(text)
                default: request.at = text
                }
            default:
                return nil
            }
        }
        guard let command else { return nil }
        request.command = command
        parsed.request = request
        return parsed
    }
}
