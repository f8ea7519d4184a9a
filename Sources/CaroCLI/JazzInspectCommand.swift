import ArgumentParser
import Foundation
import JazzProto

/// `caro jazz inspect`: load a CoValue (and what it references) from any relay and print the views.
struct JazzInspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Load a CoValue and what it references from a relay; print a JSON object of ID → view.",
        discussion: "Without --secret or --words-file only public and trusting content is readable.")

    @Option(help: "Relay URL, e.g. ws://127.0.0.1:4200 or wss://cloud.jazz.tools/?key=you@example.com")
    var relay: String

    @Option(help: "Agent secret (sealerSecret_z…/signerSecret_z…) of the reading account.")
    var secret: String?

    @Option(name: .customLong("words-file"), help: "File holding the reading account's 24-word recovery phrase.")
    var wordsFile: String?

    @Option(help: "How many levels of referenced CoValues to load too.")
    var depth = 0

    @Option(help: "Seconds to wait for the relay.")
    var timeout = 15.0

    @Option(name: .customLong("ca"), help: "PEM file of a CA to trust for wss:// (default: the system store).")
    var caCertificate: String?

    @Flag(help: "Print to stderr how long loading took (from connect) and the peak memory (RSS).")
    var stats = false

    @Argument(help: "The CoValue ID (co_z…).")
    var id: String

    func run() async throws {
        let root = try CLIErrors.map { try CoID(id) }
        let agent: AgentSecret?
        if let secret {
            agent = try CLIErrors.map { try AgentSecret(secret.trimmingCharacters(in: .whitespacesAndNewlines)) }
        } else if let wordsFile {
            let phrase = try CLIInput.readFile(wordsFile)
            agent = try CLIErrors.map { try JazzIdentity(phrase: phrase).agentSecret }
        } else {
            agent = nil
        }
        let node = agent.map { LocalNode(agentSecret: $0, accountID: CoValueHeader.account(agent: $0.agentID).id) }
            ?? LocalNode(agentSecret: .random(), accountID: nil)
        var configuration = WebSocketClientConfiguration(url: relay)
        configuration.caCertificatePath = caCertificate
        let client: SyncClient
        do {
            client = try SyncClient(node: node, configuration: configuration)
        } catch {
            throw ValidationError(error.description)
        }
        let started = ContinuousClock.now
        client.start()
        defer { client.stop() }
        let limit = Duration.milliseconds(Int64(timeout * 1000))
        guard await client.wait(timeout: limit, until: { $0.isConnected }) else {
            throw ValidationError("Cannot connect to \(relay): \(client.lastDisconnectReason ?? "no answer")")
        }
        var frontier: [CoID] = [root]
        var loaded: [CoID] = []
        for level in 0...max(0, depth) {
            for id in frontier { client.load(id) }
            let ids = frontier
            _ = await client.wait(timeout: limit) { client in
                client.read { node in ids.allSatisfy { node.isCompletelyLoaded($0) } }
                    || client.isUnavailable(anyOf: ids)
            }
            loaded += frontier
            guard level < depth else { break }
            frontier = client.read { node in
                Array(Set(ids.flatMap { node.view(of: $0).map(Self.references) ?? [] })).filter { !loaded.contains($0) }.sorted()
            }
            if frontier.isEmpty { break }
        }
        let output = client.read { node -> JSONValue in
            var object = JSONObject()
            for id in loaded { object[id.description] = node.view(of: id) ?? .null }
            return .object(object)
        }
        if client.read({ !$0.hasContent(root) }) {
            throw ValidationError("\(root) was not found on \(relay) (or did not arrive within \(timeout) s).")
        }
        if stats {
            let elapsed = ContinuousClock.now - started
            let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            CLIOutput.error("loaded \(loaded.count) CoValues in \(Int(milliseconds)) ms; peak RSS \(ProcessStats.peakResidentMegabytes()) MB")
        }
        print(output.jsonStringify())
    }

    /// Every `co_z…` ID mentioned as a string value anywhere in a view.
    static func references(_ value: JSONValue) -> [CoID] {
        switch value {
        case .string(let string): return string.hasPrefix("co_z") ? [(try? CoID(string))].compactMap { $0 } : []
        case .array(let items): return items.flatMap(references)
        case .object(let object): return object.flatMap { references($0.value) }
        default: return []
        }
    }
}
