import ArgumentParser
import CaroKit

#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `caro sync revoke-identity`: moves every current device to a new identity (new 24 words).
struct SyncRevokeIdentityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke-identity",
        abstract: "Replace leaked recovery words: move every current device to a new identity (new 24 words).",
        discussion: """
            Needs the current words (--words-file, else standard input when it is not a terminal, else a hidden \
            prompt). Creates a new identity, copies the history, synced preferences and active devices under it, \
            and tells each active device (sealed to that device only) where it went: they follow at their next \
            caro sync now, without the new words. The old words then open nothing written afterwards. The new words \
            are printed once on stdout (or written only to --new-words-file). Asks first on a terminal; --yes for scripts.
            """)
    @OptionGroup var global: GlobalOptions
    @Option(name: .customLong("words-file"), help: "Read the current (leaked) 24 words from this file.") var wordsFile: String?
    @Option(name: .customLong("new-words-file"), help: "Write the new 24 words only to this new file (mode 0600) instead of printing them.")
    var newWordsFile: String?
    @Flag(help: "Do not ask for confirmation.") var yes = false

    func run() async throws {
        if !yes {
            guard Confirmation.ask("Move every current device to a new identity? The current words will open nothing written afterwards.")
            else {
                throw CaroError.needsConfirmation("Not revoked: confirm on a terminal, or pass --yes.")
            }
        }
        let phrase = try RecoveryWordsInput.read(file: wordsFile)
        let identity = try SyncSetupWords.newIdentity()
        if let newWordsFile { try SyncSetupWords.write(identity.phrase, to: newWordsFile) }
        let global = global
        let bar = ProgressBar(enabled: !global.quiet && isatty(STDERR_FILENO) == 1, label: "copying")
        let outcome = try await IdentityRevocation(home: global.deviceHome).revoke(
            phrase: phrase, newIdentity: identity, progress: bar.map { bar in { bar.show($0, of: $1) } }
        ) { identity in
            bar?.finish()
            guard newWordsFile == nil, !global.json else { return }
            CLIOutput.note("your NEW 24 recovery words (shown once; write them down — the old ones are revoked):", global)
            CLIOutput.line(identity.phrase)
        }
        if global.json {
            return try CLIOutput.json(RevokeIdentityOutput(
                identity: outcome.credentials.identity, words: newWordsFile == nil ? identity.phrase : nil,
                devices: outcome.devices, entries: outcome.entries))
        }
        CLIOutput.note(
            "identity \(outcome.credentials.identity) now holds \(SyncWording.count(outcome.entries, "entry", "entries")); \(SyncWording.count(outcome.devices, "device", "devices")) moved (the others follow at their next sync)",
            global)
    }
}

/// `caro sync revoke-identity --json`.
struct RevokeIdentityOutput: Encodable {
    var identity: String
    /// The new words (absent with `--new-words-file`).
    var words: String?
    var devices: Int
    var entries: Int
}
