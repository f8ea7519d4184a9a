import Foundation
import Testing

@testable import JazzProto

@Suite("CoMap")
struct CoMapTests {
    @Test("[set k 1, set k 2] in one transaction gives 2; del wins like set; a later set revives")
    func latestWins() throws {
        let a = try TestSessions.a()
        let b = try TestSessions.b()
        let oneTx = CoMapState(transactions: [tx(a, 0, 1, CoMapChanges.set("k", 1) + CoMapChanges.set("k", 2))])
        #expect(oneTx.value(forKey: "k") == 2)
        #expect(oneTx.edits(forKey: "k").map(\.changeIdx) == [0, 1])

        let deleted = CoMapState(transactions: [tx(a, 0, 1, CoMapChanges.set("k", "v")), tx(b, 0, 2, CoMapChanges.delete("k"))])
        #expect(deleted.value(forKey: "k") == nil)
        #expect(deleted.keys == [])
        #expect(deleted.keysWithEdits == ["k"])
        #expect(deleted.lastEdit(forKey: "k")?.isDeletion == true)
        #expect(deleted.json == .object(JSONObject()))

        let revived = CoMapState(transactions: [tx(a, 0, 1, CoMapChanges.set("k", "v")), tx(b, 0, 2, CoMapChanges.delete("k")), tx(a, 1, 3, CoMapChanges.set("k", "again"))])
        #expect(revived.value(forKey: "k") == "again")
        #expect(revived["k"] == "again")
        #expect(revived.edits(forKey: "k").map(\.value) == ["v", nil, "again"])
        #expect(revived.edits(forKey: "k").map(\.author) == [a.author, b.author, a.author])

        // del then set inside one transaction: the set wins; set then del: the del wins.
        #expect(CoMapState(transactions: [tx(a, 0, 1, CoMapChanges.delete("k") + CoMapChanges.set("k", 1))]).value(forKey: "k") == 1)
        #expect(CoMapState(transactions: [tx(a, 0, 1, CoMapChanges.set("k", 1) + CoMapChanges.delete("k"))]).value(forKey: "k") == nil)
        // An older madeAt loses even if it is in a later transaction of the same session.
        #expect(CoMapState(transactions: [tx(a, 0, 5, CoMapChanges.set("k", "new")), tx(a, 1, 4, CoMapChanges.set("k", "old"))]).value(forKey: "k") == "new")
        // null is a value, not a deletion.
        let nullValue = CoMapState(transactions: [tx(a, 0, 1, CoMapChanges.set("n", .null))])
        #expect(nullValue.keys == ["n"] && nullValue.value(forKey: "n") == .null)
    }

    @Test("equal madeAt across sessions: deterministic tiebreak by session ID, then txIndex")
    func equalMadeAt() throws {
        let a = try TestSessions.a()  // ..._session_zAwr… < ..._session_zFVw…
        let b = try TestSessions.b()
        #expect(a < b)
        let map = CoMapState(transactions: [tx(b, 0, 7, CoMapChanges.set("k", "fromB")), tx(a, 3, 7, CoMapChanges.set("k", "fromA"))])
        #expect(map.value(forKey: "k") == "fromB")
        #expect(map.edits(forKey: "k").map(\.txID.sessionID) == [a, b])
    }

    @Test("time travel: O(log n) lookups at a time and atTime views")
    func timeTravel() throws {
        let a = try TestSessions.a()
        let b = try TestSessions.b()
        let map = CoMapState(transactions: [
            tx(a, 0, 100, CoMapChanges.assign([("k", "v1"), ("other", 1)])),
            tx(b, 0, 200, CoMapChanges.set("k", "v2")),
            tx(a, 1, 300, CoMapChanges.delete("k")),
            tx(b, 1, 400, CoMapChanges.set("late", true)),
        ])
        #expect(map.value(forKey: "k", atTime: 99) == nil)
        #expect(map.value(forKey: "k", atTime: 100) == "v1")
        #expect(map.value(forKey: "k", atTime: 250) == "v2")
        #expect(map.value(forKey: "k", atTime: 300) == nil)
        #expect(map.lastEdit(forKey: "k", atTime: 300)?.isDeletion == true)
        #expect(map.lastEdit(forKey: "k", atTime: 299)?.txID == TransactionID(sessionID: b, txIndex: 0))
        #expect(map.lastEdit(forKey: "missing", atTime: 1000) == nil)
        #expect(map.atTime(250).json == ["k": "v2", "other": 1])
        #expect(map.atTime(250).keys == ["k", "other"])
        #expect(map.atTime(250).edits(forKey: "k").count == 2)
        #expect(map.atTime(50).keysWithEdits == [])
        #expect(map.atTime(1000) == map)
        #expect(map.json == ["other": 1, "late": true])
        #expect(map.count == 2)
        #expect(map.atFrontier([a: 1, b: 1]).json == ["k": "v2", "other": 1])
        #expect(map.atFrontier([a: 2]).json == ["other": 1])

        // Many edits: lookups at every time agree with a linear scan.
        var transactions: [DecodedTransaction] = []
        for index in 0..<500 { transactions.append(tx(index % 2 == 0 ? a : b, index / 2, UInt64(index * 3), CoMapChanges.set("x", .number(Double(index))))) }
        let big = CoMapState(transactions: transactions.shuffled())
        for t in stride(from: UInt64(0), to: 1600, by: 7) {
            let expected = transactions.filter { $0.madeAt <= t }.last.map { $0.changes[0]["value"] }
            #expect(big.value(forKey: "x", atTime: t) == expected ?? nil)
        }
    }

    @Test("apply in any order equals building from the sorted set")
    func incrementalApply() throws {
        let a = try TestSessions.a()
        let b = try TestSessions.b()
        var generator = SeededRandom(seed: 42)
        var transactions: [DecodedTransaction] = []
        for index in 0..<200 {
            let session = index % 2 == 0 ? a : b
            let key = "k\(Int.random(in: 0..<12, using: &generator))"
            let changes = Bool.random(using: &generator) ? CoMapChanges.set(key, .number(Double(index))) : CoMapChanges.delete(key)
            transactions.append(tx(session, index / 2, UInt64.random(in: 0..<60, using: &generator), changes))
        }
        let reference = CoMapState(transactions: transactions)
        for _ in 0..<5 {
            var incremental = CoMapState()
            for transaction in transactions.shuffled(using: &generator) { incremental.apply(transaction) }
            #expect(incremental == reference)
            #expect(incremental.keysWithEdits == reference.keysWithEdits)
        }
    }

    @Test("key order follows JS objects: integer-like keys first, then first-op order; keys are exact")
    func keyOrder() throws {
        let a = try TestSessions.a()
        let map = CoMapState(transactions: [
            tx(a, 0, 1, CoMapChanges.set("zeta", 1)),
            tx(a, 1, 2, CoMapChanges.set("17", 2) + CoMapChanges.set("alpha", 3) + CoMapChanges.set("2", 4) + CoMapChanges.set("01", 5)),
            tx(a, 2, 3, CoMapChanges.set("caf\u{E9}", "precomposed") + CoMapChanges.set("cafe\u{301}", "decomposed")),
            tx(a, 3, 4, CoMapChanges.set("4294967295", 6) + CoMapChanges.set("4294967294", 7)),
        ])
        #expect(map.keys == ["2", "17", "4294967294", "zeta", "alpha", "01", "caf\u{E9}", "cafe\u{301}", "4294967295"])
        #expect(map.value(forKey: "caf\u{E9}") == "precomposed")
        #expect(map.value(forKey: "cafe\u{301}") == "decomposed")
        let expectedText = "{\"2\":4,\"17\":2,\"4294967294\":7,\"zeta\":1,\"alpha\":3,\"01\":5,\"caf\u{E9}\":\"precomposed\",\"cafe\u{301}\":\"decomposed\",\"4294967295\":6}"
        // Compare bytes: Swift's String == would treat the two spellings of "café" as equal.
        #expect(Array(map.json.jsonStringify().utf8) == Array(expectedText.utf8))
    }

    @Test("malformed ops are skipped and reported")
    func malformed() throws {
        let a = try TestSessions.a()
        let map = CoMapState(transactions: [tx(a, 0, 1, [
            "text", .null, ["op": "set", "value": 1], ["op": "set", "key": 5, "value": 1], ["op": "set", "key": "noValue"],
            ["op": "put", "key": "k", "value": 1], ["key": "k", "value": 1], ["op": "set", "key": "ok", "value": 1],
        ])])
        #expect(map.json == ["ok": 1])
        #expect(map.skippedChanges.count == 7)
        #expect(map.skippedChanges[5] == .malformedChange(txID: TransactionID(sessionID: a, txIndex: 0), changeIndex: 5, reason: "unknown CoMap op \"put\""))
        // Invisible transactions never count.
        #expect(CoMapState(transactions: [tx(a, 0, 1, CoMapChanges.set("k", 1), visible: false)]).keysWithEdits == [])
    }

    @Test("builders: JS insertion order for set, assign and delete")
    func builders() {
        #expect(CoMapChanges.set("k", ["x": [1]]).map { $0.jsonStringify() } == [#"{"op":"set","key":"k","value":{"x":[1]}}"#])
        #expect(CoMapChanges.delete("k").map { $0.jsonStringify() } == [#"{"op":"del","key":"k"}"#])
        #expect(CoMapChanges.assign([("b", 1), ("a", 2), ("1", 3), ("b", 4)]).map { $0.jsonStringify() } == [
            #"{"op":"set","key":"1","value":3}"#, #"{"op":"set","key":"b","value":4}"#, #"{"op":"set","key":"a","value":2}"#,
        ])
        #expect(CoMapChanges.assign([]) == [])
    }

    // MARK: Vectors

    @Test("permissions.json: every account's view of every value equals latest-wins over its readable valid transactions")
    func permissionViews() throws {
        let vectors = try CRDTVectors.load("permissions.json")
        var checked = 0
        for (name, records) in try vectors.object("validity") {
            guard let perAccount = vectors["views"]?[name]?.objectValue else { continue }
            for (account, expected) in perAccount {
                var transactions: [DecodedTransaction] = []
                for record in records.arrayValue ?? [] {
                    let readable = record["privacy"] == "trusting" || record["decryptableBy"]?[account] == true
                    guard record["valid"] == true, readable, let changes = record["changes"]?.arrayValue else { continue }
                    let txID = TransactionID(sessionID: try SessionID(try record.string("sessionID")), txIndex: Int(try record.uint("txIndex")))
                    transactions.append(DecodedTransaction(txID: txID, madeAt: try record.uint("madeAt"), changes: changes))
                }
                let view = CoMapState(transactions: transactions.shuffled())
                #expect(view.json == expected, "\(name) as seen by \(account)")
                #expect(view.skippedChanges.isEmpty)
                checked += 1
            }
        }
        #expect(checked == 170)
        Fixtures.report("permissions.json", "views (CoMap latest-wins)", count: checked)
    }

    @Test("sync-transcript.json: the trusting group and account maps equal expectedViews")
    func transcriptGroupAndAccount() throws {
        let vectors = try CRDTVectors.load("sync-transcript.json")
        let messages = try vectors["phases"]?["create"]?.array("messages").compactMap { $0["msg"] } ?? []
        var checked = 0
        for name in ["group", "account"] {
            let coID = try vectors.at("values").at(name).string("id")
            let recorded = try RecordedContent.transactions(of: coID, in: messages)
            #expect(!recorded.isEmpty && recorded.allSatisfy(\.isTrusting))
            let view = CoMapState(transactions: try recorded.map { try $0.decoded() })
            #expect(view.json == (try vectors.at("expectedViews").at(name)), "\(name)")
            // The wire changes are exactly what the builder writes for each set.
            for transaction in recorded {
                let decoded = try transaction.decoded()
                let rebuilt = decoded.changes.compactMap { change -> [JSONValue]? in
                    guard let key = change["key"]?.stringValue, let value = change["value"] else { return nil }
                    return CoMapChanges.set(key, value)
                }.flatMap { $0 }
                #expect(JSONValue.array(rebuilt).jsonStringify() == (try transaction.changesText(keys: [:])))
            }
            checked += 1
        }
        Fixtures.report("sync-transcript.json", "expectedViews group/account (CoMap)", count: checked)
    }
}

@Suite("CoMap JSON fast path")
struct CoMapJSONFastPathTests {
    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func fastJSONEqualsTheFullStateJSON(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        let sessions = try (0..<3).map { _ in SessionID.random(for: .agent(AgentSecret.random().agentID)) }
        var transactions: [DecodedTransaction] = []
        for session in sessions {
            for index in 0..<40 {
                var changes: [JSONValue] = []
                for _ in 0..<Int.random(in: 1...3, using: &random) {
                    let key = ["a", "b", "0", "17", "01", "z"][Int.random(in: 0..<6, using: &random)]
                    switch Int.random(in: 0..<6, using: &random) {
                    case 0: changes.append(.object(JSONObject([("op", "del"), ("key", .string(key))])))
                    case 1: changes.append("not an op")
                    default: changes.append(.object(JSONObject([("op", "set"), ("key", .string(key)), ("value", .number(Double(index)))])))
                    }
                }
                transactions.append(DecodedTransaction(txID: TransactionID(sessionID: session, txIndex: index),
                                                       madeAt: UInt64.random(in: 0..<30, using: &random), changes: changes,
                                                       isVisible: Int.random(in: 0..<10, using: &random) > 0))
            }
        }
        transactions.shuffle(using: &random)
        let fast = CoMapState.json(of: transactions)
        let full = CoMapState(transactions: transactions).json
        #expect(fast == full)
        #expect(fast.jsonStringify() == full.jsonStringify())  // same key order too
    }
}
