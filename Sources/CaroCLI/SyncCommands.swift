import ArgumentParser
import CaroKit
import Foundation
import JazzProto

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// `caro sync init|join|now|status`.
struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Sync history, preferences and devices end-to-end encrypted through a Jazz relay.",
        subcommands: [Init.self, Join.self, Now.self, Watch.self, Status.self, Pause.self, Resume.self, Reset.self, SyncRevokeIdentityCommand.self])
}

extension SyncCommand {
    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init",
            abstract: "Create a new identity (24 recovery words) and make this device its first device.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "The relay (ws:// or wss://, e.g. wss://cloud.jazz.tools/?key=you@example.com).") var relay: String
        @Option(name: .customLong("words-file"), help: "Write the 24 words only to this new file (mode 0600) instead of printing them.")
        var wordsFile: String?
        @Option(name: .customLong("device-name"), help: "This device's name (default: the host name).") var deviceName: String?
        @Option(help: "A PEM file of CA certificates to trust for a wss:// relay instead of the system store (kept for later syncs).")
        var ca: String?

        func run() async throws {
            let home = global.deviceHome
            let identity = try SyncSetupWords.newIdentity()
            if let wordsFile { try SyncSetupWords.write(identity.phrase, to: wordsFile) }
            let outcome: SyncSetup.Outcome
            do {
                outcome = try await SyncSetup(home: home).initialize(relay: relay, deviceName: deviceName, caFile: ca, identity: identity)
            } catch {
                if let wordsFile { unlink(wordsFile) }
                throw error
            }
            // The words are shown as soon as the identity exists: a failure of the first push below must
            // not lose them (the push is retried by the next caro sync now).
            if global.json {
                try CLIOutput.json(SyncSetupOutput(
                    identity: outcome.credentials.identity, deviceAccount: outcome.credentials.account, relay: relay,
                    words: wordsFile == nil ? identity.phrase : nil, restored: 0))
            } else if let wordsFile {
                CLIOutput.note("the 24 recovery words are in \(wordsFile) (only you can read it); keep them safe, they are the only way to add a device", global)
            } else {
                CLIOutput.note("your 24 recovery words (shown once; write them down, they are the only way to add a device):", global)
                CLIOutput.line(identity.phrase)
            }
            let summary = try await SyncSession(home: home).syncNow()
            CLIOutput.note("identity \(outcome.credentials.identity) created on \(relay); \(SyncWording.count(summary.pushed, "entry", "entries")) pushed", global)
        }
    }

    struct Join: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "join",
            abstract: "Add this device to an identity with its 24 words, and restore everything.",
            discussion: "The words come from --words-file, else standard input when it is not a terminal, else a hidden prompt. The device keeps only its own secret, never the words.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "The relay (ws:// or wss://).") var relay: String
        @Option(name: .customLong("words-file"), help: "Read the 24 words from this file.") var wordsFile: String?
        @Option(name: .customLong("device-name"), help: "This device's name (default: the host name).") var deviceName: String?
        @Option(help: "A PEM file of CA certificates to trust for a wss:// relay instead of the system store (kept for later syncs).")
        var ca: String?
        @Option(help: "Seconds the relay may take to answer each step before join gives up (nothing is set up then).")
        var timeout: Int = 60

        func run() async throws {
            guard timeout > 0 else { throw CaroError.invalidArgument("--timeout must be a whole number of seconds above 0, not \(timeout).") }
            let phrase = try RecoveryWordsInput.read(file: wordsFile)
            // On a terminal, one progress line rewritten in place (stderr): the steps, then a bar for the restore.
            let showProgress = isatty(STDERR_FILENO) != 0 && !global.quiet
            let bar = ProgressBar(enabled: showProgress, label: "restoring history", unit: "batches")
            let outcome = try await SyncSetup(home: global.deviceHome, answerTimeout: .seconds(timeout)).join(
                relay: relay, phrase: phrase, deviceName: deviceName, caFile: ca
            ) { progress in
                switch progress {
                case .step(let step):
                    if showProgress { FileHandle.standardError.write(Data("\r\u{1B}[Kcaro: \(step)…".utf8)) }
                case .restoring(let done, let total):
                    bar?.show(done, of: total)
                }
            }
            bar?.finish()
            if showProgress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            // Entries this home recorded before joining go out now (nothing to do, and no connection, otherwise).
            if outcome.pending > 0 {
                _ = try await SyncSession(home: global.deviceHome).syncNow()
            }
            if global.json {
                return try CLIOutput.json(SyncSetupOutput(
                    identity: outcome.credentials.identity, deviceAccount: outcome.credentials.account, relay: relay, words: nil,
                    restored: outcome.restored))
            }
            CLIOutput.note("joined identity \(outcome.credentials.identity); \(SyncWording.count(outcome.restored, "entry", "entries")) restored", global)
        }
    }

    struct Now: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "now", abstract: "Push what is pending, pull what other devices wrote, and exit.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Use this relay instead of the configured one.") var relay: String?
        @Flag(name: .customLong("if-idle"), help: .hidden) var ifIdle = false
        @Option(help: "Seconds the relay may stay silent while sending its changes or acknowledging the push before sync gives up (exit 1; nothing is lost).")
        var timeout: Int = 30

        func run() async throws {
            guard timeout > 0 else { throw CaroError.invalidArgument("--timeout must be a whole number of seconds above 0, not \(timeout).") }
            // On a terminal, a bar while a large backlog (a first sync, a long time offline) is applied.
            let bar = ProgressBar(enabled: isatty(STDERR_FILENO) != 0 && !global.quiet, label: "applying history", unit: "batches")
            let summary = try await SyncSession(home: global.deviceHome, timeouts: .init(answerWithin: timeout)).syncNow(
                relayOverride: relay, lockWaitMilliseconds: ifIdle ? 0 : 30_000, progress: bar.map { bar in { bar.show($0, of: $1) } })
            bar?.finish()
            if global.json { return try CLIOutput.json(SyncNowOutput(summary)) }
            CLIOutput.note(SyncWording.summary(summary), global)
        }
    }

    struct Watch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "watch",
            abstract: "Stay connected: push new entries within about a second, apply other devices' changes as they arrive.",
            discussion: "Prints one line per sync that did something (JSON Lines with --json). Stop it with Ctrl-C: nothing is lost.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Use this relay instead of the configured one.") var relay: String?

        func run() async throws {
            let json = global.json
            let quiet = global.quiet
            try await SyncSession(home: global.deviceHome).watch(relayOverride: relay, problem: { error in
                CLIOutput.note("\(error.description) (retrying)", quiet: quiet)
            }) { summary in
                if json {
                    try? CLIOutput.json(SyncNowOutput(summary))
                } else if !quiet {
                    CLIOutput.line(SyncWording.summary(summary))
                }
            }
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status", abstract: "Show whether sync is set up, the relay, pending entries and the last sync.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let status = try SyncStatusService(home: global.deviceHome).status()
            if global.json { return try CLIOutput.json(SyncStatusOutput(status)) }
            guard status.configured else {
                return CLIOutput.line("sync: not set up (caro sync init --relay URL, or caro sync join --relay URL)\npending: \(status.pending)")
            }
            var lines = ["sync: \(status.paused ? "paused" : "on")", "relay: \(status.relay ?? "")", "device: \(status.deviceID)",
                         "pending: \(status.pending)", "last sync: \(status.state.lastSync.map(Timestamp.iso8601) ?? "never")"]
            if let error = status.state.lastError { lines.append("last error: \(error)") }
            CLIOutput.line(lines.joined(separator: "\n"))
        }
    }
}

extension SyncCommand {
    struct Pause: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pause", abstract: "Stop syncing on this device (no network traffic at all) until resume.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            try SyncControl(home: global.deviceHome).setPaused(true)
            CLIOutput.note("sync paused; entries keep waiting locally until caro sync resume", global)
        }
    }

    struct Resume: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "resume", abstract: "Sync again after pause.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            try SyncControl(home: global.deviceHome).setPaused(false)
            CLIOutput.note("sync resumed; caro sync now pushes what waited", global)
        }
    }

    struct Reset: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset",
            abstract: "Forget sync on this device (its secret and state); the local history stays.",
            discussion: "The identity and the other devices are not changed; remove this device from another one with caro devices remove.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Do not ask for confirmation.") var yes = false

        func run() throws {
            guard yes || Confirmation.ask("Forget sync on this device? Joining again needs the 24 words.") else {
                throw CaroError.needsConfirmation("Not reset: confirm on a terminal, or pass --yes.")
            }
            try SyncControl(home: global.deviceHome).reset()
            CLIOutput.note("sync reset on this device; the history is kept", global)
        }
    }
}

/// The recovery words at `init`.
enum SyncSetupWords {
    static func newIdentity() throws -> JazzIdentity {
        try SyncSetup.newIdentity()
    }

    /// Writes the words to a new file only its owner can read; refuses to replace an existing file.
    static func write(_ phrase: String, to path: String) throws {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw CaroError.invalidArgument("\(path) already exists: choose a new file for the words (caro never overwrites one).")
        }
        try SecretFile.write(Data((phrase + "\n").utf8), to: path)
    }
}

/// Where commands that need the 24 words read them: `--words-file`, else standard input when it is not
/// a terminal, else a hidden prompt.
enum RecoveryWordsInput {
    static var isInteractive: Bool { isatty(STDIN_FILENO) != 0 }

    static func read(file: String?) throws -> String {
        if let file { return try CLIInput.readFile(file) }
        if !isInteractive { return CLIInput.readStandardInput() }
        return CLIInput.hiddenPrompt("Your 24 recovery words: ")
    }
}

/// The words of sync's notes.
enum SyncWording {
    static func count(_ n: Int, _ one: String, _ many: String) -> String { "\(n) \(n == 1 ? one : many)" }

    static func summary(_ summary: SyncSummary) -> String {
        "pushed \(count(summary.pushed, "entry", "entries")) and \(count(summary.pushedDeletions, "deletion", "deletions")); "
            + "received \(count(summary.received, "entry", "entries")) and \(count(summary.receivedDeletions, "deletion", "deletions"))"
            + (summary.compacted.map { "; compacted the history (\(count($0, "record", "records")) reclaimed)" } ?? "")
    }
}
