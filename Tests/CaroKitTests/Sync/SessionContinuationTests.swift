import CaroStore
import JazzProto
import Testing

/// One Jazz session per device, continued across processes from the CoValue store.
@Suite("Continuing a session from storage")
struct SessionContinuationTests {
    @Test func aNodeContinuesItsSessionWhereStorageStopsAndTheLogStillVerifies() throws {
        let secret = AgentSecret.random()
        let first = try LocalNode.createJazzAccount(agentSecret: secret, name: "device")
        let account = try #require(first.accountID)
        let group = try first.createGroup()
        let feed = try first.createValue(type: "costream", owner: group)
        try first.makeTransaction(in: feed, changes: CoStreamChanges.push("one"), privacy: .private)
        let store = try SQLiteCoValueStore.inMemory()
        #expect(first.persistAll(to: store).isEmpty)

        // A later process: same session, state from storage.
        let second = try LocalNode.continuing(session: first.sessionID, agentSecret: secret, accountID: account)
        #expect(second.sessionID == first.sessionID)
        #expect(try second.restoreAll(from: store).isEmpty)
        let written = try second.makeTransaction(in: feed, changes: CoStreamChanges.push("two"), privacy: .private)
        #expect(written == TransactionID(sessionID: first.sessionID, txIndex: 1))
        #expect(second.core(feed)?.sessionOrder.count == 1)

        // Another node verifies everything, both transactions in one session (signature chain intact).
        let reader = LocalNode(agentSecret: secret, accountID: account)
        for id in [account, group, feed] {
            for piece in try #require(second.core(id)).newContentSince(nil) {
                let report = reader.ingest(piece)
                #expect(report.rejections.isEmpty, "\(report.rejections)")
                #expect(report.missingDependencies.isEmpty)
            }
        }
        let items = CoStreamState(transactions: reader.decodedTransactions(of: feed)).allItems.compactMap(\.value.stringValue)
        #expect(items == ["one", "two"])
    }

    @Test func anotherAccountsSessionIsRefused() throws {
        let mine = AgentSecret.random()
        let other = try LocalNode.createAccount(agentSecret: AgentSecret.random())
        let account = CoValueHeader.account(agent: mine.agentID).id
        #expect(throws: ForeignSessionError.self) {
            _ = try LocalNode.continuing(session: other.sessionID, agentSecret: mine, accountID: account)
        }
    }
}

@Suite("Decoding only new transactions")
struct NewTransactionsTests {
    @Test func theTransactionsPastAFrontierAreTheSuffixOfTheFullDecode() throws {
        let node = try LocalNode.createAccount(agentSecret: AgentSecret.random())
        let group = try node.createGroup()
        let feed = try node.createValue(type: "costream", owner: group)
        for index in 0..<5 { try node.makeTransaction(in: feed, changes: CoStreamChanges.push(.number(Double(index))), privacy: .private) }
        let all = node.decodedTransactions(of: feed)
        let session = node.sessionID
        #expect(node.decodedTransactions(of: feed, after: [session: 3]) == Array(all.suffix(2)))
        #expect(node.decodedTransactions(of: feed, after: [:]) == all)
        #expect(node.decodedTransactions(of: feed, after: [session: 5]).isEmpty)
        #expect(node.decodedTransactions(of: group, after: [:]).isEmpty)
    }
}
