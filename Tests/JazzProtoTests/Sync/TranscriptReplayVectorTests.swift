import Foundation
import Testing

@testable import JazzProto

/// Fixtures/jazz/sync-transcript.json and concurrency.json replayed through `ContentReplayer` (what
/// `caro jazz replay` runs): verified, applied in order, and read as the reference's expected views.
@Suite("Replaying recorded sync traffic")
struct TranscriptReplayVectorTests {
    static func node(secret: String) throws -> LocalNode {
        let agent = try AgentSecret(secret)
        return LocalNode(agentSecret: agent, accountID: CoValueHeader.account(agent: agent.agentID).id)
    }

    /// The text frames of one phase and direction, as they travelled.
    static func frames(_ file: [String: Any], phase: String, direction: String) throws -> [String] {
        try file.object("phases").object(phase).objects("frames")
            .filter { ($0["dir"] as? String) == direction }
            .map { try $0.string("frame") }
    }

    static func expectViews(_ replayer: ContentReplayer, _ file: [String: Any], phase: String) throws {
        let values = try file.object("values")
        let views = replayer.views()
        var checked = 0
        for (name, expected) in try file.object("expectedViews") {
            let id = try #require(values[name] as? [String: Any]).string("id")
            #expect(views[id] == (try CryptoVectorTests.json(expected)), "\(phase): view of \(name)")
            checked += 1
        }
        Fixtures.report("sync-transcript.json", "\(phase) phase views", count: checked)
    }

    @Test func creatorUploadReplaysToTheExpectedViews() throws {
        let file = try Fixtures.jazz("sync-transcript.json")
        let replayer = ContentReplayer(node: try Self.node(secret: file.object("account").string("accountSecret")))
        for frame in try Self.frames(file, phase: "create", direction: "client->server") { replayer.feed(frame) }
        replayer.finish()
        #expect(replayer.problems.isEmpty, "\(replayer.problems)")
        try Self.expectViews(replayer, file, phase: "create")
    }

    @Test func relayDownloadReplaysToTheExpectedViews() throws {
        let file = try Fixtures.jazz("sync-transcript.json")
        let replayer = ContentReplayer(node: try Self.node(secret: file.object("account").string("accountSecret")))
        for frame in try Self.frames(file, phase: "load", direction: "server->client") { replayer.feed(frame) }
        replayer.finish()
        #expect(replayer.problems.isEmpty, "\(replayer.problems)")
        try Self.expectViews(replayer, file, phase: "load")
        // Every recorded hash chain step verifies to the same hash here.
        let chain = try file.object("phases").object("load").objects("sessionHashChain")
        for step in chain {
            let log = replayer.node.core(try CoID(step.string("coID")))?.sessions[try SessionID(step.string("sessionID"))]
            if log?.count == (step["txCountAfter"] as? Int) {
                #expect(log?.lastHash?.description == (try step.string("hashAfter")))
            }
        }
    }

    @Test func withoutTheSecretPrivateContentStaysInvisible() throws {
        let file = try Fixtures.jazz("sync-transcript.json")
        let replayer = ContentReplayer(node: LocalNode(agentSecret: .random(), accountID: nil))
        for frame in try Self.frames(file, phase: "load", direction: "server->client") { replayer.feed(frame) }
        replayer.finish()
        #expect(replayer.problems.isEmpty)
        let mapID = try file.object("values").object("map").string("id")
        let expected = try CryptoVectorTests.json(file.object("expectedViews")["map"])
        #expect(replayer.views()[mapID] != expected)
    }

    @Test func concurrentEditsConvergeToTheExpectedViews() throws {
        let file = try Fixtures.jazz("concurrency.json")
        let accountA = try file.object("accountA")
        let replayer = ContentReplayer(node: try Self.node(secret: accountA.string("accountSecret")))
        for message in try file.objects("content") {
            replayer.feed(String(decoding: try JSONSerialization.data(withJSONObject: message), as: UTF8.self))
        }
        replayer.finish()
        #expect(replayer.problems.isEmpty, "\(replayer.problems)")
        let ids = try file.object("ids")
        let expected = try file.object("expected")
        for name in ["listD", "mapD"] {
            let id = try #require(ids[name] as? String)
            #expect(replayer.views()[id] == (try CryptoVectorTests.json(expected[name])), "\(name)")
        }
        // Equal-madeAt ties: every replica of ours agrees (deterministic tiebreak), whatever the arrival order.
        let reversed = ContentReplayer(node: try Self.node(secret: accountA.string("accountSecret")))
        for message in try file.objects("content").reversed() {
            reversed.feed(String(decoding: try JSONSerialization.data(withJSONObject: message), as: UTF8.self))
        }
        reversed.finish()
        for name in ["listT", "mapT"] {
            let id = try #require(ids[name] as? String)
            #expect(replayer.views()[id] != nil)
            #expect(replayer.views()[id] == reversed.views()[id], "\(name)")
        }
        Fixtures.report("concurrency.json", "replayed views", count: 4)
    }
}
