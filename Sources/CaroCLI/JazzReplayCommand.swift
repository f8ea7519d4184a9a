import ArgumentParser
import Foundation
import JazzProto

/// `caro jazz replay`: verify and apply recorded sync messages, print every CoValue's view.
struct JazzReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Verify and apply sync messages (one JSON message per line), then print each CoValue's view.",
        discussion: """
            Every `content` message is verified (header hash, hash chain, signature) and applied in order; other \
            actions are skipped. Prints one JSON object mapping CoValue IDs to views. Problems go to stderr; the \
            exit code is 1 if any message was rejected.
            """)

    @Argument(help: "File of sync messages, or - for standard input.")
    var file: String

    @Option(help: "Agent secret (sealerSecret_z…/signerSecret_z…) of the account reading the data, to decrypt private values.")
    var secret: String?

    func run() throws {
        let text = file == "-" ? CLIInput.readStandardInput() : try CLIInput.readFile(file)
        let node: LocalNode
        if let secret {
            let agent = try CLIErrors.map { try AgentSecret(secret.trimmingCharacters(in: .whitespacesAndNewlines)) }
            node = LocalNode(agentSecret: agent, accountID: CoValueHeader.account(agent: agent.agentID).id)
        } else {
            node = LocalNode(agentSecret: .random(), accountID: nil)
        }
        let replayer = ContentReplayer(node: node)
        replayer.feed(text)
        replayer.finish()
        for problem in replayer.problems {
            CLIOutput.error(problem.description)
        }
        print(JSONValue.object(replayer.views()).jsonStringify())
        if !replayer.problems.isEmpty { throw ExitCode(1) }
    }
}
