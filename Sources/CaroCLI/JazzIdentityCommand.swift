import ArgumentParser
import Foundation
import JazzProto

/// `caro jazz identity`: the Jazz account and agent of a 24-word recovery phrase.
struct JazzIdentityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "identity",
        abstract: "Print the Jazz account ID and agent ID of a 24-word recovery phrase.",
        discussion: "The same words log into the same account in any Jazz app (jazz-tools passphrase login).")

    @Option(name: .customLong("words-file"), help: "Read the 24 words from this file instead of a hidden prompt.")
    var wordsFile: String?

    func run() throws {
        let phrase = try wordsFile.map(CLIInput.readFile) ?? CLIInput.hiddenPrompt("Recovery phrase (24 words): ")
        let identity = try CLIErrors.map { try JazzIdentity(phrase: phrase) }
        let output: JSONValue = .object(JSONObject([
            ("accountID", .string(identity.accountID.description)), ("agentID", .string(identity.agentID.description)),
        ]))
        print(output.jsonStringify())
    }
}
