import Synchronization
import Testing

@testable import JazzProto

/// Content towards a backed-up peer waits (a cursor, not a copy) and continues where it stopped.
@Suite("Stream pacing")
struct StreamPacingTests {
    @Test func contentForABackedUpPeerWaitsAndResumesWhereItStopped() throws {
        let writer = try LocalNode.createAccount(agentSecret: .random())
        let group = try writer.createGroup()
        let feed = try writer.createValue(type: "costream", owner: group)
        let entry = JSONValue.string(String(repeating: "x", count: 40_000))
        for _ in 0..<12 { try writer.makeTransaction(in: feed, changes: [entry], privacy: .trusting) }
        let totalPieces = writer.core(feed)!.newContentSince(nil).count
        #expect(totalPieces >= 4)

        var toReader: [SyncMessage] = []
        var allowance = 2
        let relay = SyncManager(node: LocalNode(agentSecret: .random(), accountID: nil)) { peer, message in
            if peer.value == "reader" { toReader.append(message) }
        }
        let writerPeer = PeerID("writer")
        let readerPeer = PeerID("reader")
        func feedPieces() -> Int {
            toReader.filter { if case .content(let piece) = $0 { piece.id == feed } else { false } }.count
        }
        relay.isBackedUp = { peer in peer == readerPeer && feedPieces() >= allowance }
        relay.addPeer(writerPeer, role: .client)
        relay.addPeer(readerPeer, role: .client)
        for id in [writer.accountID!, group] {
            for piece in writer.core(id)!.newContentSince(nil) { relay.handle(.content(piece), from: writerPeer) }
        }
        let firstTen = writer.knownState(of: feed)
        for piece in writer.core(feed)!.newContentSince(nil) { relay.handle(.content(piece), from: writerPeer) }

        relay.handle(.load(KnownState(id: feed)), from: readerPeer)
        #expect(feedPieces() == 2)
        #expect(relay.pausedStreams(to: readerPeer) == [feed])

        // New content while the reader is backed up is not queued for it.
        try writer.makeTransaction(in: feed, changes: [entry], privacy: .trusting)
        for piece in writer.core(feed)!.newContentSince(firstTen) { relay.handle(.content(piece), from: writerPeer) }
        #expect(feedPieces() == 2)

        allowance = .max
        relay.resumeStreams(to: readerPeer)
        #expect(relay.pausedStreams(to: readerPeer).isEmpty)
        let reader = LocalNode(agentSecret: .random(), accountID: nil)
        for message in toReader {
            if case .content(let piece) = message { reader.ingest(piece) }
        }
        #expect(reader.knownState(of: feed) == writer.knownState(of: feed))
        #expect(feedPieces() <= totalPieces + 1)
    }
}
