import Foundation
import JazzProto
import Testing
@testable import CaroStore

/// A stored delete session (cojson `deleteCoValue`, jazz-protocol-sync.md §2.11) erases the CoValue's
/// other sessions from the file: only the header and the tombstone stay, and the bytes are gone.
@Suite("SQLiteCoValueStore deletion erasure")
struct DeletionErasureTests {
    @Test(arguments: TransactionsLayout.allCases)
    func aDeleteSessionErasesEveryOtherSessionsBytesFromTheFileAndItsLog(layout: TransactionsLayout) throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("relay.db").path
            try layout.makeStore(at: path)
            let store = try SQLiteCoValueStore(path: path)
            let agent = try StoreFixtures.agent()
            let group = StoreFixtures.groupHeader(admin: agent)
            var core = CoValueCore(header: StoreFixtures.mapHeader(owner: group.id))
            var kept = CoValueCore(header: StoreFixtures.mapHeader(owner: group.id, uniqueness: "zKept"))
            let filler = String(repeating: "x", count: 900)
            for session in (0..<2).map({ _ in SessionID.random(for: .agent(agent.agentID)) }) {
                try StoreFixtures.sign(
                    (0..<150).map { StoreFixtures.trusting(key: "k\($0)", value: "erase-me-\($0)-\(filler)", madeAt: 1_750_000_000_000 + UInt64($0)) },
                    session: session, agent: agent, into: &core)
            }
            try StoreFixtures.sign([StoreFixtures.trusting(key: "k", value: "keep-me", madeAt: 1_750_000_000_000)],
                                   session: SessionID.random(for: .agent(agent.agentID)), agent: agent, into: &kept)
            try StoreFixtures.persist(core, in: store)
            try StoreFixtures.persist(kept, in: store)
            let before = core.knownState
            let deleteSession = SessionID.randomDeleteSession(for: .agent(agent.agentID))
            let marker = Transaction.trusting(madeAt: 1_750_000_100_000, changes: "[]",
                                              meta: (["deleted": .string(core.id.description)] as JSONValue).jsonStringify())
            try StoreFixtures.sign([marker], session: deleteSession, agent: agent, into: &core)
            try StoreFixtures.persist(core, since: before, in: store)

            let stored = try #require(try store.load(core.id))
            #expect(stored.sessions.map(\.sessionID) == [deleteSession])
            #expect(try store.knownState(of: core.id)?.sessions == [deleteSession: 1])
            #expect(try store.load(kept.id)?.sessions.first?.transactions.count == 1)
            #expect(try rowCounts(store)["transactions"] == 2)

            func fileHolds(_ text: String) -> Bool {
                [path, path + "-wal"].contains { FileManager.default.contents(atPath: $0)?.range(of: Data(text.utf8)) != nil }
            }
            #expect(!fileHolds("erase-me-"), "the erased transactions are still in the database file or its log")
            #expect(fileHolds("keep-me"))
            store.close()
            #expect(!fileHolds("erase-me-"))
        }
    }
}
