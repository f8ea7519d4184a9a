import Testing

@testable import JazzProto

/// Tampered, forged and unauthorised data: each is rejected (or kept invisible) exactly as cojson
/// would treat it, with the reason reported, and nothing valid is lost.
@Suite("Adversarial content")
struct AdversarialTests {
    /// Alice's account with a group and a private map holding one entry; Bob a second account.
    struct World {
        let alice: LocalNode
        let bob: LocalNode
        let groupID: CoID
        let mapID: CoID

        init() throws {
            // One clock for both, so their edits interleave in time as they do in the test.
            let clock = CountingClock(start: 1_000_000)
            alice = try LocalNode.createAccount(agentSecret: .random(), environment: clock.environment)
            bob = try LocalNode.createAccount(agentSecret: .random(), environment: clock.environment)
            groupID = try alice.createGroup()
            mapID = try alice.createValue(type: "comap", owner: groupID)
            try alice.makeTransaction(in: mapID, changes: CoMapChangesForTests.set("title", "hello"), privacy: .private)
        }

        /// A fresh reader node for `account` that received everything `from` has, via content pieces.
        func copy(from source: LocalNode, to target: LocalNode) {
            for id in source.coValueIDs.sorted(by: { a, b in
                // Accounts first, then groups, then values.
                rank(source, a) < rank(source, b)
            }) {
                for piece in source.core(id)!.newContentSince(target.knownState(of: id).header ? target.knownState(of: id) : nil) {
                    target.ingest(piece)
                }
            }
        }

        private func rank(_ node: LocalNode, _ id: CoID) -> Int {
            guard let header = node.core(id)?.header else { return 3 }
            return header.isAccount ? 0 : header.isGroup ? 1 : 2
        }
    }

    static func onlyPiece(_ node: LocalNode, _ id: CoID) throws -> (ContentPiece, SessionID, SessionNewContent) {
        let piece = try #require(node.core(id)?.newContentSince(nil).first)
        let (session, content) = try #require(piece.new.first { !$0.0.isDeleteSession && $0.1.newTransactions.count > 0 && !(node.core(id)!.header!.isGroup && false) })
        return (piece, session, content)
    }

    @Test func flippedBitInEncryptedChangesIsRejected() throws {
        let world = try World()
        world.copy(from: world.alice, to: world.bob)
        let fresh = LocalNode(agentSecret: .random(), accountID: nil)
        world.copy(from: world.alice, to: fresh)  // the relay view of the same data
        var (piece, session, content) = try Self.onlyPiece(world.alice, world.mapID)
        guard case .private(let madeAt, let keyUsed, let encrypted, let meta) = content.newTransactions[0] else {
            Issue.record("expected a private transaction")
            return
        }
        var bytes = try Encrypted(encrypted).bytes
        bytes[3] ^= 0x01
        content.newTransactions[0] = .private(madeAt: madeAt, keyUsed: keyUsed, encryptedChanges: Encrypted(bytes: bytes).description, meta: meta)
        piece.new = [(session, content)]
        let target = LocalNode(agentSecret: .random(), accountID: nil)
        world.copy(from: world.alice, to: target)
        let tampered = ContentPiece(id: world.mapID, header: piece.header, priority: 3, new: [(session, content)])
        let victim = LocalNode(agentSecret: .random(), accountID: nil)
        for id in [world.alice.accountID!, world.groupID] {
            for p in world.alice.core(id)!.newContentSince(nil) { victim.ingest(p) }
        }
        let report = victim.ingest(tampered)
        #expect(report.rejections.count == 1)
        #expect(report.rejections.first?.1.contains("does not verify") == true)
        #expect(victim.knownState(of: world.mapID).sessions[session] == nil)
    }

    @Test func tamperedHeaderIsRejected() throws {
        let world = try World()
        let (piece, _, _) = try Self.onlyPiece(world.alice, world.mapID)
        var header = try #require(piece.header)
        header.uniqueness = .string("forged")
        let victim = LocalNode(agentSecret: .random(), accountID: nil)
        world.copy(from: world.alice, to: victim)
        let fresh = LocalNode(agentSecret: .random(), accountID: nil)
        for id in [world.alice.accountID!, world.groupID] {
            for p in world.alice.core(id)!.newContentSince(nil) { fresh.ingest(p) }
        }
        let report = fresh.ingest(ContentPiece(id: world.mapID, header: header, priority: 3, new: piece.new))
        guard case .invalidHeader? = report.headerError else {
            Issue.record("expected a header error, got \(String(describing: report.headerError))")
            return
        }
        #expect(!fresh.hasContent(world.mapID))
    }

    @Test func transactionsReplayedIntoAnotherAuthorsSessionAreRejected() throws {
        let world = try World()
        let (_, _, content) = try Self.onlyPiece(world.alice, world.mapID)
        let victim = LocalNode(agentSecret: .random(), accountID: nil)
        world.copy(from: world.alice, to: victim)
        world.copy(from: world.bob, to: victim)
        let bobSession = SessionID.random(for: .account(world.bob.accountID!))
        let report = victim.ingest(ContentPiece(id: world.mapID, priority: 3, new: [(bobSession, content)]))
        #expect(report.rejections.count == 1)
        #expect(victim.knownState(of: world.mapID).sessions[bobSession] == nil)
    }

    @Test func readersAndRemovedMembersCannotWriteAndRemovedMembersCannotReadNewContent() throws {
        let world = try World()
        world.copy(from: world.bob, to: world.alice)
        try world.alice.addMember(world.bob.accountID!.description, role: .reader, to: world.groupID)
        world.copy(from: world.alice, to: world.bob)
        // Bob reads the title.
        #expect(world.bob.decodedTransactions(of: world.mapID).count == 1)
        // Bob (a reader) writes: correctly signed, stored and synced, but invalid.
        try world.bob.makeTransaction(in: world.mapID, changes: CoMapChangesForTests.set("title", "bob was here"), privacy: .trusting)
        world.copy(from: world.bob, to: world.alice)
        let bobsTx = TransactionID(sessionID: world.bob.sessionID, txIndex: 0)
        #expect(world.alice.validity(of: world.mapID)[bobsTx] == .invalid("Transactor has no write permissions"))
        #expect(world.alice.decodedTransactions(of: world.mapID).count == 1)

        // Alice promotes Bob to writer, then removes him: his later writes are invalid, and he cannot read
        // what is written after the key rotation, while he still reads the old entry.
        try world.alice.addMember(world.bob.accountID!.description, role: .writer, to: world.groupID)
        world.copy(from: world.alice, to: world.bob)
        try world.bob.makeTransaction(in: world.mapID, changes: CoMapChangesForTests.set("n", 1), privacy: .private)
        world.copy(from: world.bob, to: world.alice)
        let bobsOldKey = try #require(world.bob.writeKey(for: world.mapID))
        try world.alice.removeMember(world.bob.accountID!.description, from: world.groupID)
        try world.alice.makeTransaction(in: world.mapID, changes: CoMapChangesForTests.set("secret", "after removal"), privacy: .private)
        world.copy(from: world.alice, to: world.bob)
        try world.bob.makeTransaction(in: world.mapID, changes: CoMapChangesForTests.set("n", 2), privacy: .private, key: bobsOldKey)
        world.copy(from: world.bob, to: world.alice)

        let aliceSees = world.alice.decodedTransactions(of: world.mapID).flatMap(\.changes).compactMap { $0["key"]?.stringValue }
        #expect(aliceSees == ["title", "n", "secret"])  // Bob's write after removal is invalid.
        let bobSees = world.bob.decodedTransactions(of: world.mapID).flatMap(\.changes).compactMap { $0["key"]?.stringValue }
        #expect(!bobSees.contains("secret"))  // the new key was never revealed to him
        #expect(bobSees.contains("title"))
        let validity = world.alice.validity(of: world.mapID)
        #expect(validity[TransactionID(sessionID: world.bob.sessionID, txIndex: 2)] == .invalid("Transactor has no write permissions"))
    }
}
