import Foundation
import Testing

@testable import JazzProto

@Suite("CoList")
struct CoListTests {
    // MARK: Documented examples (cj/tests/coList.test.ts, jazz-sync §6.5)

    @Test("two replicas alternately appending to [1,2] at 3<4<5<6 give [1,2,4,6,3,5]")
    func concurrentAppends() throws {
        var a = TestReplica(try TestSessions.a())
        a.commit(try CoListChanges.append(1, in: a.list), madeAt: 1)
        a.commit(try CoListChanges.append(2, in: a.list), madeAt: 2)
        var b = TestReplica(try TestSessions.b())
        b.receive(a.known)
        #expect(b.list.items == [1, 2])

        b.commit(try CoListChanges.append(3, in: b.list), madeAt: 3)
        a.commit(try CoListChanges.append(4, in: a.list), madeAt: 4)
        b.commit(try CoListChanges.append(5, in: b.list), madeAt: 5)
        a.commit(try CoListChanges.append(6, in: a.list), madeAt: 6)
        #expect(a.list.items == [1, 2, 4, 6])
        #expect(b.list.items == [1, 2, 3, 5])

        a.receive(b.known)
        b.receive(a.known)
        #expect(a.list.items == [1, 2, 4, 6, 3, 5])
        #expect(b.list == a.list)
    }

    @Test("two replicas alternately prepending give [6,4,5,3,2,1]")
    func concurrentPrepends() throws {
        var a = TestReplica(try TestSessions.a())
        a.commit(try CoListChanges.prepend(1, in: a.list), madeAt: 1)
        a.commit(try CoListChanges.prepend(2, in: a.list), madeAt: 2)
        #expect(a.list.items == [2, 1])
        var b = TestReplica(try TestSessions.b())
        b.receive(a.known)

        b.commit(try CoListChanges.prepend(3, in: b.list), madeAt: 3)
        a.commit(try CoListChanges.prepend(4, in: a.list), madeAt: 4)
        b.commit(try CoListChanges.prepend(5, in: b.list), madeAt: 5)
        a.commit(try CoListChanges.prepend(6, in: a.list), madeAt: 6)

        a.receive(b.known)
        b.receive(a.known)
        #expect(a.list.items == [6, 4, 5, 3, 2, 1])
        #expect(b.list.items == a.list.items)
    }

    @Test("append(first,0); append(second,0); append(third,0) gives [first, third, second]")
    func appendsAtSameIndex() throws {
        var a = TestReplica(try TestSessions.a())
        for (time, word) in ["first", "second", "third"].enumerated() {
            a.commit(try CoListChanges.append(.string(word), after: 0, in: a.list), madeAt: UInt64(time + 1))
        }
        #expect(a.list.items == ["first", "third", "second"])
    }

    @Test("prepends at 0 read latest first; mixing prepend and append")
    func prependAndMix() throws {
        var a = TestReplica(try TestSessions.a())
        for (time, word) in ["first", "second", "third"].enumerated() {
            a.commit(try CoListChanges.prepend(.string(word), before: 0, in: a.list), madeAt: UInt64(time + 1))
        }
        #expect(a.list.items == ["third", "second", "first"])

        var m = TestReplica(try TestSessions.b())
        m.commit(try CoListChanges.append(2, in: m.list), madeAt: 1)
        m.commit(try CoListChanges.prepend(1, in: m.list), madeAt: 2)
        m.commit(try CoListChanges.append(3, in: m.list), madeAt: 3)
        #expect(m.list.items == [1, 2, 3])
    }

    @Test("appendItems at an index and with a negative index (coList.test.ts)")
    func appendItemsAtIndex() throws {
        var a = TestReplica(try TestSessions.a())
        a.commit(try CoListChanges.append("first", after: 0, in: a.list), madeAt: 1)
        a.commit(try CoListChanges.append("second", after: 0, in: a.list), madeAt: 2)
        a.commit(try CoListChanges.append(["third", "fourth"], after: 1, in: a.list), madeAt: 3)
        #expect(a.list.items == ["first", "second", "third", "fourth"])
        a.commit(try CoListChanges.append(["hello", "world"], after: 0, in: a.list), madeAt: 4)
        #expect(a.list.items == ["first", "hello", "world", "second", "third", "fourth"])

        var n = TestReplica(try TestSessions.b())
        n.commit(try CoListChanges.append("hello", after: 0, in: n.list), madeAt: 1)
        n.commit(try CoListChanges.append(["world", "hooray", "universe"], after: -1, in: n.list), madeAt: 2)
        #expect(n.list.items == ["hello", "world", "hooray", "universe"])
    }

    // MARK: Builders

    @Test("builders emit JS key order, reverse anchored appends, and use start/end markers")
    func builderShapes() throws {
        let empty = CoListState()
        let first = try CoListChanges.append(["x", "y"], in: empty)
        #expect(first.map { $0.jsonStringify() } == [#"{"op":"app","value":"x","after":"start"}"#, #"{"op":"app","value":"y","after":"start"}"#])
        #expect(try CoListChanges.prepend("p", in: empty).map { $0.jsonStringify() } == [#"{"op":"pre","value":"p","before":"end"}"#])

        let a = try TestSessions.a()
        let state = CoListState(transactions: [tx(a, 0, 1, first)])
        let anchor = #"{"sessionID":"\#(a)","txIndex":0,"changeIdx":1}"#
        let appended = try CoListChanges.append(["1", "2"], after: 1, in: state)
        #expect(appended.map { $0.jsonStringify() } == [
            #"{"op":"app","value":"2","after":\#(anchor)}"#, #"{"op":"app","value":"1","after":\#(anchor)}"#,
        ])
        #expect(try CoListChanges.prepend("z", before: 2, in: state).first?.jsonStringify() == #"{"op":"pre","value":"z","before":"end"}"#)
        #expect(try CoListChanges.prepend("z", before: 1, in: state).first?.jsonStringify() == #"{"op":"pre","value":"z","before":\#(anchor)}"#)
        #expect(try CoListChanges.delete(1, in: state).map { $0.jsonStringify() } == [#"{"op":"del","insertion":\#(anchor)}"#])
        #expect(try CoListChanges.replace(1, with: "Y", in: state).map { $0.jsonStringify() } == [
            #"{"op":"app","value":"Y","after":\#(anchor)}"#, #"{"op":"del","insertion":\#(anchor)}"#,
        ])
        #expect(try CoListChanges.append([], in: state) == [])
        // Default anchor is the last element.
        #expect(try CoListChanges.append("end", in: state).first?["after"] == state.entries[1].opID.json)
    }

    @Test("builders reject invalid indices with typed errors")
    func builderErrors() throws {
        let empty = CoListState()
        #expect(throws: CRDTError.invalidIndex(operation: "append", index: 1, count: 0)) { try CoListChanges.append("x", after: 1, in: empty) }
        #expect(throws: CRDTError.invalidIndex(operation: "prepend", index: 1, count: 0)) { try CoListChanges.prepend("x", before: 1, in: empty) }
        #expect(throws: CRDTError.invalidIndex(operation: "delete", index: 0, count: 0)) { try CoListChanges.delete(0, in: empty) }
        #expect(throws: CRDTError.invalidIndex(operation: "replace", index: 0, count: 0)) { try CoListChanges.replace(0, with: 1, in: empty) }
        let a = try TestSessions.a()
        let one = CoListState(transactions: [tx(a, 0, 1, try CoListChanges.append("x", in: empty))])
        #expect(throws: CRDTError.invalidIndex(operation: "append", index: 1, count: 1)) { try CoListChanges.append("y", after: 1, in: one) }
        #expect(throws: CRDTError.invalidIndex(operation: "prepend", index: -1, count: 1)) { try CoListChanges.prepend("y", before: -1, in: one) }
        #expect(throws: CRDTError.invalidIndex(operation: "prepend", index: 2, count: 1)) { try CoListChanges.prepend("y", before: 2, in: one) }
        #expect(throws: CRDTError.invalidIndex(operation: "delete", index: -1, count: 1)) { try CoListChanges.delete(-1, in: one) }
        #expect(try CoListChanges.append("y", after: -5, in: one).first?["after"] == one.entries[0].opID.json)
        #expect(CRDTError.invalidIndex(operation: "delete", index: 3, count: 1).description.contains("index 3"))
    }

    // MARK: Edge cases

    @Test("deleting an already deleted item, and deletions recorded before their target exists")
    func doubleDeleteAndEarlyDeletion() throws {
        let a = try TestSessions.a()
        let b = try TestSessions.b()
        let initial = tx(a, 0, 10, try CoListChanges.append(["a", "b", "c"], in: CoListState()))
        let state = CoListState(transactions: [initial])
        let deleteB = try CoListChanges.delete(1, in: state)
        let list = CoListState(transactions: [initial, tx(a, 1, 11, deleteB), tx(b, 0, 12, deleteB)])
        #expect(list.items == ["a", "c"])
        #expect(list.deletions.count == 2)
        #expect(list.deletions.map(\.target) == [state.entries[1].opID, state.entries[1].opID])
        #expect(list.deletions.map(\.author) == [a.author, b.author])

        // A deletion made (per madeAt) before the insertion it names still deletes it.
        let early = CoListState(transactions: [tx(b, 0, 5, deleteB), initial])
        #expect(early.items == ["a", "c"])
    }

    @Test("inserting relative to a deleted item still anchors there")
    func insertRelativeToDeleted() throws {
        let a = try TestSessions.a()
        var replica = TestReplica(a)
        replica.commit(try CoListChanges.append(["a", "b", "c"], in: replica.list), madeAt: 1)
        let stateBefore = replica.list
        replica.commit(try CoListChanges.delete(1, in: replica.list), madeAt: 2)
        // Another replica, not having seen the delete, appends after "b" and prepends before "b".
        var other = TestReplica(try TestSessions.b())
        other.receive([replica.known[0]])
        #expect(other.list == stateBefore)
        other.commit(try CoListChanges.append("after-b", after: 1, in: other.list), madeAt: 3)
        other.commit(try CoListChanges.prepend("before-b", before: 1, in: other.list), madeAt: 4)
        #expect(other.list.items == ["a", "before-b", "b", "after-b", "c"])
        replica.receive(other.known)
        #expect(replica.list.items == ["a", "before-b", "after-b", "c"])
    }

    @Test("orphans: unknown anchors are never shown, even if the anchor appears later")
    func orphans() throws {
        let a = try TestSessions.a()
        let b = try TestSessions.b()
        let later = tx(a, 0, 20, try CoListChanges.append("anchor", in: CoListState()))
        let anchorID = CoListOpID(sessionID: a, txIndex: 0, changeIdx: 0).json
        let early: [JSONValue] = [
            .object(JSONObject([("op", "app"), ("value", "orphan-after"), ("after", anchorID)])),
            .object(JSONObject([("op", "pre"), ("value", "orphan-before"), ("before", anchorID)])),
        ]
        // The orphans are processed (madeAt 10) before their anchor exists (madeAt 20).
        let list = CoListState(transactions: [tx(b, 0, 10, early), later])
        #expect(list.items == ["anchor"])
        // Children of an orphan stay hidden too.
        let child = tx(b, 1, 30, [.object(JSONObject([("op", "app"), ("value", "child"), ("after", CoListOpID(sessionID: b, txIndex: 0, changeIdx: 0).json)]))])
        #expect(CoListState(transactions: [tx(b, 0, 10, early), later, child]).items == ["anchor"])
        // Anchors naming unknown sessions, branches, non-integer indices or garbage are orphans as well.
        let garbage: [JSONValue] = [
            .object(JSONObject([("op", "app"), ("value", 1), ("after", .object(JSONObject([("sessionID", "nope"), ("txIndex", 0), ("changeIdx", 0)])))])),
            .object(JSONObject([("op", "app"), ("value", 2), ("after", .object(JSONObject([("sessionID", .string(a.description)), ("txIndex", 0), ("branch", "co_zX"), ("changeIdx", 0)])))])),
            .object(JSONObject([("op", "app"), ("value", 3), ("after", .object(JSONObject([("sessionID", .string(a.description)), ("txIndex", 0.5), ("changeIdx", 0)])))])),
            .object(JSONObject([("op", "app"), ("value", 4), ("after", "end")])),
            .object(JSONObject([("op", "pre"), ("value", 5), ("before", "start")])),
            .object(JSONObject([("op", "app"), ("value", 6), ("after", 17)])),
        ]
        #expect(CoListState(transactions: [later, tx(b, 0, 30, garbage)]).items == ["anchor"])
        // A branch of null / "" means "no branch", as in JS.
        let nullBranch: [JSONValue] = [
            .object(JSONObject([("op", "app"), ("value", 7), ("after", .object(JSONObject([("sessionID", .string(a.description)), ("txIndex", 0), ("branch", .null), ("changeIdx", 0)])))])),
        ]
        #expect(CoListState(transactions: [later, tx(b, 0, 30, nullBranch)]).items == ["anchor", 7])
    }

    @Test("malformed changes are skipped and reported, never crash")
    func malformedChanges() throws {
        let a = try TestSessions.a()
        let selfID = CoListOpID(sessionID: a, txIndex: 1, changeIdx: 4).json
        let changes: [JSONValue] = [
            "not an object",
            .object(JSONObject([("op", "move"), ("value", 1)])),
            .object(JSONObject([("value", 1)])),
            .object(JSONObject([("op", "del")])),
            .object(JSONObject([("op", "app"), ("value", "self"), ("after", selfID)])),  // anchored to itself
            .object(JSONObject([("op", "app"), ("after", "start")])),  // no value: shown as null
            .object(JSONObject([("op", "app"), ("value", "no anchor")])),
            .object(JSONObject([("op", "app"), ("value", "ok"), ("after", "start")])),
            .null,
        ]
        let list = CoListState(transactions: [tx(a, 1, 1, changes)])
        #expect(list.items == [.null, "ok"])
        #expect(list.skippedChanges.count == 6)
        #expect(list.skippedChanges.first == .malformedChange(txID: TransactionID(sessionID: a, txIndex: 1), changeIndex: 0, reason: "a CoList change must be an object"))
        #expect(list.skippedChanges.contains { if case .malformedChange(_, 1, let reason) = $0 { reason.contains("\"move\"") } else { false } })
    }

    @Test("empty values, duplicate ops, and invisible transactions that still anchor")
    func invisibleAndDuplicates() throws {
        let a = try TestSessions.a()
        let b = try TestSessions.b()
        let values: [JSONValue] = ["", .array([]), .object(JSONObject()), .null, 0]
        let first = tx(a, 0, 1, try CoListChanges.append(values, in: CoListState()))
        #expect(CoListState(transactions: [first]).items == values)
        // The same transaction twice (e.g. merged twice) creates each node once.
        #expect(CoListState(transactions: [first, first]).items == values)

        // An invisible (meta-invalid) insertion is hidden but anchors later ones; its deletions count.
        let hidden = tx(b, 0, 2, [
            .object(JSONObject([("op", "app"), ("value", "hidden"), ("after", "start")])),
            .object(JSONObject([("op", "del"), ("insertion", CoListOpID(sessionID: a, txIndex: 0, changeIdx: 0).json)])),
        ], visible: false)
        let child = tx(a, 1, 3, [.object(JSONObject([("op", "app"), ("value", "child"), ("after", CoListOpID(sessionID: b, txIndex: 0, changeIdx: 0).json)]))])
        let list = CoListState(transactions: [first, hidden, child])
        #expect(list.items == Array(values.dropFirst()) + ["child"])
    }

    @Test("restrictDeletion hook drops visible transactions with deletions that are not allowed")
    func restrictDeletion() throws {
        let a = try TestSessions.a()
        let c = try TestSessions.c()
        let initial = tx(a, 0, 1, try CoListChanges.append(["x", "y"], in: CoListState()))
        let state = CoListState(transactions: [initial])
        let writerReplace = tx(c, 0, 2, try CoListChanges.replace(0, with: "X", in: state))
        let writerAppend = tx(c, 1, 3, try CoListChanges.append("z", in: state))
        let isAdmin: (DecodedTransaction) -> Bool = { $0.author == a.author }
        let restricted = CoListState(transactions: [initial, writerReplace, writerAppend], isDeletionAllowed: isAdmin)
        #expect(restricted.items == ["x", "y", "z"])
        #expect(restricted.transactions.count == 2)
        #expect(CoListState.json(of: [writerAppend, writerReplace, initial], isDeletionAllowed: isAdmin) == ["x", "y", "z"])
        #expect(CoListState.json(of: [writerAppend, writerReplace, initial]) == ["X", "y", "z"])
        let open = CoListState(transactions: [initial, writerReplace, writerAppend])
        #expect(open.items == ["X", "y", "z"])
        // Invisible transactions are not subject to the restriction (their deletions still count).
        var invisibleDelete = writerReplace
        invisibleDelete.isVisible = false
        #expect(CoListState(transactions: [initial, invisibleDelete], isDeletionAllowed: isAdmin).items == ["y"])
    }

    @Test("time travel and frontiers rebuild from a subset of transactions")
    func timeTravel() throws {
        var a = TestReplica(try TestSessions.a())
        a.commit(try CoListChanges.append("one", in: a.list), madeAt: 100)
        a.commit(try CoListChanges.append("two", in: a.list), madeAt: 200)
        a.commit(try CoListChanges.delete(0, in: a.list), madeAt: 300)
        let list = a.list
        #expect(list.items == ["two"])
        #expect(list.atTime(99).items == [])
        #expect(list.atTime(100).items == ["one"])
        #expect(list.atTime(250).items == ["one", "two"])
        #expect(list.atTime(300) == list)
        #expect(list.atFrontier([a.session: 2]).items == ["one", "two"])
        #expect(list.atFrontier([:]).items == [])
        #expect(list.entries.map(\.madeAt) == [200])
        #expect(list.entry(at: 0)?.author == a.session.author)
        #expect(list.entry(at: 1) == nil)
        #expect(list.json == .array(["two"]))
    }

    @Test("a 10 000-item list builds quickly, in order, without deep recursion")
    func largeList() throws {
        let a = try TestSessions.a()
        // Worst case for recursion: each item appended after the previous one (a 10 000-deep chain).
        var transactions: [DecodedTransaction] = []
        var previous: JSONValue = "start"
        for index in 0..<10_000 {
            transactions.append(tx(a, index, UInt64(index), [.object(JSONObject([("op", "app"), ("value", .number(Double(index))), ("after", previous)]))]))
            previous = CoListOpID(sessionID: a, txIndex: index, changeIdx: 0).json
        }
        let clock = ContinuousClock()
        var list = CoListState()
        let elapsed = clock.measure { list = CoListState(transactions: transactions.reversed()) }
        #expect(list.count == 10_000)
        #expect(list.items.first == 0 && list.items.last == 9_999)
        #expect(list.items == (0..<10_000).map { JSONValue.number(Double($0)) })
        // Timing is reported, not asserted (speed goals live in the benchmarks).
        print("[perf] CoList 10 000 chained appends (debug build): \(elapsed)")

        // 10 000 items in one transaction after "start", and 10 000 prepends at the front.
        let bulk = CoListState(transactions: [tx(a, 0, 1, try CoListChanges.append((0..<10_000).map { .number(Double($0)) }, in: CoListState()))])
        #expect(bulk.count == 10_000 && bulk.items[9_999] == 9_999)
        var prepends: [DecodedTransaction] = []
        for index in 0..<10_000 {
            prepends.append(tx(a, index, UInt64(index), [.object(JSONObject([("op", "pre"), ("value", .number(Double(index))), ("before", index == 0 ? "end" : CoListOpID(sessionID: a, txIndex: index - 1, changeIdx: 0).json)]))]))
        }
        let prepended = CoListState(transactions: prepends)
        #expect(prepended.items.first == 9_999 && prepended.items.last == 0)
    }
}
