import ArgumentParser
import CaroKit

/// `caro key …`: the identity's keys.
struct KeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key", abstract: "The identity's encryption keys.", subcommands: [Rotate.self])
}

extension KeyCommand {
    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate",
            abstract: "New read key and field key: nothing written afterwards opens with the old keys (needs the 24 words).",
            discussion: """
                Rotates the Caro group's read key (sealed to the current devices only) and writes a new field key \
                version. Entries written before stay readable on every current device; a removed device, or anyone \
                holding an old key, reads nothing written afterwards. Needs the relay: offline it refuses (exit 3) \
                and changes nothing; it is never queued. The words come from --words-file, else standard input when \
                it is not a terminal, else a hidden prompt.
                """)
        @OptionGroup var global: GlobalOptions
        @Option(name: .customLong("words-file"), help: "Read the 24 words from this file.") var wordsFile: String?

        func run() async throws {
            let phrase = try RecoveryWordsInput.read(file: wordsFile)
            let result = try await KeyRotation(home: global.deviceHome).rotate(phrase: phrase)
            if global.json { return try CLIOutput.json(KeyRotationOutput(result)) }
            CLIOutput.note(
                "rotated: a new read key for \(SyncWording.count(result.devices, "device", "devices")); new entries use field key version \(result.fieldKeyVersion)",
                global)
        }
    }
}

/// `caro key rotate --json`.
struct KeyRotationOutput: Encodable {
    var fieldKeyVersion: Int
    var devices: Int

    init(_ result: KeyRotation.Result) {
        fieldKeyVersion = result.fieldKeyVersion
        devices = result.devices
    }
}
