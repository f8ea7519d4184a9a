import Foundation
import Testing

@testable import JazzProto

/// Correctly signed transactions whose changes are nonsense — ops of the wrong shape, unknown ops, op IDs
/// that name nothing or something malformed, values of every type, huge and negative numbers — written by
/// several sessions to every kind of CoValue. Building the views never crashes, and every replica that
/// receives the same transactions (in any order) shows the same views.
@Suite("Garbage changes")
struct GarbageChangesTests {
    /// Random JSON of the shapes CRDT builders look at.
    struct Garbage {
        var generator: SeededRandom
        /// Op IDs seen so far (some valid, so garbage also lands on real elements).
        var opIDs: [JSONValue] = []

        mutating func pick<T>(_ choices: [T]) -> T { choices[Int.random(in: 0..<choices.count, using: &generator)] }

        mutating func scalar() -> JSONValue {
            pick([JSONValue]([
                .null, true, false, 0, -1, 1, 0.5, 1e308, -1e308, .number(9_007_199_254_740_993), "", "x", "é👩‍👩‍👧",
                "start", "end", "co_zNope", "binary_U", "binary_UAAAA", "binary_U!!", "encrypted_U", "key_zz",
            ]))
        }

        mutating func opID() -> JSONValue {
            if !opIDs.isEmpty, Int.random(in: 0..<3, using: &generator) > 0 { return pick(opIDs) }
            let odd = scalar()
            return pick([JSONValue]([
                "start", "end", odd,
                .object(JSONObject([("sessionID", scalar()), ("txIndex", scalar()), ("changeIdx", scalar())])),
                ["sessionID": "co_zAAA_session_zBBB", "txIndex": 0, "changeIdx": 0],
                ["sessionID": "co_zAAA_session_zBBB", "txIndex": -3, "changeIdx": 1.5, "branch": "x"],
            ]))
        }

        mutating func value(depth: Int = 0) -> JSONValue {
            guard depth < 3 else { return scalar() }
            switch Int.random(in: 0..<6, using: &generator) {
            case 0: return .array((0..<Int.random(in: 0..<4, using: &generator)).map { _ in value(depth: depth + 1) })
            case 1: return .object(JSONObject((0..<Int.random(in: 0..<4, using: &generator)).map { i in ("k\(i)", value(depth: depth + 1)) }))
            default: return scalar()
            }
        }

        mutating func change() -> JSONValue {
            var members: [(String, JSONValue)] = []
            if Int.random(in: 0..<8, using: &generator) > 0 {
                members.append(("op", pick(["set", "del", "app", "pre", "del", "bogus", "set", "app", 3] as [JSONValue])))
            }
            for key in ["key", "value", "after", "before", "insertion", "compacted", "type", "mimeType", "fileName",
                        "totalSizeBytes", "chunk"] where Int.random(in: 0..<3, using: &generator) == 0 {
                switch key {
                case "after", "before", "insertion": members.append((key, opID()))
                case "chunk": members.append((key, pick(["binary_UAAAA", "binary_U", "x", .null, 7] as [JSONValue])))
                case "type": members.append((key, pick(["start", "chunk", "end", "other", .null] as [JSONValue])))
                default: members.append((key, value()))
                }
            }
            return Int.random(in: 0..<10, using: &generator) == 0 ? value() : .object(JSONObject(members))
        }
    }

    /// Seeded rounds; `GARBAGE_ROUNDS=n` runs more, for a deeper local search.
    static let rounds = Int(ProcessInfo.processInfo.environment["GARBAGE_ROUNDS"] ?? "") ?? 6

    @Test(arguments: 0..<rounds)
    func nonsenseNeverCrashesAndReplicasAgree(round: Int) throws {
        var garbage = Garbage(generator: SeededRandom(seed: 9_100 + UInt64(round)))
        let clock = CountingClock(start: 1_767_225_600_000)
        let alice = try LocalNode.createAccount(agentSecret: .random(), environment: clock.environment)
        let group = try alice.createGroup()
        let values = [
            try alice.createValue(type: "comap", owner: group),
            try alice.createValue(type: "colist", owner: group),
            try alice.createValue(type: "costream", owner: group),
            try alice.createValue(type: "coplaintext", owner: group),
            try alice.createValue(type: "costream", owner: group, meta: ["type": "binary"]),
        ]
        // A second session of the same account (another device) writes too, sometimes at the same time.
        let device = LocalNode(agentSecret: alice.agentSecret, accountID: alice.accountID, environment: clock.environment)
        for id in [alice.accountID!, group] + values {
            for piece in alice.core(id)!.newContentSince(nil) { device.ingest(piece) }
        }
        for step in 0..<240 {
            let writer = step % 3 == 0 ? device : alice
            let id = values[step % values.count]
            let changes = (0..<Int.random(in: 1..<4, using: &garbage.generator)).map { _ in garbage.change() }
            let txID = try writer.makeTransaction(in: id, changes: changes, privacy: step % 2 == 0 ? .private : .trusting)
            for changeIdx in changes.indices {
                garbage.opIDs.append(["sessionID": .string(txID.sessionID.description), "txIndex": .number(Double(txID.txIndex)),
                                      "changeIdx": .number(Double(changeIdx))])
            }
            // Views along the way, on the writer (incremental paths).
            if step % 17 == 0 { for value in values { _ = writer.view(of: value) } }
        }
        // Everything to a fresh replica, piece by piece in a shuffled order, then to another in order.
        var pieces: [ContentPiece] = []
        for node in [alice, device] {
            for id in [alice.accountID!, group] + values { pieces += node.core(id)!.newContentSince(nil) }
        }
        let inOrder = LocalNode(agentSecret: alice.agentSecret, accountID: alice.accountID)
        let shuffled = LocalNode(agentSecret: alice.agentSecret, accountID: alice.accountID)
        for piece in pieces { inOrder.ingest(piece) }
        var remaining = pieces.shuffled(using: &garbage.generator)
        // Pieces whose dependencies are missing are retried until everything is in.
        for _ in 0..<pieces.count where !remaining.isEmpty {
            remaining = remaining.filter { !shuffled.missingDependencies(of: $0).isEmpty || shuffled.ingest($0).missingDependencies.count > 0 }
        }
        #expect(remaining.isEmpty)
        for value in values {
            let expected = inOrder.view(of: value)
            #expect(expected != nil)
            #expect(shuffled.view(of: value) == expected, "\(value)")
            var both = alice.knownState(of: value)
            both.combine(with: device.knownState(of: value))
            #expect(inOrder.knownState(of: value) == both)
        }
        // The richer states used by editors are built without crashing too.
        _ = CoMapState(transactions: inOrder.decodedTransactions(of: values[0]))
        _ = CoListState(transactions: inOrder.decodedTransactions(of: values[1]))
        _ = CoPlainTextState(transactions: inOrder.decodedTransactions(of: values[3]))
    }
}
