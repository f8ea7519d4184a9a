import CWebSockets

/// Joins the chunks lws delivers in `*_RECEIVE` callbacks into whole messages. A message is
/// complete when its last frame has `FIN` set and no payload of it remains
/// (`lws_is_final_fragment` and `lws_remaining_packet_payload() == 0`). Service thread only.
struct IncomingAssembler {
    enum Event {
        /// More chunks are needed.
        case partial
        /// A whole text message.
        case text(String)
        /// A whole text message that is not valid UTF-8 (dropped).
        case invalidText(byteCount: Int)
        /// A whole binary message (Jazz uses text only; dropped without buffering).
        case binary(byteCount: Int)
        /// The message exceeds the limit; the connection should be closed.
        case tooLarge(byteCount: Int)
    }

    let maxMessageBytes: Int
    private var text = TextMessageJoiner()
    private var inMessage = false
    private var isBinary = false
    private var receivedBytes = 0

    init(maxMessageBytes: Int) {
        self.maxMessageBytes = maxMessageBytes
    }

    mutating func receive(_ chunk: UnsafeRawBufferPointer, on wsi: OpaquePointer) -> Event {
        if !inMessage {
            inMessage = true
            isBinary = lws_frame_is_binary(wsi) != 0
            receivedBytes = 0
        }
        receivedBytes += chunk.count
        let complete = lws_is_final_fragment(wsi) != 0 && lws_remaining_packet_payload(wsi) == 0
        if isBinary {
            if complete {
                inMessage = false
                return .binary(byteCount: receivedBytes)
            }
            return .partial
        }
        if receivedBytes > maxMessageBytes {
            inMessage = false
            text.discard()
            return .tooLarge(byteCount: receivedBytes)
        }
        guard complete else {
            text.append(chunk)
            return .partial
        }
        inMessage = false
        let message = text.finish(last: chunk)
        return message.text.map(Event.text) ?? .invalidText(byteCount: message.byteCount)
    }
}

/// The bytes of one text message as its pieces arrive, for both readers of incoming frames (lws's, and
/// ``WebSocketFrameReader`` on raw connections). A message that comes in one piece is validated where it
/// lies, never copied; a longer one is joined in a buffer that keeps its capacity up to 256 KiB.
struct TextMessageJoiner {
    private var buffer: [UInt8] = []

    /// Adds `piece`; `more`: bytes announced to follow it (the rest of its frame), room for which is made now
    /// rather than by growing the buffer step by step (each step a copy of all so far, into fresh pages). At
    /// most ``announcedRoom`` ahead of what arrived: a peer announcing a long frame and sending nothing gets
    /// no large allocation for it. A message in several frames still grows by doubling.
    mutating func append(_ piece: UnsafeRawBufferPointer, more: Int = 0) {
        let needed = buffer.count + piece.count + min(more, Self.announcedRoom)
        if needed > buffer.capacity { buffer.reserveCapacity(max(needed, 2 * buffer.capacity)) }
        buffer.append(contentsOf: piece)
    }

    /// The most room made for bytes announced but not yet received.
    static let announcedRoom = 4 << 20

    /// Bytes the buffer can hold without growing.
    var capacity: Int { buffer.capacity }

    /// The message ending with `last`: its text (nil if it is not UTF-8) and its size in bytes.
    mutating func finish(last: UnsafeRawBufferPointer) -> (text: String?, byteCount: Int) {
        if buffer.isEmpty { return (String(validating: last, as: UTF8.self), last.count) }
        buffer.append(contentsOf: last)
        let message = (text: String(validating: buffer, as: UTF8.self), byteCount: buffer.count)
        buffer.removeAll(keepingCapacity: buffer.capacity <= 256 * 1024)
        return message
    }

    /// Drops what was joined (a message refused on the way).
    mutating func discard() {
        buffer = []
    }
}
