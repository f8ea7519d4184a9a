import Foundation
import Testing

@testable import JazzProto

/// concurrency.json: two sessions edit the same CoLists/CoMaps without seeing each other.
///
/// The edits are re-made here with the edit builders from their descriptions, on each writer's local
/// state; every local view before/after, every transaction's `madeAt` and index, the trusting changes
/// byte for byte, the merged views and the debug entries/winners must match the recording. The private
/// transactions are decrypted too (the group's read key is unsealed with the account secret) and must
/// equal what the builders wrote, byte for byte.
@Suite("concurrency.json")
struct ConcurrencyVectorTests {
    enum Edit {
        case append(JSONValue, after: JSONValue)
        case prepend(JSONValue, before: JSONValue)
        case delete(JSONValue)
        case replace(JSONValue, with: JSONValue)
        case set(String, JSONValue)
        case remove(String)
    }

    /// What each recorded description means.
    static let edits: [String: Edit] = [
        #"append "A1" after "a""#: .append("A1", after: "a"),
        #"append "B1" after "a" (same anchor, later madeAt)"#: .append("B1", after: "a"),
        #"delete "b""#: .delete("b"),
        #"delete "b" (concurrent double delete)"#: .delete("b"),
        #"prepend "B0" before "a""#: .prepend("B0", before: "a"),
        #"append "A-end" after "c""#: .append("A-end", after: "c"),
        #"append "B-end" after "c" (later madeAt)"#: .append("B-end", after: "c"),
        #"delete "c" (B inserted after it concurrently)"#: .delete("c"),
        #"replace "a" with "a*" (= app after a + del a, one tx)"#: .replace("a", with: "a*"),
        #"set k = "A-later""#: .set("k", "A-later"),
        #"set k = "B-earlier""#: .set("k", "B-earlier"),
        "delete other": .remove("other"),
        "set other = 2 (after the delete)": .set("other", 2),
        #"set del = "A-set""#: .set("del", "A-set"),
        "delete del (before the set)": .remove("del"),
        #"set trusted = "t" (trusting)"#: .set("trusted", "t"),
        #"set trusted = "A-private" (private, later)"#: .set("trusted", "A-private"),
        "set nested = {x:[1]}": .set("nested", ["x": [1]]),
        "set nested = {y:true}": .set("nested", ["y": true]),
        "set onlyB = null": .set("onlyB", .null),
        #"append "A-tie" after "p""#: .append("A-tie", after: "p"),
        #"append "B-tie" after "p" (SAME madeAt)"#: .append("B-tie", after: "p"),
        #"set k = "fromA""#: .set("k", "fromA"),
        #"set k = "fromB" (SAME madeAt)"#: .set("k", "fromB"),
        #"set mixed = "B-trusting" (trusting)"#: .set("mixed", "B-trusting"),
        #"set mixed = "A-private" (private, SAME madeAt)"#: .set("mixed", "A-private"),
    ]

    struct Recording {
        let vectors: JSONValue
        let sessions: [String: SessionID]
        /// value name -> transaction ID -> recorded transaction
        let recorded: [String: [TransactionID: RecordedTransaction]]
        /// key ID -> secret, unsealed from the group
        let keys: [String: KeySecret]
        /// value name -> every transaction re-made by the builders
        var remade: [String: [DecodedTransaction]] = [:]
    }

    static func load() throws -> Recording {
        let vectors = try CRDTVectors.load("concurrency.json")
        let content = try vectors.array("content")
        var recorded: [String: [TransactionID: RecordedTransaction]] = [:]
        for (name, id) in try vectors.object("ids") {
            guard let coID = id.stringValue else { continue }
            for transaction in try RecordedContent.transactions(of: coID, in: content) {
                recorded[name, default: [:]][transaction.txID] = transaction
            }
        }
        let sessions = try vectors.object("sessions").reduce(into: [String: SessionID]()) { result, member in
            result[member.key] = try SessionID(member.value.stringValue ?? "")
        }
        return Recording(vectors: vectors, sessions: sessions, recorded: recorded, keys: try unsealGroupKeys(vectors))
    }

    /// The group's read key, unsealed from `<readKey>_for_<account>` with the account secret (core §8.2).
    static func unsealGroupKeys(_ vectors: JSONValue) throws -> [String: KeySecret] {
        let content = try vectors.array("content")
        let accountID = try vectors.at("ids").string("account")
        let groupID = try vectors.at("ids").string("group")
        let secret = try AgentSecret(try vectors.at("accountA").string("accountSecret"))
        guard let accountMessage = content.first(where: { $0["id"]?.stringValue == accountID }) else { throw CRDTVectorError("no account content") }
        let agent = try AgentID(try accountMessage.at("header").at("ruleset").string("initialAdmin"))
        let groupTransactions = try RecordedContent.transactions(of: groupID, in: content)
        let group = CoMapState(transactions: try groupTransactions.map { try $0.decoded() })
        guard let readKey = group.value(forKey: "readKey")?.stringValue,
            let edit = group.lastEdit(forKey: "\(readKey)_for_\(accountID)"), let sealed = edit.value?.stringValue
        else { throw CRDTVectorError("the group does not reveal its read key to the account") }
        let keySecret = try secret.sealerSecret.unsealKeySecret(
            try Sealed(sealed), from: agent.sealerID,
            nonceMaterial: .transaction(coID: try CoID(groupID), sessionID: edit.txID.sessionID, txIndex: edit.txID.txIndex))
        return [readKey: keySecret]
    }

    /// Re-makes every concurrent edit with the builders on the writer's local state and checks it.
    static func remake(_ recording: inout Recording) throws -> Int {
        let vectors = recording.vectors
        var replicas: [String: [String: TestReplica]] = [:]  // value -> who -> replica
        for (name, initial) in try vectors.object("initial") {
            var a = TestReplica(try #require(recording.sessions["A"]))
            let initialChanges: [JSONValue]
            if case .array(let items) = initial {
                initialChanges = try CoListChanges.append(items, in: CoListState())
            } else {
                initialChanges = CoMapChanges.assign(Array(try #require(initial.objectValue)))
            }
            let recordedInitial = try #require(recording.recorded[name]?[a.nextTxID])
            let first = a.commit(initialChanges, madeAt: try recordedInitial.madeAt)
            try expectSameChanges(first, recordedInitial, keys: recording.keys)
            var b = TestReplica(try #require(recording.sessions["B"]))
            b.receive(a.known)
            replicas[name] = ["A": a, "B": b]
            // The initial state is what both writers saw first.
            if case .array = initial { #expect(a.list.json == initial) } else { #expect(a.map.json == initial) }
        }

        var checked = 0
        for edit in try vectors.array("concurrentEdits") {
            let who = try edit.string("who")
            let target = try edit.string("target")
            let description = try edit.string("description")
            let operation = try #require(edits[description], "unknown edit \(description)")
            var replica = try #require(replicas[target]?[who])
            #expect(replica.session.description == (try edit.string("session")))
            let isList = target.hasPrefix("list")
            #expect((isList ? replica.list.json : replica.map.json) == (try edit.at("localViewBefore")), "\(description): view before")

            let list = replica.list
            func index(of value: JSONValue) throws -> Int { try #require(list.items.firstIndex(of: value), "\(value) not in \(list.items)") }
            let changes: [JSONValue]
            switch operation {
            case .append(let value, let after): changes = try CoListChanges.append(value, after: try index(of: after), in: list)
            case .prepend(let value, let before): changes = try CoListChanges.prepend(value, before: try index(of: before), in: list)
            case .delete(let value): changes = try CoListChanges.delete(try index(of: value), in: list)
            case .replace(let old, let new): changes = try CoListChanges.replace(try index(of: old), with: new, in: list)
            case .set(let key, let value): changes = CoMapChanges.set(key, value)
            case .remove(let key): changes = CoMapChanges.delete(key)
            }
            let recorded = try #require(recording.recorded[target]?[replica.nextTxID], "\(description): no recorded transaction \(replica.nextTxID)")
            #expect((try recorded.madeAt) == (try edit.uint("madeAt")), "\(description): transaction index")
            let made = replica.commit(changes, madeAt: try edit.uint("madeAt"))
            try expectSameChanges(made, recorded, keys: recording.keys)
            #expect((isList ? replica.list.json : replica.map.json) == (try edit.at("localViewAfter")), "\(description): view after")
            replicas[target]?[who] = replica
            checked += 1
        }
        for (name, byWho) in replicas {
            let all = (byWho["A"]?.known ?? []) + (byWho["B"]?.known ?? []).filter { $0.txID.sessionID == recording.sessions["B"] }
            recording.remade[name] = all
            // Every recorded transaction was re-made.
            #expect(Set(all.map(\.txID)) == Set(recording.recorded[name]?.keys.map { $0 } ?? []), "\(name)")
        }
        return checked
    }

    /// The builder output is exactly the recorded changes text (verbatim for trusting, decrypted for private).
    static func expectSameChanges(_ made: DecodedTransaction, _ recorded: RecordedTransaction, keys: [String: KeySecret]) throws {
        let ours = JSONValue.array(made.changes).jsonStringify()
        let theirs = try recorded.changesText(keys: keys)
        #expect(Array(ours.utf8) == Array(theirs.utf8), "\(made.txID): \(ours) vs \(theirs)")
    }

    @Test("edits re-made with the builders reproduce every local view and every recorded transaction")
    func remadeEdits() throws {
        var recording = try Self.load()
        let count = try Self.remake(&recording)
        #expect(count == 26)
        Fixtures.report("concurrency.json", "concurrentEdits (local views + exact changes)", count: count)
    }

    @Test("merged views: listD/mapD converge to expected; debug entries and winners match")
    func mergedViews() throws {
        var recording = try Self.load()
        _ = try Self.remake(&recording)
        let vectors = recording.vectors
        // Views from the *recorded* transactions (decrypted), in shuffled order.
        func decoded(_ name: String) throws -> [DecodedTransaction] {
            try (recording.recorded[name]?.values.map { try $0.decoded(keys: recording.keys) } ?? []).shuffled()
        }
        let listD = CoListState(transactions: try decoded("listD"))
        #expect(listD.json == (try vectors.at("expected").at("listD")))
        #expect(listD == CoListState(transactions: recording.remade["listD"] ?? []))
        let expectedEntries = try vectors.at("debug").at("listD").array("entries")
        #expect(listD.entries.count == expectedEntries.count)
        for (entry, expected) in zip(listD.entries, expectedEntries) {
            #expect(entry.value == (try expected.at("value")))
            #expect(entry.madeAt == (try expected.uint("madeAt")))
            #expect(entry.opID.json == (try expected.at("opID")))
        }

        let mapD = CoMapState(transactions: try decoded("mapD"))
        #expect(mapD.json == (try vectors.at("expected").at("mapD")))
        #expect(mapD == CoMapState(transactions: recording.remade["mapD"] ?? []))
        let winners = try vectors.at("debug").at("mapD").object("winners")
        #expect(winners.count == mapD.keys.count)
        for (key, winner) in winners {
            let edit = try #require(mapD.lastEdit(forKey: key))
            #expect(edit.value == winner["value"] && winner["op"] == "set", "\(key)")
            #expect(edit.madeAt == (try winner.uint("madeAt")))
            #expect(edit.txID.sessionID.description == (try winner.string("sessionID")))
            #expect(edit.txID.txIndex == Int(try winner.uint("txIndex")))
            #expect(edit.changeIdx == Int(try winner.uint("changeIdx")))
        }
        Fixtures.report("concurrency.json", "expected listD/mapD + debug entries/winners", count: expectedEntries.count + winners.count + 2)
    }

    @Test("equal-madeAt ties: the deterministic tiebreak reproduces replica A's recorded views")
    func equalMadeAtTies() throws {
        let recording = try Self.load()
        let ties = try recording.vectors.at("equalMadeAtTies")
        let decodedListT = try recording.recorded["listT"]?.values.map { try $0.decoded(keys: recording.keys) } ?? []
        let decodedMapT = try recording.recorded["mapT"]?.values.map { try $0.decoded(keys: recording.keys) } ?? []
        // Session A's ID sorts before B's, so B's equal-madeAt op counts as later everywhere — the order
        // replica A happened to use. (The fresh loader agrees on listT and on mapT.k, but processed B's
        // trusting `mixed` before A's private one and so shows "A-private".)
        #expect(try #require(recording.sessions["A"]) < (try #require(recording.sessions["B"])))
        let listT = CoListState(transactions: decodedListT.shuffled())
        #expect(listT.json == (try ties.at("listT").at("A")))
        #expect(listT.json == (try ties.at("listT").at("freshLoader")))
        let entries = try recording.vectors.at("debug").at("listT").array("entries")
        #expect(listT.entries.map(\.opID.json) == (try entries.map { try $0.at("opID") }))
        let mapT = CoMapState(transactions: decodedMapT.shuffled())
        #expect(mapT.json == (try ties.at("mapT").at("A")))
        #expect(mapT.value(forKey: "k") == (try ties.at("mapT").at("freshLoader")).objectValue?["k"])
        #expect(ties["mapT"]?["converged"] == false)
        Fixtures.report("concurrency.json", "equalMadeAtTies (deterministic tiebreak)", count: 2)
    }
}
