import Foundation
import Testing

@testable import JazzProto

@Suite("CoStream")
struct CoStreamTests {
    @Test("items per session, ordered by madeAt then txIndex; sessions in first-seen order")
    func ordering() throws {
        let a = try TestSessions.a()
        let b = try TestSessions.b()
        let c = try TestSessions.c()
        let transactions = [
            tx(a, 0, 30, CoStreamChanges.push("a0")),
            tx(a, 1, 10, CoStreamChanges.push("a1")),  // earlier clock than a0
            tx(a, 2, 30, ["a2.0", "a2.1"]),  // several items in one transaction keep their order
            tx(b, 0, 20, CoStreamChanges.push(["kind": "start", "n": 1])),
            tx(c, 0, 5, []),  // no items: no session entry
            tx(c, 1, 40, CoStreamChanges.push(3.5)),
            tx(b, 1, 1, CoStreamChanges.push("hidden"), visible: false),
        ]
        let stream = CoStreamState(transactions: transactions.shuffled())
        #expect(stream.sessions == [a, b, c])  // first items at 10, 20, 40
        #expect(stream.itemsIn(a).map(\.value) == ["a1", "a0", "a2.0", "a2.1"])
        #expect(stream.itemsIn(a).map(\.madeAt) == [10, 30, 30, 30])
        #expect(stream.json.jsonStringify() == #"{"\#(a)":["a1","a0","a2.0","a2.1"],"\#(b)":[{"kind":"start","n":1}],"\#(c)":[3.5]}"#)
        #expect(stream.lastItemIn(a)?.value == "a2.1")
        #expect(stream.lastItemIn(a)?.txID == TransactionID(sessionID: a, txIndex: 2))
        #expect(stream.lastItemIn(try TestSessions.session(TestSessions.accountB, "Unknown1")) == nil)
        #expect(stream.itemsIn(try TestSessions.session(TestSessions.accountB, "Unknown1")).isEmpty)
        #expect(stream.allItems.count == 6)
        #expect(CoStreamState().json == .object(JSONObject()))
    }

    @Test("per-author views: lastItemBy, itemsBy, perSession, perAccount")
    func perAuthor() throws {
        let a = try TestSessions.a()  // account A
        let b = try TestSessions.b()  // account A, another session
        let c = try TestSessions.c()  // account B
        let agent = try AgentID("sealer_zEGWbpBzyeSLgHsappMxwVseVmQzq6Sv4v8o7NRJXU535/signer_z7jzv5mQrVAXKFzRH5NtGXUbRS9SCKKFPt6SJFuW1cCBk")
        let agentSession = try SessionID("\(agent)_session_zAgent1")
        let transactions = [
            tx(a, 0, 10, ["a-first"]), tx(a, 1, 50, ["a-last"]),
            tx(b, 0, 20, ["b-first"]), tx(b, 1, 50, ["b-last"]),  // ties with a-last: the first session wins
            tx(c, 0, 30, ["c-only"]),
            tx(agentSession, 0, 60, ["by agent"]),
        ]
        let stream = CoStreamState(transactions: transactions.reversed())
        #expect(stream.lastItemBy(a.author)?.value == "a-last")
        #expect(stream.itemsBy(a.author).map(\.value) == ["a-first", "b-first", "a-last", "b-last"])
        #expect(stream.lastItemBy(c.author)?.value == "c-only")
        #expect(stream.lastItemBy(.agent(agent))?.value == "by agent")
        #expect(stream.perSession.count == 4)
        #expect(stream.perSession[b]?.value == "b-last")
        let accountA = try #require(a.author.accountID)
        let accountB = try #require(c.author.accountID)
        #expect(stream.accounts == [accountA, accountB])
        #expect(stream.perAccount == [accountA: try #require(stream.lastItemIn(a)), accountB: try #require(stream.lastItemIn(c))])
        #expect(stream.lastItemIn(agentSession)?.author == .agent(agent))
    }

    @Test("frontiers keep only the transactions below each session's count")
    func frontier() throws {
        let a = try TestSessions.a()
        let b = try TestSessions.b()
        let stream = CoStreamState(transactions: [tx(a, 0, 1, ["a0"]), tx(a, 1, 2, ["a1"]), tx(b, 0, 3, ["b0"])])
        #expect(stream.atFrontier([a: 1]).json.jsonStringify() == #"{"\#(a)":["a0"]}"#)
        #expect(stream.atFrontier([a: 2, b: 1]) == stream)
        #expect(CoStreamChanges.push(["x": 1]) == [["x": 1]])
    }
}
