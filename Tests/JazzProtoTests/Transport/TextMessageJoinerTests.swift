import Testing

@testable import JazzProto

/// Joining a text message from pieces: room for the announced rest of a frame is made at once, but never
/// more than `TextMessageJoiner.announcedRoom` ahead of what arrived.
@Suite("Text message joiner")
struct TextMessageJoinerTests {
    static func append(_ text: String, to joiner: inout TextMessageJoiner, more: Int) {
        Array(text.utf8).withUnsafeBytes { joiner.append($0, more: more) }
    }

    @Test func roomForTheRestOfAFrameIsMadeOnceAndTheTextIsWhole() {
        var joiner = TextMessageJoiner()
        let pieces = ["{\"action\":", "\"content\",", "\"id\":\"co_z1\"}"]
        var rest = pieces.dropFirst().reduce(0) { $0 + $1.utf8.count }
        Self.append(pieces[0], to: &joiner, more: rest)
        let capacity = joiner.capacity
        #expect(capacity >= pieces.joined().utf8.count)
        for piece in pieces.dropFirst().dropLast() {
            rest -= piece.utf8.count
            Self.append(piece, to: &joiner, more: rest)
        }
        #expect(joiner.capacity == capacity)  // no growth on the way
        let last = Array(pieces.last!.utf8)
        let message = last.withUnsafeBytes { joiner.finish(last: $0) }
        #expect(message.text == pieces.joined())
        #expect(message.byteCount == pieces.joined().utf8.count)
    }

    @Test func aHugeAnnouncedFrameGetsNoHugeBuffer() {
        var joiner = TextMessageJoiner()
        Self.append("{\"a\":", to: &joiner, more: 1 << 30)
        #expect(joiner.capacity <= 2 * TextMessageJoiner.announcedRoom)
        #expect(joiner.capacity >= TextMessageJoiner.announcedRoom)
        // Frames that keep coming still fit, growing by doubling.
        let chunk = String(repeating: "x", count: 1 << 20)
        for _ in 0..<6 { Self.append(chunk, to: &joiner, more: 1 << 30) }
        #expect(joiner.capacity <= 2 * (6 << 20) + 2 * TextMessageJoiner.announcedRoom)
    }
}
