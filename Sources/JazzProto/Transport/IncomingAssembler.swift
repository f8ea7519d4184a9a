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
    private var buffer: [UInt8] = []
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
            buffer = []
            return .tooLarge(byteCount: receivedBytes)
        }
        if complete && buffer.isEmpty {
            inMessage = false
            guard let text = String(validating: chunk, as: UTF8.self) else {
                return .invalidText(byteCount: chunk.count)
            }
            return .text(text)
        }
        buffer.append(contentsOf: chunk)
        guard complete else { return .partial }
        inMessage = false
        let text = String(validating: buffer, as: UTF8.self)
        let count = buffer.count
        buffer.removeAll(keepingCapacity: buffer.capacity <= 256 * 1024)
        guard let text else { return .invalidText(byteCount: count) }
        return .text(text)
    }
}
