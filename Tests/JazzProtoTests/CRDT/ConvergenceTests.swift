import Foundation
import Testing

@testable import JazzProto

/// Property: a view is a pure function of the *set* of transactions. Three replicas edit concurrently
/// (random ops on their local views, random clocks with frequent equal `madeAt` across sessions), sync
/// in random batches, and every view built from any permutation of the final set is identical.
@Suite("Convergence")
struct ConvergenceTests {
    static let rounds = 8
    static let permutations = 6

    /// Runs `steps` random edits on three replicas that exchange random batches; returns all transactions.
    static func simulate(
        seed: UInt64, steps: Int, edit: (inout TestReplica, inout SeededRandom) throws -> [[JSONValue]]
    ) throws -> [DecodedTransaction] {
        var generator = SeededRandom(seed: seed)
        var replicas = [TestReplica(try TestSessions.a()), TestReplica(try TestSessions.b()), TestReplica(try TestSessions.c())]
        var clock: [UInt64] = [100, 100, 100]
        for _ in 0..<steps {
            let who = Int.random(in: 0..<3, using: &generator)
            // Clocks advance slowly (many ties across sessions) and sometimes jump back a little.
            clock[who] = clock[who] + UInt64.random(in: 0...2, using: &generator) - (Int.random(in: 0..<10, using: &generator) == 0 ? 2 : 0)
            for changes in try edit(&replicas[who], &generator) {
                replicas[who].commit(changes, madeAt: clock[who])
            }
            if Int.random(in: 0..<3, using: &generator) == 0 {
                // Deliver a random batch of what one replica knows to another.
                let from = Int.random(in: 0..<3, using: &generator)
                let to = Int.random(in: 0..<3, using: &generator)
                let batch = replicas[from].known.filter { _ in Bool.random(using: &generator) }
                replicas[to].receive(batch)
            }
        }
        var all: [TransactionID: DecodedTransaction] = [:]
        for replica in replicas { for transaction in replica.known { all[transaction.txID] = transaction } }
        return Array(all.values)
    }

    /// Builds `view` from several permutations and from random batch orders; all must be equal.
    static func expectConvergence<View: Equatable>(_ transactions: [DecodedTransaction], seed: UInt64, _ view: ([DecodedTransaction]) -> View) {
        var generator = SeededRandom(seed: seed ^ 0xABCD)
        let reference = view(transactions)
        for _ in 0..<permutations {
            #expect(view(transactions.shuffled(using: &generator)) == reference)
        }
    }

    @Test("CoMap", arguments: 0..<rounds)
    func coMap(round: Int) throws {
        let seed = UInt64(1000 + round)
        let transactions = try Self.simulate(seed: seed, steps: 150) { replica, generator in
            let key = "k\(Int.random(in: 0..<6, using: &generator))"
            switch Int.random(in: 0..<5, using: &generator) {
            case 0: return [CoMapChanges.delete(key)]
            case 1: return [CoMapChanges.assign([(key, .number(Double(replica.nextTxIndex))), ("other", .string(replica.session.description))])]
            default: return [CoMapChanges.set(key, .number(Double(Int.random(in: 0..<100, using: &generator))))]
            }
        }
        #expect(transactions.count > 100)
        Self.expectConvergence(transactions, seed: seed) { CoMapState(transactions: $0) }
        // Incremental application in any order (batches as they would arrive) ends in the same state.
        var generator = SeededRandom(seed: seed)
        let reference = CoMapState(transactions: transactions)
        var incremental = CoMapState()
        for transaction in transactions.shuffled(using: &generator) { incremental.apply(transaction) }
        #expect(incremental == reference)
        #expect(incremental.json == reference.json)
    }

    @Test("CoList", arguments: 0..<rounds)
    func coList(round: Int) throws {
        let seed = UInt64(2000 + round)
        let transactions = try Self.simulate(seed: seed, steps: 150) { replica, generator in
            let list = replica.list
            let value = JSONValue.string("\(replica.session.description.suffix(3))-\(replica.nextTxIndex)")
            let count = list.count
            switch Int.random(in: 0..<6, using: &generator) {
            case 0 where count > 0: return [try CoListChanges.delete(Int.random(in: 0..<count, using: &generator), in: list)]
            case 1 where count > 0: return [try CoListChanges.replace(Int.random(in: 0..<count, using: &generator), with: value, in: list)]
            case 2: return [try CoListChanges.prepend(value, before: Int.random(in: 0...count, using: &generator), in: list)]
            case 3: return [try CoListChanges.append([value, value], after: count > 0 ? Int.random(in: 0..<count, using: &generator) : 0, in: list)]
            default: return [try CoListChanges.append(value, in: list)]
            }
        }
        Self.expectConvergence(transactions, seed: seed) { CoListState(transactions: $0) }
        let list = CoListState(transactions: transactions)
        #expect(list.count > 10)
        // The values-only view (what `LocalNode.view` uses) is the full state's view, in any input order.
        #expect(CoListState.json(of: transactions.reversed()) == list.json)
        // Invisible transactions (meta losers) also converge: they anchor but never show.
        var generator = SeededRandom(seed: seed)
        let marked = transactions.map { transaction -> DecodedTransaction in
            var copy = transaction
            copy.isVisible = Int.random(in: 0..<8, using: &generator) != 0
            return copy
        }
        Self.expectConvergence(marked, seed: seed) { CoListState(transactions: $0) }
        #expect(CoListState(transactions: marked).atTime(110) == CoListState(transactions: marked.filter { $0.madeAt <= 110 }))
        #expect(CoListState.json(of: marked) == CoListState(transactions: marked).json)
    }

    @Test("CoPlainText", arguments: 0..<rounds)
    func coPlainText(round: Int) throws {
        let seed = UInt64(3000 + round)
        let pieces = ["a", "é", "e\u{301}", "👨‍👩‍👧", "🇫🇷", " ", "z"]
        let transactions = try Self.simulate(seed: seed, steps: 100) { replica, generator in
            let text = replica.text
            let count = text.count
            if count > 3, Bool.random(using: &generator) {
                let from = Int.random(in: 0..<count, using: &generator)
                return [try CoPlainTextChanges.deleteRange(from: from, to: min(count, from + Int.random(in: 1...3, using: &generator)), in: text)]
            }
            let insert = (0..<Int.random(in: 1...4, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
            let index = Int.random(in: 0...count, using: &generator)
            let madeAt: UInt64 = 0  // only used to simulate multi-chunk inserts; these are single-chunk
            return Bool.random(using: &generator)
                ? try CoPlainTextChanges.insertBefore(index, insert, in: text, firstTxID: replica.nextTxID, madeAt: madeAt)
                : try CoPlainTextChanges.insertAfter(index, insert, in: text, firstTxID: replica.nextTxID, madeAt: madeAt)
        }
        Self.expectConvergence(transactions, seed: seed) { CoPlainTextState(transactions: $0) }
        let text = CoPlainTextState(transactions: transactions)
        #expect(text.text.count == text.count)  // every element is exactly one grapheme, and they do not merge
    }

    @Test("CoStream", arguments: 0..<rounds)
    func coStream(round: Int) throws {
        let seed = UInt64(4000 + round)
        let transactions = try Self.simulate(seed: seed, steps: 120) { replica, generator in
            Int.random(in: 0..<10, using: &generator) == 0
                ? [[.number(Double(replica.nextTxIndex)), "second item"]]
                : [CoStreamChanges.push(.number(Double(replica.nextTxIndex)))]
        }
        Self.expectConvergence(transactions, seed: seed) { CoStreamState(transactions: $0) }
        Self.expectConvergence(transactions, seed: seed) { CoStreamState(transactions: $0).json.jsonStringify() }
    }

    @Test("BinaryCoStream", arguments: 0..<rounds)
    func binaryStream(round: Int) throws {
        let seed = UInt64(5000 + round)
        let transactions = try Self.simulate(seed: seed, steps: 60) { replica, generator in
            switch Int.random(in: 0..<12, using: &generator) {
            case 0: return [BinaryStreamChanges.start(mimeType: "m/\(replica.nextTxIndex)")]
            case 1: return [BinaryStreamChanges.end()]
            default: return [BinaryStreamChanges.chunk((0..<Int.random(in: 0..<5, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) })]
            }
        }
        Self.expectConvergence(transactions, seed: seed) { BinaryStreamState(transactions: $0) }
    }

    @Test("sorting helper agrees with DecodedTransaction.precedes")
    func sortingAgrees() throws {
        var generator = SeededRandom(seed: 99)
        let sessions = [try TestSessions.a(), try TestSessions.b(), try TestSessions.c()]
            + (try (0..<30).map { try TestSessions.session(TestSessions.accountB, "Sx" + String(repeating: "z", count: $0 + 1)) })  // > 16 sessions: hashed path
        var transactions: [DecodedTransaction] = []
        var next = [Int](repeating: 0, count: sessions.count)
        for _ in 0..<2000 {
            let s = Int.random(in: 0..<sessions.count, using: &generator)
            transactions.append(tx(sessions[s], next[s], UInt64.random(in: 0..<40, using: &generator), []))
            next[s] += 1
        }
        let sorting = TransactionSorting(transactions)
        let expected = transactions.sorted(by: DecodedTransaction.precedes)
        #expect(sorting.sorted.map(\.txID) == expected.map(\.txID))
        #expect(zip(sorting.sorted, sorting.sessionOfTransaction).allSatisfy { sorting.sessions[Int($1)] == $0.txID.sessionID })
        #expect(TransactionSorting(expected).sorted.map(\.txID) == expected.map(\.txID))
    }
}
