import Foundation
import Testing

@testable import JazzProto

/// sync-transcript.json: every CoValue the client created, decrypted with the recorded read keys
/// (`debugReadKeys`) and rebuilt by the CRDT views, must equal `expectedViews`.
@Suite("sync-transcript.json views")
struct TranscriptReplayTests {
    struct Transcript {
        let vectors: JSONValue
        let messages: [JSONValue]
        let keys: [String: KeySecret]

        func transactions(_ name: String) throws -> [RecordedTransaction] {
            try RecordedContent.transactions(of: try vectors.at("values").at(name).string("id"), in: messages)
        }

        func decoded(_ name: String) throws -> [DecodedTransaction] {
            try transactions(name).map { try $0.decoded(keys: keys) }.shuffled()
        }

        func expected(_ name: String) throws -> JSONValue { try vectors.at("expectedViews").at(name) }
    }

    static func load() throws -> Transcript {
        let vectors = try CRDTVectors.load("sync-transcript.json")
        let messages = try vectors.at("phases").at("create").array("messages").compactMap { $0["msg"] }
        var keys: [String: KeySecret] = [:]
        for (_, entry) in try vectors.object("debugReadKeys") {
            keys[try entry.string("readKeyID")] = try KeySecret(try entry.string("readKeySecret"))
        }
        return Transcript(vectors: vectors, messages: messages, keys: keys)
    }

    @Test("CoMap values (map, profile) equal expectedViews")
    func maps() throws {
        let transcript = try Self.load()
        for name in ["map", "profile"] {
            let view = CoMapState(transactions: try transcript.decoded(name))
            #expect(view.json == (try transcript.expected(name)), "\(name)")
            #expect(view.skippedChanges.isEmpty)
        }
        Fixtures.report("sync-transcript.json", "expectedViews map/profile", count: 2)
    }

    @Test("CoList, CoPlainText and CoStream values equal expectedViews")
    func listTextFeed() throws {
        let transcript = try Self.load()
        let list = CoListState(transactions: try transcript.decoded("list"))
        #expect(list.json == (try transcript.expected("list")))
        let text = CoPlainTextState(transactions: try transcript.decoded("text"))
        #expect(text.json == (try transcript.expected("text")))
        #expect(text.text == (try transcript.expected("text").stringValue))
        let feed = CoStreamState(transactions: try transcript.decoded("feed"))
        #expect(feed.json == (try transcript.expected("feed")))
        #expect(feed.sessions.map(\.description) == (try transcript.expected("feed").objectValue?.keys ?? []))
        let creator = try SessionID(try transcript.vectors.at("sessions").string("creator"))
        #expect(feed.lastItemIn(creator)?.value == 3.5)
        #expect(feed.lastItemBy(creator.author)?.value == 3.5)
        #expect(feed.itemsBy(creator.author).map(\.value) == (try transcript.expected("feed").array(creator.description)))
        Fixtures.report("sync-transcript.json", "expectedViews list/text/feed", count: 3)
    }

    @Test("BinaryCoStream equals the harness rendering; chunk items are what the builder writes")
    func binary() throws {
        let transcript = try Self.load()
        let decoded = try transcript.decoded("bin")
        let view = BinaryStreamState(transactions: decoded)
        #expect(view.json == (try transcript.expected("bin")))
        #expect(view.json.jsonStringify() == (try transcript.expected("bin")).jsonStringify())
        #expect(view.isFinished && view.mimeType == "application/octet-stream" && view.fileName == "hello.bin" && view.totalSizeBytes == 10)
        #expect(view.rawJSON == .object(JSONObject()))

        // Every item is byte-identical to what the builders write.
        for transaction in try transcript.transactions("bin") {
            let text = try transaction.changesText(keys: transcript.keys)
            let item = try #require(try JSONValue(parsing: text).arrayValue?.first)
            switch item["type"]?.stringValue {
            case "chunk":
                let bytes = try BinaryChunk(try #require(item["chunk"]?.stringValue)).bytes
                #expect(JSONValue.array(BinaryStreamChanges.chunk(bytes)).jsonStringify() == text)
            case "end":
                #expect(JSONValue.array(BinaryStreamChanges.end()).jsonStringify() == text)
            case "start":
                #expect(JSONValue.array(BinaryStreamChanges.start(mimeType: "application/octet-stream", fileName: "hello.bin", totalSizeBytes: 10)).jsonStringify() == text)
            default:
                Issue.record("unexpected binary item \(text)")
            }
        }
        Fixtures.report("sync-transcript.json", "expectedViews bin", count: 1)
    }

    /// Re-makes each recorded transaction of `name` with `make` (given the state so far) and compares bytes.
    func expectRemade(
        _ name: String, _ transcript: Transcript, _ make: [(TransactionID, (CoListState) throws -> [[JSONValue]])]
    ) throws {
        let unsorted: [RecordedTransaction] = try transcript.transactions(name)
        let recorded = unsorted.sorted { (lhs: RecordedTransaction, rhs: RecordedTransaction) in lhs.txID.txIndex < rhs.txID.txIndex }
        var known: [DecodedTransaction] = []
        var position = 0
        for (firstTxID, step) in make {
            let made = try step(CoListState(transactions: known))
            for (offset, changes) in made.enumerated() {
                let original = try #require(recorded.indices.contains(position) ? recorded[position] : nil)
                #expect(original.txID.txIndex == firstTxID.txIndex + offset)
                let text = try original.changesText(keys: transcript.keys)
                #expect(Array(JSONValue.array(changes).jsonStringify().utf8) == Array(text.utf8), "\(name) tx \(position)")
                known.append(DecodedTransaction(txID: original.txID, madeAt: try original.madeAt, changes: changes))
                position += 1
            }
        }
        #expect(position == recorded.count)
    }

    @Test("the list and text transactions are exactly what the edit builders write")
    func remadeListAndText() throws {
        let transcript = try Self.load()
        let session = try SessionID(try transcript.vectors.at("sessions").string("creator"))
        func id(_ index: Int) -> TransactionID { TransactionID(sessionID: session, txIndex: index) }
        try expectRemade("list", transcript, [
            (id(0), { [try CoListChanges.append(["alpha", "beta"], in: $0)] }),  // createList([...])
            (id(1), { [try CoListChanges.append("gamma", in: $0)] }),
            (id(2), { [try CoListChanges.prepend("zero", in: $0)] }),
            (id(3), { [try CoListChanges.delete(2, in: $0)] }),
            (id(4), { [try CoListChanges.append("trusted item", in: $0)] }),
            (id(5), { [try CoListChanges.replace(0, with: "ZERO", in: $0)] }),
        ])
        try expectRemade("text", transcript, [
            (id(0), { try CoPlainTextChanges.insertAfter(0, "Hello \u{1F30D}!", in: CoPlainTextState(list: $0), firstTxID: id(0), madeAt: 1) }),
            (id(1), { try CoPlainTextChanges.insertAfter(5, ", world", in: CoPlainTextState(list: $0), firstTxID: id(1), madeAt: 2) }),
            (id(2), { [try CoPlainTextChanges.deleteRange(from: 0, to: 1, in: CoPlainTextState(list: $0))] }),
            (id(3), { try CoPlainTextChanges.insertBefore(0, "h", in: CoPlainTextState(list: $0), firstTxID: id(3), madeAt: 3) }),
        ])
        Fixtures.report("sync-transcript.json", "list/text transactions re-made by the builders", count: 10)
    }
}
