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
    public static func split(_ frame: String) -> [Substring] {
        frame.split(separator: "\n", omittingEmptySubsequences: true)
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
