import ArgumentParser
import CaroKit

#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `caro history compact [--words-file FILE | --with-words]`.
struct HistoryCompactCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract: "Rewrite the synced history without deleted entries, and delete the old copy from the relay.",
        discussion: """
            Syncs, writes the live history (and the list of deleted IDs) into a new stream under a fresh key, \
            points your other devices at it, and deletes the old stream with Jazz's delete transaction: a relay \
            that honours deletion (caro relay does) then keeps no ciphertext of deleted entries. Other devices \
            switch at their next sync. caro sync now also compacts by itself once at least \
            \(HistoryCompaction.automaticMinimumReclaimable) entries of the stream are deleted or expired and they \
            are at least \(HistoryCompaction.automaticMinimumPercent)% of it. The 24 words are needed only once, for \
            a history created by a caro older than compaction (the command says so).
            """)
    @OptionGroup var global: GlobalOptions
    @Option(name: .customLong("words-file"), help: "Act as the identity, with the 24 words read from this file.") var wordsFile: String?
    @Flag(name: .customLong("with-words"), help: "Act as the identity, with the 24 words from standard input or a hidden prompt.")
    var withWords = false

    func run() async throws {
        let phrase = wordsFile != nil || withWords ? try RecoveryWordsInput.read(file: wordsFile) : nil
        let bar = ProgressBar(enabled: !global.quiet && isatty(STDERR_FILENO) == 1, label: "compacting")
        let outcome = try await HistoryCompaction(home: global.deviceHome).compact(phrase: phrase, progress: bar.map { bar in { bar.show($0, of: $1) } })
        bar?.finish()
        if global.json { return try CLIOutput.json(CompactOutput(outcome)) }
        CLIOutput.note(
            "compacted: \(SyncWording.count(outcome.entries, "entry", "entries")) and \(SyncWording.count(outcome.deletions, "deletion", "deletions")) rewritten into \(outcome.newStream); the old stream \(outcome.oldStream) is deleted",
            global)
    }
}

/// `caro history compact --json`.
struct CompactOutput: Encodable {
    var entries: Int
    var deletions: Int
    var reclaimed: Int
    var oldStream: String
    var newStream: String

    init(_ outcome: HistoryCompaction.Outcome) {
        entries = outcome.entries
        deletions = outcome.deletions
        reclaimed = outcome.reclaimed
        oldStream = outcome.oldStream
        newStream = outcome.newStream
    }
}
