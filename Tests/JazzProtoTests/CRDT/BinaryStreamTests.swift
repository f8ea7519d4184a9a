import Foundation
import Testing

@testable import JazzProto

@Suite("BinaryCoStream")
struct BinaryStreamTests {
    static func item(_ changes: [JSONValue]) -> JSONValue { changes[0] }

    @Test("start, chunks and end from the builders read back as the original bytes")
    func roundTrip() throws {
        let a = try TestSessions.a()
        let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let pieces = BinaryStreamChanges.chunks(of: data, chunkSize: 300)
        #expect(pieces.map(\.count) == [300, 300, 300, 100])
        let items = BinaryStreamChanges.file(data, mimeType: "image/png", fileName: "x.png", chunkSize: 300)
        #expect(items.count == 6)
        let transactions = items.enumerated().map { tx(a, $0.offset, UInt64(10 - $0.offset), $0.element) }  // madeAt decreasing: not sorted by time
        let stream = BinaryStreamState(transactions: transactions.shuffled())
        #expect(stream.bytes == data)
        #expect(stream.chunks == pieces)
        #expect(stream.isFinished && stream.mimeType == "image/png" && stream.fileName == "x.png" && stream.totalSizeBytes == 1000)
        #expect(stream.binaryChunks() == pieces)
        #expect(stream.skippedChanges.isEmpty)
        #expect(BinaryStreamChanges.chunks(of: []).isEmpty)
        #expect(BinaryStreamChanges.chunks(of: [1, 2, 3], chunkSize: 0) == [[1], [2], [3]])
        #expect(BinaryStreamChanges.chunks(of: Array(repeating: 0, count: 204_801)).map(\.count) == [102_400, 102_400, 1])
        #expect(BinaryStreamChanges.file([], mimeType: "a/b").map { $0[0].jsonStringify() } == [
            #"{"type":"start","mimeType":"a/b","totalSizeBytes":0}"#, #"{"type":"end"}"#,
        ])
    }

    @Test("builder item shapes: padded base64url chunks, JS key order")
    func itemShapes() {
        #expect(Self.item(BinaryStreamChanges.start(mimeType: "text/plain")).jsonStringify() == #"{"type":"start","mimeType":"text/plain"}"#)
        #expect(Self.item(BinaryStreamChanges.start(mimeType: "m", fileName: "f", totalSizeBytes: 3)).jsonStringify() == #"{"type":"start","mimeType":"m","fileName":"f","totalSizeBytes":3}"#)
        #expect(Self.item(BinaryStreamChanges.chunk(Array("f".utf8))).jsonStringify() == #"{"type":"chunk","chunk":"binary_UZg=="}"#)
        #expect(Self.item(BinaryStreamChanges.chunk([0xFA, 0xFB, 0xFC, 0xFD, 0xFE])).jsonStringify() == #"{"type":"chunk","chunk":"binary_U-vv8_f4="}"#)
        #expect(Self.item(BinaryStreamChanges.end()).jsonStringify() == #"{"type":"end"}"#)
    }

    @Test("unpadded chunks decode; malformed chunks are skipped and reported; unknown items ignored")
    func malformedChunks() throws {
        let a = try TestSessions.a()
        let changes: [[JSONValue]] = [
            BinaryStreamChanges.start(mimeType: "m"),
            [["type": "chunk", "chunk": "binary_UZg"]],  // unpadded "f"
            [["type": "chunk", "chunk": "binary_U!!!"]],  // not base64url
            [["type": "chunk", "chunk": "encrypted_UZg=="]],  // wrong prefix
            [["type": "chunk", "chunk": 5]],  // not a string
            [["type": "chunk"]],
            [["type": "mystery", "chunk": "binary_UZg=="]],  // ignored, like cojson
            ["just a string"],
            [["type": "chunk", "chunk": "binary_UZm8="]],  // "fo"
            BinaryStreamChanges.end(),
        ]
        let stream = BinaryStreamState(transactions: changes.enumerated().map { tx(a, $0.offset, 1, $0.element) })
        #expect(stream.chunks == [Array("f".utf8), Array("fo".utf8)])
        #expect(stream.skippedChanges.count == 5)
        #expect(stream.skippedChanges.filter { if case .malformedBinaryChunk = $0 { true } else { false } }.count == 4)
        let firstSkip = try #require(stream.skippedChanges.first)
        #expect({ if case .malformedBinaryChunk(let txID, 0, _) = firstSkip { txID.txIndex == 2 } else { false } }())
        #expect(firstSkip.description.contains("#2"))
        #expect(stream.isFinished)
    }

    @Test("start: last wins; end: everything after it is ignored; unfinished streams")
    func startAndEnd() throws {
        let a = try TestSessions.a()
        let items: [[JSONValue]] = [
            BinaryStreamChanges.start(mimeType: "first"),
            BinaryStreamChanges.chunk([1]),
            BinaryStreamChanges.start(mimeType: "second", fileName: "n"),
            BinaryStreamChanges.chunk([2]),
            BinaryStreamChanges.end(),
            BinaryStreamChanges.chunk([3]),
            BinaryStreamChanges.start(mimeType: "third"),
        ]
        let all = items.enumerated().map { tx(a, $0.offset, UInt64($0.offset), $0.element) }
        let stream = BinaryStreamState(transactions: all)
        #expect(stream.bytes == [1, 2])
        #expect(stream.mimeType == "second" && stream.fileName == "n" && stream.totalSizeBytes == nil)
        #expect(stream.json == ["mimeType": "second", "fileName": "n", "finished": true, "chunksBase64url": ["AQ==", "Ag=="], "bytesHex": "0102"])
        // Items after an end inside the same transaction are ignored too.
        let oneTx = BinaryStreamState(transactions: [tx(a, 0, 1, BinaryStreamChanges.start(mimeType: "m") + BinaryStreamChanges.end() + BinaryStreamChanges.chunk([9]))])
        #expect(oneTx.isFinished && oneTx.chunks.isEmpty)

        let unfinished = BinaryStreamState(transactions: Array(all.prefix(4)))
        #expect(!unfinished.isFinished)
        #expect(unfinished.binaryChunks() == nil)
        #expect(unfinished.binaryChunks(allowUnfinished: true) == [[1], [2]])
        #expect(unfinished.json["finished"] == false)
        #expect(unfinished.atFrontier([a: 2]).bytes == [1])
        #expect(stream.atFrontier([a: 10]) == stream)

        let noStart = BinaryStreamState(transactions: [tx(a, 0, 1, BinaryStreamChanges.chunk([1]))])
        #expect(noStart.json == .null && noStart.binaryChunks(allowUnfinished: true) == nil && noStart.bytes == [1])
        #expect(BinaryStreamState().json == .null && BinaryStreamState().rawJSON == .object(JSONObject()))
        // Invisible transactions never count.
        #expect(BinaryStreamState(transactions: [tx(a, 0, 1, BinaryStreamChanges.start(mimeType: "m"), visible: false)]).start == nil)
    }

    @Test("processing order: sessions by their earliest transaction, each in txIndex order (not by time)")
    func processingOrder() throws {
        let a = try TestSessions.a()
        let c = try TestSessions.c()
        let transactions = [
            tx(c, 0, 50, BinaryStreamChanges.chunk([3])),
            tx(a, 0, 10, BinaryStreamChanges.start(mimeType: "m")),
            tx(a, 1, 100, BinaryStreamChanges.chunk([1])),
            tx(a, 2, 60, BinaryStreamChanges.chunk([2])),
            tx(c, 1, 40, BinaryStreamChanges.end()),
        ]
        let stream = BinaryStreamState(transactions: transactions)
        // Session a's earliest transaction (10) precedes c's (40): a's items first, in index order.
        #expect(stream.bytes == [1, 2, 3])
        #expect(stream.isFinished)
        #expect(BinaryStreamState(transactions: transactions.reversed()) == stream)
    }

    // MARK: streaming.json

    @Test("streaming.json: the recorded 150 KiB stream decrypts and reads back; every item is what the builders write")
    func streamingVector() throws {
        let vectors = try CRDTVectors.load("streaming.json")
        let input = try vectors.at("input")
        // Regenerate the payload: block i = BLAKE3(label || u32le(i)), concatenated, truncated.
        let total = Int(try input.uint("totalBytes"))
        let label = Array(try input.string("dataLabel").utf8)
        var data: [UInt8] = []
        var block: UInt32 = 0
        while data.count < total {
            data += BLAKE3.hash(label + withUnsafeBytes(of: block.littleEndian) { Array($0) })
            block += 1
        }
        data = Array(data.prefix(total))
        #expect(Hex.encode(SHA256.hash(data)) == (try input.string("sha256")))

        // The recorded stream, from the client's frames, decrypted with the recorded read key.
        let messages = try vectors.at("phases").at("create").array("frames")
            .filter { $0["dir"] == "client->server" }
            .flatMap { try ($0.string("frame")).split(separator: "\n").map { try JSONValue(parsing: $0) } }
        let binID = try vectors.at("ids").string("bin")
        let recorded = try RecordedContent.transactions(of: binID, in: messages)
        let key = try vectors.at("debugReadKey")
        let keys = [try key.string("readKeyID"): try KeySecret(try key.string("readKeySecret"))]
        let decoded = try recorded.map { try $0.decoded(keys: keys) }
        #expect(decoded.count == Int(try vectors.at("creatorSessionLog").uint("txCount")))

        let view = BinaryStreamState(transactions: decoded.shuffled())
        let expected = try vectors.at("expectedView")
        #expect(view.isFinished == (expected["finished"] == true))
        let mimeType = try expected.string("mimeType")
        let fileName = try expected.string("fileName")
        #expect(view.mimeType == mimeType)
        #expect(view.fileName == fileName)
        #expect(view.totalSizeBytes == Int(try expected.uint("totalSizeBytes")))
        #expect(view.chunks.map { JSONValue.number(Double($0.count)) } == (try expected.array("chunkSizes")))
        #expect(view.bytes == data)
        #expect(Hex.encode(SHA256.hash(view.bytes)) == (try expected.string("sha256")))
        #expect(Hex.encode(BLAKE3.hash(view.bytes)) == (try expected.string("blake3")))

        // Re-made with the builders, byte for byte.
        let chunkSize = Int(try input.uint("chunkBytes"))
        let remade = BinaryStreamChanges.file(data, mimeType: try input.string("mimeType"), fileName: try input.string("fileName"), chunkSize: chunkSize)
        #expect(remade.count == recorded.count)
        for (ours, theirs) in zip(remade, recorded.sorted { $0.txID.txIndex < $1.txID.txIndex }) {
            #expect(Array(JSONValue.array(ours).jsonStringify().utf8) == Array(try theirs.changesText(keys: keys).utf8), "tx \(theirs.txID.txIndex)")
        }
        Fixtures.report("streaming.json", "binary stream (view + builder items)", count: recorded.count)
    }
}
