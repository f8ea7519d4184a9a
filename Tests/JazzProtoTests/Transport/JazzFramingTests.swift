import Testing
@testable import JazzProto

@Suite("Jazz framing")
struct JazzFramingTests {
    @Test func splitDropsEmptyLines() {
        #expect(JazzFraming.split(#"{"a":1}"#) == [#"{"a":1}"#])
        #expect(JazzFraming.split("{\"a\":1}\n{\"b\":2}") == [#"{"a":1}"#, #"{"b":2}"#])
        #expect(JazzFraming.split("\n{\"a\":1}\n\n{\"b\":2}\n") == [#"{"a":1}"#, #"{"b":2}"#])
        #expect(JazzFraming.split("").isEmpty)
        #expect(JazzFraming.split("\n\n").isEmpty)
        // Like JS `split("\n")`: a CR stays with its message, non-ASCII text is untouched.
        #expect(JazzFraming.split("{\"a\":\"é😀\"}\r\n{}") == ["{\"a\":\"é😀\"}\r", "{}"])
    }

    @Test(arguments: ["", "\n", "a", "a\n", "\na", "a\n\nb", "é\n😀\r\n{}\n\n\n", String(repeating: "x\n", count: 1000)])
    func fastAndPortableSplitsAgree(_ frame: String) {
        #expect(JazzFraming.split(frame) == JazzFraming.splitByIterating(frame))
        #expect(JazzFraming.containsLineFeed(frame) == frame.utf8.contains(0x0A))
    }

    @Test func joinThenSplitRoundTrips() {
        let messages = [#"{"action":"load"}"#, #"{"action":"known","text":"a\nb"}"#, "{}"]
        let frame = JazzFraming.join(messages)
        #expect(frame == "{\"action\":\"load\"}\n{\"action\":\"known\",\"text\":\"a\\nb\"}\n{}")
        #expect(JazzFraming.split(frame).map(String.init) == messages)
    }

    @Test func batchKeepsOrderAndLimit() {
        let messages = (0..<100).map { "{\"n\":\($0),\"pad\":\"" + String(repeating: "x", count: 90) + "\"}" }
        let frames = JazzFraming.batch(messages, limit: 1000)
        #expect(frames.count > 1)
        #expect(frames.allSatisfy { $0.utf8.count <= 1000 })
        #expect(frames.flatMap { JazzFraming.split($0).map(String.init) } == messages)
    }

    @Test func batchLetsOversizedMessagesTravelAlone() {
        let big = String(repeating: "y", count: 50)
        let frames = JazzFraming.batch(["a", big, "b", "c"], limit: 10)
        #expect(frames == ["a", big, "b\nc"])
    }

    @Test func outgoingQueueBatchesOnlyBatchableNeighbours() {
        var frames = [OutgoingFrame(text: "a"), OutgoingFrame(text: "b"), OutgoingFrame(text: "ping", batchable: false)]
        let joined = OutgoingFrame.joined(frames[0..<2])
        #expect(Array(joined.storage[OutgoingFrame.headroom...]) == Array("a\nb".utf8))
        #expect(joined.messageCount == 2)
        #expect(joined.accountedBytes == 2)
        frames.removeAll()
        #expect(frames.isEmpty)
    }
}
