import Foundation
import Testing

@testable import JazzProto

/// Against the real reference without a network: a scripted relay answers our fresh client's `load`s
/// with the server frames recorded in sync-transcript.json (load phase). Our client must reach the
/// expected views, and its `load`/`known` messages must match the recorded client's.
@Suite("Client against the recorded relay")
struct ScriptedRelayTests {
    @Test func freshClientLoadsEverythingLikeTheRecordedClient() throws {
        let file = try Fixtures.jazz("sync-transcript.json")
        let messages = try file.object("phases").object("load").objects("messages")
        let recorded: [(dir: String, message: SyncMessage)] = try messages.compactMap { entry in
            let json = try CryptoVectorTests.json(entry["msg"])
            guard json["action"] != nil else { return nil }  // relay pings
            return (try entry.string("dir"), try SyncMessage(json: json))
        }
        // The relay's answers, keyed by the load they follow.
        var answers: [CoID: [SyncMessage]] = [:]
        var currentLoad: CoID?
        var recordedClientMessages: [SyncMessage] = []
        for (direction, message) in recorded {
            if direction == "client->server" {
                recordedClientMessages.append(message)
                if case .load(let state) = message { currentLoad = state.id }
            } else if let currentLoad {
                answers[currentLoad, default: []].append(message)
            }
        }

        let agent = try AgentSecret(file.object("account").string("accountSecret"))
        let node = LocalNode(agentSecret: agent, accountID: CoValueHeader.account(agent: agent.agentID).id)
        var outbox: [SyncMessage] = []
        let client = SyncManager(node: node) { _, message in outbox.append(message) }
        let relay = PeerID("relay")
        client.addPeer(relay, role: .server)
        var sentByUs: [SyncMessage] = []
        func pump() {
            while !outbox.isEmpty {
                let message = outbox.removeFirst()
                sentByUs.append(message)
                if case .load(let state) = message {
                    for answer in answers[state.id] ?? [] {
                        client.handle(try! SyncMessage(text: answer.text), from: relay)
                    }
                }
            }
        }
        // Load the values in the order the recorded client did (as an app opens them by ID).
        let loadOrder = recordedClientMessages.compactMap { message -> CoID? in
            if case .load(let state) = message { return state.id } else { return nil }
        }
        for id in loadOrder where !node.hasContent(id) {
            client.load(id)
            pump()
        }

        #expect(sentByUs.count == recordedClientMessages.count)
        for (ours, theirs) in zip(sentByUs, recordedClientMessages) {
            #expect(Self.content(ours) == Self.content(theirs), "ours \(ours.text) vs recorded \(theirs.text)")
        }
        let values = try file.object("values")
        for (name, expected) in try file.object("expectedViews") {
            let id = try CoID(try #require(values[name] as? [String: Any]).string("id"))
            #expect(node.view(of: id) == (try CryptoVectorTests.json(expected)), "view of \(name)")
        }
        Fixtures.report("sync-transcript.json", "client messages matched against the recorded client", count: recordedClientMessages.count)
    }

    /// The relay role against the recorded cojson client: fed the creating client's recorded frames,
    /// our relay must answer exactly what the real `jazz-run sync` answered (one ack per content message).
    @Test func ourRelayAnswersTheRecordedClientLikeJazzRun() throws {
        let file = try Fixtures.jazz("sync-transcript.json")
        let messages = try file.object("phases").object("create").objects("messages")
        var fromClient: [SyncMessage] = []
        var fromServer: [SyncMessage] = []
        for entry in messages {
            let json = try CryptoVectorTests.json(entry["msg"])
            guard json["action"] != nil else { continue }  // pings
            if try entry.string("dir") == "client->server" {
                fromClient.append(try SyncMessage(json: json))
            } else {
                fromServer.append(try SyncMessage(json: json))
            }
        }
        var replies: [SyncMessage] = []
        let relay = SyncManager(node: LocalNode(agentSecret: .random(), accountID: nil)) { _, message in replies.append(message) }
        let client = PeerID("recorded-client")
        relay.addPeer(client, role: .client)
        for message in fromClient { relay.handle(message, from: client) }
        #expect(replies.count == fromServer.count)
        for (ours, theirs) in zip(replies, fromServer) {
            #expect(Self.content(ours) == Self.content(theirs), "ours \(ours.text) vs jazz-run \(theirs.text)")
        }
        Fixtures.report("sync-transcript.json", "relay replies matched against jazz-run", count: fromServer.count)
    }

    /// Action, ID, header flag and session counts: what must match (session IDs aside).
    static func content(_ message: SyncMessage) -> String {
        switch message {
        case .load(let state): return "load \(state.id) \(state.header) \(state.sessions.values.sorted())"
        case .known(let state, let correction): return "known \(state.id) \(state.header) \(state.sessions.values.sorted()) \(correction)"
        default: return message.text
        }
    }
}
