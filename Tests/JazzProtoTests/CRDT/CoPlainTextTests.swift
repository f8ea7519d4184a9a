import Foundation
import Testing

@testable import JazzProto

@Suite("CoPlainText")
struct CoPlainTextTests {
    /// Applies each change array as the next transaction of `replica`.
    static func commit(_ transactions: [[JSONValue]], to replica: inout TestReplica, madeAt: UInt64) {
        for changes in transactions { replica.commit(changes, madeAt: madeAt) }
    }

    @Test("grapheme clusters: ZWJ families, flags, combining marks and CRLF are one element each")
    func graphemes() throws {
        let family = "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}"  // 👨‍👩‍👧
        let decomposed = "e\u{301}"  // é as e + COMBINING ACUTE
        let samples: [(String, Int)] = [
            (family, 1), (decomposed, 1), ("\u{1F1EB}\u{1F1F7}", 1), ("a\u{308}\u{301}", 1), ("\r\n", 1),
            ("\u{1100}\u{1161}\u{11A8}", 1), ("👍🏽", 1), ("ab", 2), ("", 0),
        ]
        for (text, count) in samples {
            #expect(CoPlainTextChanges.graphemes(of: text).count == count, "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
        }

        var replica = TestReplica(try TestSessions.a())
        let text = "h\(decomposed)llo \(family)!"
        Self.commit(try CoPlainTextChanges.insertAfter(0, text, in: replica.text, firstTxID: replica.nextTxID, madeAt: 1), to: &replica, madeAt: 1)
        let state = replica.text
        #expect(state.count == 8)
        #expect(state.entries[1].value == .string(decomposed))  // exact code points, not precomposed
        #expect(state.entries[6].value == .string(family))
        #expect(Array(state.text.unicodeScalars) == Array(text.unicodeScalars))
        // Delete the family emoji as one element.
        replica.commit(try CoPlainTextChanges.deleteRange(from: 6, to: 7, in: replica.text), madeAt: 2)
        #expect(Array(replica.text.text.unicodeScalars) == Array("h\(decomposed)llo !".unicodeScalars))
    }

    @Test("insertBefore / insertAfter / deleteRange follow cojson's index rules")
    func editing() throws {
        var replica = TestReplica(try TestSessions.a())
        func apply(_ make: (CoPlainTextState, TransactionID) throws -> [[JSONValue]]) throws {
            Self.commit(try make(replica.text, replica.nextTxID), to: &replica, madeAt: UInt64(replica.nextTxIndex + 1))
        }
        try apply { try CoPlainTextChanges.insertBefore(0, "world", in: $0, firstTxID: $1, madeAt: 1) }  // empty: prepend "w" at end, append rest
        #expect(replica.text.text == "world")
        #expect(replica.known[0].changes.first?["before"] == "end")
        try apply { try CoPlainTextChanges.insertBefore(0, "hello ", in: $0, firstTxID: $1, madeAt: 3) }
        #expect(replica.text.text == "hello world")
        #expect(throws: CRDTError.invalidIndex(operation: "append", index: 99, count: 11)) {
            _ = try CoPlainTextChanges.insertAfter(100, "!", in: replica.text, firstTxID: replica.nextTxID, madeAt: 5)
        }
        try apply { try CoPlainTextChanges.insertAfter(11, "!", in: $0, firstTxID: $1, madeAt: 5) }  // idx ≥ count → after idx-1
        #expect(replica.text.text == "hello world!")
        try apply { try CoPlainTextChanges.insertBefore(5, ",", in: $0, firstTxID: $1, madeAt: 6) }
        #expect(replica.text.text == "hello, world!")
        try apply { try CoPlainTextChanges.insertAfter(4, " there", in: $0, firstTxID: $1, madeAt: 7) }
        #expect(replica.text.text == "hello there, world!")
        replica.commit(try CoPlainTextChanges.deleteRange(from: 5, to: 11, in: replica.text), madeAt: 20)
        #expect(replica.text.text == "hello, world!")
        #expect(replica.known.last?.changes.count == 6)
        #expect(try CoPlainTextChanges.deleteRange(from: 3, to: 3, in: replica.text) == [])
        #expect(throws: CRDTError.invalidIndex(operation: "deleteRange", index: 13, count: 13)) {
            _ = try CoPlainTextChanges.deleteRange(from: 10, to: 14, in: replica.text)
        }
        #expect(throws: CRDTError.invalidIndex(operation: "deleteRange", index: -1, count: 13)) {
            _ = try CoPlainTextChanges.deleteRange(from: -1, to: 2, in: replica.text)
        }
        #expect(try CoPlainTextChanges.insertBefore(0, "", in: replica.text, firstTxID: replica.nextTxID, madeAt: 30) == [])
        #expect(replica.text.atTime(2).text == "world")
        #expect(replica.text.json == "hello, world!")
    }

    @Test("long inserts are cut into transactions of 512 graphemes, each anchored on the previous chunk")
    func chunking() throws {
        let session = try TestSessions.a()
        let text = String(repeating: "ab\u{1F30D}", count: 400)  // 1200 graphemes
        let first = TransactionID(sessionID: session, txIndex: 3)
        let transactions = try CoPlainTextChanges.insertAfter(0, text, in: CoPlainTextState(), firstTxID: first, madeAt: 9)
        #expect(transactions.map(\.count) == [512, 512, 176])
        // First chunk on an empty text: after "start", in order.
        #expect(transactions[0].first?["after"] == "start" && transactions[0].first?["value"] == "a")
        // Second chunk: after the first chunk's last element (change 511 of tx 3), written in reverse.
        #expect(transactions[1].allSatisfy { $0["after"] == CoListOpID(sessionID: session, txIndex: 3, changeIdx: 511).json })
        #expect(transactions[1].last?["value"] == .string(CoPlainTextChanges.graphemes(of: text)[512]))
        // Third chunk: after the second chunk's last element, which is its change 0.
        #expect(transactions[2].allSatisfy { $0["after"] == CoListOpID(sessionID: session, txIndex: 4, changeIdx: 0).json })
        let built = CoPlainTextState(transactions: transactions.enumerated().map { tx(session, 3 + $0.offset, 9, $0.element) })
        #expect(built.text == text)
        #expect(try CoPlainTextChanges.appendChars(CoPlainTextChanges.graphemes(of: text), at: -1, in: CoPlainTextState(), firstTxID: first, madeAt: 9, forceSimulation: true) == transactions)
    }

    @Test("the in-place chunk fast path equals re-reading the list after every chunk (cojson's behaviour)")
    func fastPathEqualsSimulation() throws {
        var generator = SeededRandom(seed: 7)
        let a = try TestSessions.a()
        let b = try TestSessions.b()
        for round in 0..<12 {
            // A text with some history from two sessions, then a long insert at a random position.
            var transactions: [DecodedTransaction] = []
            var state = CoPlainTextState()
            for step in 0..<6 {
                let session = step % 2 == 0 ? a : b
                let index = transactions.filter { $0.txID.sessionID == session }.count
                let id = TransactionID(sessionID: session, txIndex: index)
                let words = String(repeating: "x", count: Int.random(in: 1..<700, using: &generator))
                let made = try CoPlainTextChanges.insertAfter(Int.random(in: 0...state.count, using: &generator), words, in: state, firstTxID: id, madeAt: UInt64(step * 10))
                for (offset, changes) in made.enumerated() {
                    transactions.append(tx(session, index + offset, UInt64(step * 10), changes))
                }
                if step == 3, state.count > 2 {
                    transactions.append(tx(session, index + made.count, UInt64(step * 10 + 1), try CoPlainTextChanges.deleteRange(from: 1, to: 3, in: CoPlainTextState(transactions: transactions))))
                }
                state = CoPlainTextState(transactions: transactions)
            }
            let writer = try TestSessions.c()
            let graphemes = (0..<Int.random(in: 513..<1800, using: &generator)).map { _ in ["q", "é", "👍🏽"].randomElement(using: &generator)! }
            // A writer whose clock is behind (round % 3 == 0) cannot use the fast path; results must still agree.
            let madeAt: UInt64 = round % 3 == 0 ? 5 : 1000
            let position = Int.random(in: -3...state.count, using: &generator)
            let firstTxID = TransactionID(sessionID: writer, txIndex: 0)
            let fast = try CoPlainTextChanges.appendChars(graphemes, at: position, in: state, firstTxID: firstTxID, madeAt: madeAt)
            let slow = try CoPlainTextChanges.appendChars(graphemes, at: position, in: state, firstTxID: firstTxID, madeAt: madeAt, forceSimulation: true)
            #expect(fast == slow, "round \(round)")
        }
    }

    @Test("text joins items like JS Array.join, at the UTF-16 level")
    func joinSemantics() throws {
        let a = try TestSessions.a()
        let items: [JSONValue] = ["a", .null, 1.5, true, ["x", .null, 2], .object(JSONObject()), .utf16String([0xD83D]), .utf16String([0xDE00]), .utf16String([0xD800])]
        let text = CoPlainTextState(transactions: [tx(a, 0, 1, try CoListChanges.append(items, in: CoListState()))])
        #expect(text.utf16 == Array("a1.5truex,,2[object Object]\u{1F600}".utf16) + [0xD800])
        #expect(text.text == "a1.5truex,,2[object Object]\u{1F600}\u{FFFD}")
        #expect(text.json == .utf16String(Array("a1.5truex,,2[object Object]\u{1F600}".utf16) + [0xD800]))
    }
}
