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

    @Test func groupChangesThatArriveAfterAViewReachTheNextView() throws {
        let world = try World()
        let reader = LocalNode(agentSecret: world.alice.agentSecret, accountID: world.alice.accountID)
        world.copy(from: world.alice, to: reader)
        #expect(reader.view(of: world.mapID) == ["title": "hello"])
        // The group's key is rotated and new content is written with the new key: a reader that keeps
        // the group state it computed for its first view could not read it.
        let before = reader.knownState(of: world.groupID)
        try world.alice.rotateReadKey(of: world.groupID)
        try world.alice.makeTransaction(in: world.mapID, changes: CoMapChangesForTests.set("title", "after rotation"), privacy: .private)
        for piece in world.alice.core(world.groupID)!.newContentSince(before) { reader.ingest(piece) }
        for piece in world.alice.core(world.mapID)!.newContentSince(reader.knownState(of: world.mapID)) { reader.ingest(piece) }
        #expect(reader.view(of: world.mapID) == ["title": "after rotation"])

        // A group whose header arrived before its transactions (its state then empty) is rebuilt once they do.
        let late = LocalNode(agentSecret: world.alice.agentSecret, accountID: world.alice.accountID)
        for piece in world.alice.core(world.alice.accountID!)!.newContentSince(nil) { late.ingest(piece) }
        var headerOnly = world.alice.core(world.groupID)!.newContentSince(nil)[0]
        headerOnly.new = []
        late.ingest(headerOnly)
        #expect(late.groupState(for: world.groupID)?.role(of: world.alice.accountID!.description, atTime: .max, resolver: late) == nil)
        for piece in world.alice.core(world.groupID)!.newContentSince(nil) { late.ingest(piece) }
        #expect(late.groupState(for: world.groupID)?.role(of: world.alice.accountID!.description, atTime: .max, resolver: late) == .admin)
    }

    @Test func keyRevealsReplayedUnderAnotherSessionDoNotHideTheGenuineOnes() throws {
        let world = try World()
        let (groupPiece, session, content) = try Self.onlyPiece(world.alice, world.groupID)
        // The same signed transactions under another session of the same account verify (the signature
        // covers the hash chain, not the session ID, in cojson too) and, with equal timestamps, sort after
        // the genuine ones. Their key reveals cannot be opened: the nonce names the session.
        let replayed = try SessionID(world.alice.accountID!.description + "_session_zzzzzzzzzzzzz")
        #expect(replayed.description > session.description)
        let replay = ContentPiece(id: world.groupID, header: nil, priority: groupPiece.priority, new: [(replayed, content)])
        for order in [false, true] {
            let reader = LocalNode(agentSecret: world.alice.agentSecret, accountID: world.alice.accountID)
            world.copy(from: world.alice, to: reader)
            if order { _ = reader.view(of: world.mapID) }
            let report = reader.ingest(replay)
            #expect(report.appendedAnything)
            #expect(reader.knownState(of: world.groupID).sessions[replayed] == content.newTransactions.count)
            #expect(reader.view(of: world.mapID) == ["title": "hello"])
        }
    }

    @Test func metaThatIsJSONButNotAnObjectKeepsItsTransaction() throws {
        let world = try World()
        let node = world.alice
        let session = node.writingSession(for: world.mapID)
        func set(_ key: String) -> String { #"[{"op":"set","key":"\#(key)","value":1}]"# }
        // Trusting transactions with a meta of `null`, a number, and text that is not JSON.
        try node.appendTransaction(.trusting(madeAt: 2_000_000, changes: set("nullMeta"), meta: "null"), to: world.mapID, session: session)
        try node.appendTransaction(.trusting(madeAt: 2_000_001, changes: set("numberMeta"), meta: "42"), to: world.mapID, session: session)
        try node.appendTransaction(.trusting(madeAt: 2_000_002, changes: set("badMeta"), meta: "{oops"), to: world.mapID, session: session)
        // A private transaction whose meta decrypts to `null`.
        let key = try #require(node.writeKey(for: world.mapID))
        let txIndex = node.core(world.mapID)!.count(of: session)
        let nonce = NonceMaterial.transaction(coID: world.mapID, sessionID: session, txIndex: txIndex).nonce
        let changes = Encrypted(bytes: key.secret.xor(Array(set("privateNullMeta").utf8), nonce: nonce)).description
        let meta = Encrypted(bytes: key.secret.xor(Array("null".utf8), nonce: nonce)).description
        try node.appendTransaction(.private(madeAt: 2_000_003, keyUsed: key.id.description, encryptedChanges: changes, meta: meta),
                                   to: world.mapID, session: session)
        // Every reader (this node and a fresh copy) keeps all but the one with unreadable meta.
        let reader = LocalNode(agentSecret: node.agentSecret, accountID: node.accountID)
        world.copy(from: node, to: reader)
        for viewer in [node, reader] {
            let view = try #require(viewer.view(of: world.mapID)?.objectValue)
            #expect(view["nullMeta"] == 1 && view["numberMeta"] == 1 && view["privateNullMeta"] == 1)
            #expect(view["badMeta"] == nil)
            #expect(view["title"] == "hello")
        }
        // `makeTransaction` writes a null meta as no meta at all.
        try node.makeTransaction(in: world.mapID, changes: CoMapChanges.set("plain", 1), privacy: .private, meta: .null)
        let last = try #require(node.core(world.mapID)?.sessions[session]?.transactions.last)
        #expect(last.meta == nil)
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
