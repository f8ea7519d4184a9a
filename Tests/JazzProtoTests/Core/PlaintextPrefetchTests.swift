import Testing

@testable import JazzProto

/// Decrypting large private content ahead of the first view gives exactly what decrypting at view time
/// gives: the same transactions, meta and views, the same unreadable transactions skipped.
@Suite("Plaintext prefetch")
struct PlaintextPrefetchTests {
    @Test func prefetchedAndViewTimeDecodingAgree() throws {
        let clock = CountingClock(start: 1_767_225_600_000)
        let writer = try LocalNode.createAccount(agentSecret: .random(), environment: clock.environment)
        let group = try writer.createGroup()
        let feed = try writer.createValue(type: "costream", owner: group)
        let map = try writer.createValue(type: "comap", owner: group)
        let session = writer.writingSession(for: feed)
        for i in 0..<900 {
            let meta: JSONValue? = i % 7 == 0 ? ["note": .string("meta \(i)")] : (i % 11 == 0 ? .some(.null) : nil)
            try writer.makeTransaction(in: feed, changes: [.string("entry \(i) " + String(repeating: "·", count: 150))],
                                       privacy: i % 5 == 0 ? .trusting : .private, meta: meta)
            try writer.makeTransaction(in: map, changes: CoMapChanges.set("k\(i % 9)", .number(Double(i))), privacy: .private)
            if i == 450 { try writer.rotateReadKey(of: group) }  // later transactions use another key
            if i % 100 == 25 {
                // Unreadable: ciphertext under the current key that does not decrypt to JSON, and text that
                // is not base64url at all.
                let key = try #require(writer.writeKey(for: feed))
                let garbage = Encrypted(bytes: Array("not json ".utf8) + SecureRandom.bytes(40)).description
                try writer.appendTransaction(.private(madeAt: 1, keyUsed: key.id.description, encryptedChanges: garbage, meta: nil),
                                             to: feed, session: session)
                try writer.appendTransaction(.private(madeAt: 2, keyUsed: key.id.description, encryptedChanges: "encrypted_U*", meta: nil),
                                             to: feed, session: session)
            }
        }
        let pieces = [writer.accountID!, group, feed, map].flatMap { writer.core($0)!.newContentSince(nil) }
        #expect(pieces.count > 6)  // the feed arrives in several ~100 KB pieces
        let probe = LocalNode(agentSecret: writer.agentSecret, accountID: writer.accountID)
        for piece in pieces { probe.ingest(piece) }
        #expect(probe.plaintexts.take(feed).count >= 3)  // decrypted ahead, piece by piece
        let ahead = LocalNode(agentSecret: writer.agentSecret, accountID: writer.accountID)
        let atView = LocalNode(agentSecret: writer.agentSecret, accountID: writer.accountID)
        atView.prefetchesPlaintexts = false
        for piece in pieces {
            ahead.ingest(piece)
            atView.ingest(piece)
        }
        for id in [feed, map] {
            let decodedAhead = ahead.decodedTransactions(of: id)
            #expect(decodedAhead == atView.decodedTransactions(of: id))
            #expect(decodedAhead == writer.decodedTransactions(of: id))
            #expect(ahead.view(of: id) == writer.view(of: id))
        }
        // 900 entries: the 18 unreadable transactions are skipped on every path.
        #expect(ahead.view(of: feed)?.objectValue?.values.first?.arrayValue?.count == 900)
        #expect(writer.core(feed)!.count(of: session) == 918)
        #expect(ahead.decodedTransactions(of: feed).contains { $0.meta?["note"] == "meta 7" })
    }

    @Test func relaysAndNodesWithoutAccountsDecryptNothingAhead() throws {
        let writer = try LocalNode.createAccount(agentSecret: .random())
        let feed = try writer.createValue(type: "costream", owner: try writer.createGroup())
        for i in 0..<300 { try writer.makeTransaction(in: feed, changes: [.string("entry \(i) " + String(repeating: "x", count: 200))], privacy: .private) }
        let relay = LocalNode(agentSecret: .random(), accountID: nil)
        for id in [writer.accountID!, writer.core(feed)!.header!.ownerGroup!, feed] {
            for piece in writer.core(id)!.newContentSince(nil) { relay.ingest(piece) }
        }
        #expect(relay.plaintexts.take(feed).isEmpty)
    }
}

extension PlaintextPrefetchTests {
    @Test func overTheBudgetWhatWaitsLongestGivesWay() throws {
        let writer = try LocalNode.createAccount(agentSecret: .random())
        let group = try writer.createGroup()
        let key = try #require(writer.currentReadKey(of: group))
        var batches: [(CoID, SessionID, ArraySlice<Transaction>)] = []
        for _ in 0..<3 {
            let feed = try writer.createValue(type: "costream", owner: group)
            for i in 0..<60 { try writer.makeTransaction(in: feed, changes: [.string("entry \(i) " + String(repeating: "x", count: 200))], privacy: .private) }
            let session = writer.writingSession(for: feed)
            batches.append((feed, session, writer.core(feed)!.sessions[session]!.transactions[...]))
        }
        let size = batches[0].2.reduce(0) { $0 + $1.size }
        let prefetch = PlaintextPrefetch(budget: size * 2 + size / 2)  // room for two batches
        for (feed, session, transactions) in batches {
            prefetch.submit(coID: feed, sessionID: session, firstIndex: 0, transactions: transactions,
                            keyUsed: key.id.description, key: key.secret.bytes)
            _ = prefetch.take(CoID(uncheckedString: "co_zNothing", bytes: []))  // waits for the worker
        }
        #expect(prefetch.take(batches[0].0).isEmpty)  // the oldest gave way
        let second = prefetch.take(batches[1].0)
        #expect(second.count == 1 && second[0].changes.allSatisfy { $0.start >= 0 })
        #expect(prefetch.take(batches[2].0).count == 1)
        #expect(prefetch.take(batches[2].0).isEmpty)  // taken once
    }
}
