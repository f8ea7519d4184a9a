import Glibc

/// How Jazz packs sync messages into WebSocket text frames.
///
/// A frame holds one or more compact JSON messages joined by `"\n"` (JSON string escaping
/// guarantees that a message itself never contains a raw line feed). Receivers split every frame;
/// senders may batch several queued messages into one frame.
public enum JazzFraming {
    /// The batch size the JavaScript client aims for (`WEBSOCKET_CONFIG`), in UTF-8 bytes.
    public static let recommendedBatchLimit = 25_000

    /// Splits a received frame into its messages, dropping empty lines.
    ///
    /// An empty frame gives no messages (it still counts as a sign of life for ping timeouts).
    ///
    /// Splits on the line-feed byte like the JavaScript reference (`"a\r\nb"` gives `"a\r"` and
    /// `"b"`), without Character-level work, so megabyte frames split in microseconds.
    public static func split(_ frame: String) -> [Substring] {
        let utf8 = frame.utf8
        let lineFeeds: [Int]? = utf8.withContiguousStorageIfAvailable { bytes in
            var offsets: [Int] = []
            guard let base = bytes.baseAddress else { return offsets }
            var position = 0
            while position < bytes.count, let hit = memchr(base + position, 0x0A, bytes.count - position) {
                let offset = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(hit))
                offsets.append(offset)
                position = offset + 1
            }
            return offsets
        }
        guard let lineFeeds else { return splitByIterating(frame) }
        var messages: [Substring] = []
        messages.reserveCapacity(lineFeeds.count + 1)
        var startOffset = 0
        var startIndex = utf8.startIndex
        for end in lineFeeds + [utf8.count] {
            let endIndex = utf8.index(startIndex, offsetBy: end - startOffset)
            if end > startOffset { messages.append(frame[startIndex..<endIndex]) }
            if end < utf8.count {
                startIndex = utf8.index(after: endIndex)
                startOffset = end + 1
            }
        }
        return messages
    }

    /// `split` for strings without contiguous UTF-8 storage.
    static func splitByIterating(_ frame: String) -> [Substring] {
        let utf8 = frame.utf8
        var messages: [Substring] = []
        var start = utf8.startIndex
        var index = start
        while index != utf8.endIndex {
            if utf8[index] == 0x0A {
                if start != index { messages.append(frame[start..<index]) }
                start = utf8.index(after: index)
            }
            index = utf8.index(after: index)
        }
        if start != utf8.endIndex { messages.append(frame[start..<utf8.endIndex]) }
        return messages
    }

    /// Whether a frame holds more than one message slot (contains a line feed).
    static func containsLineFeed(_ frame: String) -> Bool {
        frame.utf8.withContiguousStorageIfAvailable { bytes in
            guard let base = bytes.baseAddress else { return false }
            return memchr(base, 0x0A, bytes.count) != nil
        } ?? frame.utf8.contains(0x0A)
    }

    /// Joins messages into one frame payload.
    public static func join(_ messages: [String]) -> String {
        messages.joined(separator: "\n")
    }

    /// Groups messages into as few frames as possible without letting a frame that holds more
    /// than one message grow beyond `limit` UTF-8 bytes; a single message longer than `limit`
    /// travels alone. Order is preserved.
    public static func batch(_ messages: [String], limit: Int = recommendedBatchLimit) -> [String] {
        var frames: [String] = []
        var current: [String] = []
        var currentBytes = 0
        for message in messages {
            let size = message.utf8.count
            if !current.isEmpty && currentBytes + 1 + size > limit {
                frames.append(join(current))
                current.removeAll(keepingCapacity: true)
                currentBytes = 0
            }
            currentBytes += current.isEmpty ? size : size + 1
            current.append(message)
        }
        if !current.isEmpty { frames.append(join(current)) }
        return frames
    }
}
