import Foundation
import Testing

@testable import JazzProto

/// Fixtures/jazz/streaming.json: a > 100 KiB private binary stream. We must split it exactly where
/// cojson does (checkpoint signatures) and accept the pieces the real relay sent.
@Suite("streaming.json vectors")
struct StreamingVectorTests {
    struct Recording {
        let file: [String: Any]
        let agent: AgentSecret
        let binID: CoID
        let session: SessionID

        init() throws {
            file = try Fixtures.jazz("streaming.json")
            agent = try AgentSecret(file.object("account").string("accountSecret"))
            binID = try CoID(file.object("ids").string("bin"))
            session = try SessionID(file.object("creatorSessionLog").string("sessionID"))
        }

        /// The sync messages of one phase, in frame order and one direction.
        func messages(_ phase: String, direction: String) throws -> [SyncMessage] {
            let frames = try file.object("phases").object(phase).objects("frames")
            return try frames.filter { ($0["dir"] as? String) == direction }.flatMap { frame in
                try JazzFramingForTests.split(frame.string("frame")).compactMap { line -> SyncMessage? in
                    line.contains("\"action\"") ? try SyncMessage(text: line) : nil
                }
            }
        }

        /// A node acting as the creator account with every content message of a phase replayed in.
        func replayed(_ phase: String, direction: String) throws -> LocalNode {
            let node = LocalNode(agentSecret: agent, accountID: CoValueHeader.account(agent: agent.agentID).id)
            let replayer = ContentReplayer(node: node)
            for message in try messages(phase, direction: direction) { replayer.feed(message.text) }
            replayer.finish()
            #expect(replayer.problems.isEmpty, "\(replayer.problems)")
            return node
        }

        /// The recorded pieces: (header?, expectContentUntil, after, count, lastSignature).
        func recordedPieces(_ phase: String, key: String) throws -> [(Bool, [String: Int]?, Int, Int, String)] {
            try file.object("phases").object(phase).objects(key).map { piece in
                let sessions = try piece.object("sessions")
                let entry = try #require(sessions[session.description] as? [String: Any])
                return (piece["header"] as? Bool ?? false, piece["expectContentUntil"] as? [String: Int],
                        try #require(entry["after"] as? Int), try #require(entry["txCount"] as? Int), try entry.string("lastSignature"))
            }
        }
    }

    static func shape(_ pieces: [ContentPiece], session: SessionID) -> [(Bool, [String: Int]?, Int, Int, String)] {
        pieces.compactMap { piece in
            guard let entry = piece.new.first(where: { $0.0 == session })?.1 else { return nil }
            return (piece.header != nil, piece.expectContentUntil.map { Dictionary(uniqueKeysWithValues: $0.map { ($0.key.description, $0.value) }) },
                    entry.after, entry.newTransactions.count, entry.lastSignature.description)
        }
    }

    @Test func ourWriterPlacesCheckpointsAndSplitsLikeCojson() throws {
        let recording = try Recording()
        let received = try recording.replayed("create", direction: "client->server")
        let transactions = try #require(received.core(recording.binID)?.sessions[recording.session]?.transactions)
        let expectedLog = try recording.file.object("creatorSessionLog")
        #expect(transactions.count == (expectedLog["txCount"] as? Int))

        // Re-create the session as its writer: every transaction signed locally, one at a time.
        var core = CoValueCore(header: try #require(received.core(recording.binID)?.header))
        for transaction in transactions {
            try core.appendLocal(transaction, session: recording.session, signer: recording.agent.signerSecret)
        }
        let log = try #require(core.sessions[recording.session])
        let checkpoints = try expectedLog.objects("inBetweenSignatures").map { (try #require($0["afterTxIndex"] as? Int), try $0.string("signature")) }
        #expect(log.signatureAfter.mapValues(\.description) == Dictionary(uniqueKeysWithValues: checkpoints))
        #expect(log.lastSignature?.description == (try expectedLog.string("lastSignature")))
        #expect(log.transactions.map { $0.canonicalJSON.utf8.count } == (expectedLog["txJSONBytes"] as? [Int]))

        let ours = Self.shape(core.newContentSince(nil), session: recording.session)
        let recorded = try recording.recordedPieces("create", key: "binPiecesSent")
        #expect(ours.count == recorded.count)
        for (a, b) in zip(ours, recorded) {
            #expect(a.0 == b.0 && a.1 == b.1 && a.2 == b.2 && a.3 == b.3 && a.4 == b.4, "ours \(a) vs cojson \(b)")
        }
        Fixtures.report("streaming.json", "pieces split like cojson", count: recorded.count)
    }

    @Test func weAcceptThePiecesTheRelaySent() throws {
        let recording = try Recording()
        let node = try recording.replayed("load", direction: "server->client")
        let chain = try recording.file.object("phases").object("load").objects("sessionHashChain")
        let last = try #require(chain.last { ($0["coID"] as? String) == recording.binID.description })
        let log = try #require(node.core(recording.binID)?.sessions[recording.session])
        #expect(log.count == (last["txCountAfter"] as? Int))
        #expect(log.lastHash?.description == (try last.string("hashAfter")))
        // Received in three pieces, the log re-offers the same three pieces onwards (a relay keeps the split).
        let onwards = Self.shape(try #require(node.core(recording.binID)).newContentSince(nil), session: recording.session)
        let received = try recording.recordedPieces("load", key: "binPiecesReceived")
        #expect(onwards.map(\.2) == received.map(\.2))
        #expect(onwards.map(\.4) == received.map(\.4))
        Fixtures.report("streaming.json", "pieces received from the relay", count: received.count)
    }
}

/// Splits a WebSocket frame into its messages (one JSON text per line).
enum JazzFramingForTests {
    static func split(_ frame: String) -> [String] {
        frame.split(separator: "\n").map(String.init)
    }
}
