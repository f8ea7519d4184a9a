import Synchronization
import Testing

@testable import JazzProto

/// Convergence through the whole stack: three sessions edit every CRDT type with random operations and
/// clashing clocks; their signed content reaches the other nodes in random orders and batchings (gaps
/// included); every node ends with identical views.
@Suite("Convergence across nodes")
struct NodeConvergenceTests {
    /// A clock that counts up during setup, then takes few distinct (and unordered) values, so many edits
    /// of different sessions share a `madeAt`.
    final class CoarseClock: Sendable {
        private let state: Mutex<(random: SeededRandom, setupTime: UInt64, coarse: Bool)>
        init(seed: UInt64) { state = Mutex((SeededRandom(seed: seed), 1_700_000_000_000, false)) }
        func startCoarseTimes() { state.withLock { $0.coarse = true } }
        var environment: NodeEnvironment {
            NodeEnvironment(
                now: { [self] in
                    state.withLock { state in
                        guard state.coarse else {
                            state.setupTime += 1
                            return state.setupTime
                        }
                        return 1_800_000_000_000 + UInt64.random(in: 0..<40, using: &state.random)
                    }
                },
                randomBytes: { SecureRandom.bytes($0) })
        }
    }

    static func randomEdit(on node: LocalNode, values: [CoID], using random: inout SeededRandom) throws {
        let id = values[Int.random(in: 0..<values.count, using: &random)]
        let type = node.core(id)!.header!.type
        let decoded = node.decodedTransactions(of: id)
        let privacy: LocalNode.Privacy = Bool.random(using: &random) ? .private : .trusting
        switch type {
        case "comap":
            let key = "k\(Int.random(in: 0..<4, using: &random))"
            let changes = Int.random(in: 0..<5, using: &random) == 0
                ? CoMapChanges.delete(key) : CoMapChanges.set(key, .number(Double(Int.random(in: 0..<100, using: &random))))
            try node.makeTransaction(in: id, changes: changes, privacy: privacy)
        case "colist":
            let list = CoListState(transactions: decoded)
            let changes: [JSONValue]
            if list.count > 0 && Int.random(in: 0..<4, using: &random) == 0 {
                changes = try CoListChanges.delete(Int.random(in: 0..<list.count, using: &random), in: list)
            } else if list.count > 0 && Bool.random(using: &random) {
                changes = try CoListChanges.append([.number(Double(Int.random(in: 0..<100, using: &random)))],
                                                   after: Int.random(in: 0..<list.count, using: &random), in: list)
            } else {
                changes = try CoListChanges.prepend(.number(Double(Int.random(in: 0..<100, using: &random))), before: 0, in: list)
            }
            try node.makeTransaction(in: id, changes: changes, privacy: privacy)
        case "coplaintext":
            let text = CoPlainTextState(transactions: decoded)
            let session = node.writingSession(for: id)
            let txID = TransactionID(sessionID: session, txIndex: node.core(id)!.count(of: session))
            if text.count > 1 && Int.random(in: 0..<3, using: &random) == 0 {
                let from = Int.random(in: 0..<text.count, using: &random)
                try node.makeTransaction(in: id, changes: try CoPlainTextChanges.deleteRange(from: from, to: min(text.count, from + 2), in: text), privacy: privacy)
            } else {
                let word = ["a", "é", "👋🏽", "xy"][Int.random(in: 0..<4, using: &random)]
                for changes in try CoPlainTextChanges.insertAfter(Int.random(in: 0...text.count, using: &random), word, in: text, firstTxID: txID, madeAt: 0) {
                    try node.makeTransaction(in: id, changes: changes, privacy: privacy)
                }
            }
        default:
            try node.makeTransaction(in: id, changes: CoStreamChanges.push(.number(Double(Int.random(in: 0..<100, using: &random)))), privacy: privacy)
        }
    }

    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func threeSessionsConvergeWhateverTheDelivery(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        let agent = AgentSecret.random()
        let clock = CoarseClock(seed: seed)
        let origin = try LocalNode.createAccount(agentSecret: agent, environment: clock.environment)
        let group = try origin.createGroup()
        let values = try ["comap", "colist", "coplaintext", "costream"].map { try origin.createValue(type: $0, owner: group) }
        let nodes = [origin] + (0..<2).map { _ in LocalNode(agentSecret: agent, accountID: origin.accountID, environment: clock.environment) }
        let everything = [origin.accountID!, group] + values
        // Everyone starts from the same shared state.
        for node in nodes.dropFirst() {
            for id in everything { for piece in origin.core(id)!.newContentSince(nil) { node.ingest(piece) } }
        }
        clock.startCoarseTimes()
        for round in 0..<6 {
            for node in nodes {
                for _ in 0..<Int.random(in: 1...4, using: &random) { try Self.randomEdit(on: node, values: values, using: &random) }
            }
            // Random deliveries: a random sender's pieces for a random value, possibly only a later piece
            // (a gap the receiver must refuse), in random order; until the last round everything is sent.
            for _ in 0..<12 {
                let from = nodes[Int.random(in: 0..<3, using: &random)]
                let to = nodes[Int.random(in: 0..<3, using: &random)]
                let id = values[Int.random(in: 0..<values.count, using: &random)]
                let assumed = Bool.random(using: &random) ? to.knownState(of: id) : KnownState(id: id, header: true)
                var pieces = from.core(id)!.newContentSince(assumed)
                pieces.shuffle(using: &random)
                for piece in pieces { to.ingest(piece) }
            }
            _ = round
        }
        // Final full exchange (each node tells the others everything they lack).
        for _ in 0..<2 {
            for from in nodes {
                for to in nodes where to !== from {
                    for id in values { for piece in from.core(id)!.newContentSince(to.knownState(of: id)) { to.ingest(piece) } }
                }
            }
        }
        for id in values {
            let views = nodes.map { $0.view(of: id) }
            #expect(nodes.allSatisfy { $0.knownState(of: id) == origin.knownState(of: id) })
            #expect(views.allSatisfy { $0 == views[0] }, "\(origin.core(id)!.header!.type): \(views)")
        }
    }
}
