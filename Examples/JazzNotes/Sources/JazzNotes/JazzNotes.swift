import Foundation
import JazzProto

/// jazz-notes RELAY_URL "NOTE TEXT"
///
/// Logs in with a 24-word recovery phrase (from the file named by `JAZZ_WORDS_FILE`, or from
/// `JAZZ_WORDS`), writes a note (a CoMap) and appends to a log (a CoFeed) through the relay, then reads
/// both back on a second node that starts from nothing but the same words, and watches it receive an edit.
@main
enum JazzNotes {
    static func main() async {
        do {
            try await run(Array(CommandLine.arguments.dropFirst()))
        } catch {
            FileHandle.standardError.write(Data("jazz-notes: \(error)\n".utf8))
            exit(1)
        }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func run(_ arguments: [String]) async throws {
        guard arguments.count == 2 else { throw Failure(description: "usage: jazz-notes RELAY_URL \"NOTE TEXT\"") }
        let (relay, text) = (arguments[0], arguments[1])
        let environment = ProcessInfo.processInfo.environment
        let words = try environment["JAZZ_WORDS_FILE"].map { try String(contentsOfFile: $0, encoding: .utf8) }
            ?? environment["JAZZ_WORDS"] ?? ""

        // 1. Log in: the 24 words give the account's keys; its ID follows from them.
        let identity = try JazzIdentity(phrase: words.trimmingCharacters(in: .whitespacesAndNewlines))
        print("account \(identity.accountID)")

        // 2. Connect node A: an account the relay already has is loaded, else it is created.
        let writer = try await logIn(identity, relay: relay)
        defer { writer.stop() }

        // 3. Create a group, a CoMap and a CoFeed owned by it, and write to them (encrypted: .private).
        let (note, log) = try writer.write { node -> (CoID, CoID) in
            let group = try node.createGroup()
            let note = try node.createValue(type: "comap", owner: group)
            let log = try node.createValue(type: "costream", owner: group)
            try node.makeTransaction(in: note, changes: CoMapChanges.set("text", .string(text)), privacy: .private)
            try node.makeTransaction(in: log, changes: CoStreamChanges.push("created"), privacy: .private)
            return (note, log)
        }
        guard await writer.waitForSync(timeout: .seconds(20)) else { throw Failure(description: "the relay did not acknowledge the note") }
        print("wrote note \(note)")

        // 4. A second node, from the words alone, loads the note and the log from the relay.
        let reader = try await logIn(identity, relay: relay)
        defer { reader.stop() }
        for id in [note, log] { reader.load(id) }
        guard await reader.wait(timeout: .seconds(20), until: { client in
            client.read { $0.view(of: note)?["text"] != nil && $0.isCompletelyLoaded(log) }
        }) else { throw Failure(description: "the second node could not load the note") }
        let readBack = reader.read { $0.view(of: note)?["text"]?.stringValue ?? "" }
        let entries = reader.read { CoStreamState(transactions: $0.decodedTransactions(of: log)).allItems.compactMap(\.value.stringValue) }
        print("read back on a second node: \(readBack) (log: \(entries.joined(separator: ", ")))")

        // 5. Subscribe: the reader's observer hears of every CoValue the relay brings; node A edits the note.
        let edits = AsyncStream<String>.makeStream()
        reader.observe { [weak reader] ids in
            guard ids.contains(note), let text = reader?.read({ $0.view(of: note)?["text"]?.stringValue }) else { return }
            edits.continuation.yield(text)
        }
        try writer.write { node in
            _ = try node.makeTransaction(in: note, changes: CoMapChanges.set("text", .string(text + " (edited)")), privacy: .private)
        }
        let deadline = Task {
            try await Task.sleep(for: .seconds(20))
            edits.continuation.finish()
        }
        defer { deadline.cancel() }
        for await current in edits.stream where current.hasSuffix("(edited)") {
            print("second node saw the edit: \(current)")
            return
        }
        throw Failure(description: "the second node did not see the edit")
    }

    /// A client for `identity` at `relay`, connected, with the account loaded (created if the relay has none).
    static func logIn(_ identity: JazzIdentity, relay: String) async throws -> SyncClient {
        let configuration = WebSocketClientConfiguration(url: relay)
        let client = try SyncClient(node: LocalNode(agentSecret: identity.agentSecret, accountID: identity.accountID),
                                    configuration: configuration)
        client.start()
        client.load(identity.accountID)
        let account = identity.accountID
        _ = await client.wait(timeout: .seconds(20)) { client in
            client.read { $0.isCompletelyLoaded(account) } || client.isUnavailable(anyOf: [account])
        }
        if client.read({ $0.isCompletelyLoaded(account) }) {
            print("logged in: the relay has the account")
            return client
        }
        guard client.isUnavailable(anyOf: [account]) else {
            client.stop()
            throw Failure(description: "cannot reach \(relay): \(client.lastDisconnectReason ?? "no answer")")
        }
        // A new account: created locally (deterministic from the words), then pushed by the client.
        client.stop()
        print("new account: created and pushed to the relay")
        let created = try SyncClient(node: LocalNode.createAccount(agentSecret: identity.agentSecret), configuration: configuration)
        created.start()
        return created
    }
}
