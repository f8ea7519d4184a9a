/// Reads the frames a WebSocket server sends (RFC 6455 §5) from the bytes of a plain connection, whole
/// buffers at a time, and joins them into messages. Service thread only.
///
/// Written here because Debian's libwebsockets 4.1 parses every byte a client receives through its
/// per-byte state machine (`lws_ws_client_rx_sm`): on a restore that was most of the client's receive
/// time. This reader copies payload with `memcpy`-speed appends, and hands a message that arrives whole
/// in one buffer to UTF-8 validation without copying it first.
struct WebSocketFrameReader {
    /// What a buffer held, in order.
    enum Event: Equatable {
        /// A whole text message.
        case text(String)
        /// A whole text message that is not valid UTF-8 (dropped).
        case invalidText(byteCount: Int)
        /// A whole binary message (Jazz uses text only; dropped without buffering).
        case binary(byteCount: Int)
        /// The message exceeds the limit; close the connection with 1009.
        case tooLarge(byteCount: Int)
        /// A ping: answer with a pong carrying `payload`.
        case ping([UInt8])
        /// A pong (proves the connection alive, nothing to do).
        case pong
        /// The server closes: `code` (nil when the frame had none) and its reason text.
        case close(code: UInt16?, reason: String)
        /// The server broke the protocol; close the connection with 1002 and say `why`.
        case protocolError(String)
    }

    let maxMessageBytes: Int

    // The frame being read.
    private var header: [UInt8] = []
    private var headerNeeded = 2
    private var opcode: UInt8 = 0
    private var isFinal = false
    private var remaining = 0
    private var inFrame = false

    // The message being joined (text or binary), and the control frame being read.
    private var inMessage = false
    private var messageIsBinary = false
    private var messageBytes = 0
    private var message = TextMessageJoiner()
    private var control: [UInt8] = []
    /// Set after a close, a protocol error or an oversized message: nothing more is read.
    private var stopped = false

    init(maxMessageBytes: Int) {
        self.maxMessageBytes = maxMessageBytes
        header.reserveCapacity(14)
    }

    /// Reads `bytes` (any split of the stream) and reports each event, in order, to `emit`. After a
    /// close, a protocol error or `tooLarge`, the rest of the connection is ignored.
    mutating func read(_ bytes: UnsafeRawBufferPointer, _ emit: (Event) -> Void) {
        var offset = 0
        while offset < bytes.count && !stopped {
            if !inFrame {
                // The header: 2 bytes, then 2 or 8 bytes of length; a server never masks.
                let take = min(headerNeeded - header.count, bytes.count - offset)
                header.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + take]))
                offset += take
                if header.count < headerNeeded { continue }
                if header.count == 2 {
                    if header[1] & 0x80 != 0 { return fail("the server masked a frame", emit) }
                    let length = header[1] & 0x7F
                    if length == 126 { headerNeeded = 4; continue }
                    if length == 127 { headerNeeded = 10; continue }
                }
                guard let started = startFrame(emit) else { return }
                if !started { continue }
            }
            let take = min(remaining, bytes.count - offset)
            let chunk = UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + take])
            offset += take
            remaining -= take
            payload(chunk, emit)
            if remaining == 0 { endFrame(emit) }
        }
    }

    // MARK: Frames

    /// Reads the header just completed. Returns nil after a protocol error, false for a frame already
    /// finished (no payload), true when payload follows.
    private mutating func startFrame(_ emit: (Event) -> Void) -> Bool? {
        defer {
            header.removeAll(keepingCapacity: true)
            headerNeeded = 2
        }
        let first = header[0]
        if first & 0x70 != 0 { fail("the server set reserved bits (no extension was agreed)", emit); return nil }
        opcode = first & 0x0F
        isFinal = first & 0x80 != 0
        var length = UInt64(header[1] & 0x7F)
        if length == 126 {
            length = UInt64(header[2]) << 8 | UInt64(header[3])
        } else if length == 127 {
            length = header[2...9].reduce(0) { $0 << 8 | UInt64($1) }
            if length >> 63 != 0 { fail("the server sent a frame length over 2^63", emit); return nil }
        }
        switch opcode {
        case 0x8, 0x9, 0xA:
            if !isFinal || length > 125 { fail("the server sent a fragmented or long control frame", emit); return nil }
            control.removeAll(keepingCapacity: true)
        case 0x1, 0x2:
            if inMessage { fail("the server started a message inside another", emit); return nil }
            inMessage = true
            messageIsBinary = opcode == 0x2
            messageBytes = 0
        case 0x0:
            if !inMessage { fail("the server continued a message it never started", emit); return nil }
        default:
            fail("the server sent a frame of unknown type \(opcode)", emit)
            return nil
        }
        if !messageIsBinary && opcode <= 0x2 && Int(clamping: length) > maxMessageBytes - messageBytes {
            // Known from the header already: nothing of it is buffered.
            stopped = true
            emit(.tooLarge(byteCount: messageBytes + Int(clamping: length)))
            return nil
        }
        remaining = Int(clamping: length)
        inFrame = true
        if remaining == 0 {
            endFrame(emit)
            return false
        }
        return true
    }

    private mutating func payload(_ chunk: UnsafeRawBufferPointer, _ emit: (Event) -> Void) {
        switch opcode {
        case 0x8, 0x9, 0xA:
            control.append(contentsOf: chunk)
        default:
            messageBytes += chunk.count
            if messageIsBinary { return }
            // The message's last piece: handed over here (a message in one buffer is never copied).
            if isFinal && remaining == 0 {
                inFrame = false
                finishText(last: chunk, emit)
                return
            }
            // The frame's header gave its length: room for the rest of it at once, not by doubling.
            message.append(chunk, more: remaining)
        }
    }

    private mutating func endFrame(_ emit: (Event) -> Void) {
        guard inFrame else { return }  // a whole message already handed over from `payload`
        inFrame = false
        switch opcode {
        case 0x8:
            stopped = true
            guard control.count >= 2 else { return emit(.close(code: nil, reason: "")) }
            let code = UInt16(control[0]) << 8 | UInt16(control[1])
            emit(.close(code: code, reason: String(decoding: control[2...], as: UTF8.self)))
        case 0x9:
            emit(.ping(control))
        case 0xA:
            emit(.pong)
        default:
            guard isFinal else { return }
            if messageIsBinary {
                inMessage = false
                emit(.binary(byteCount: messageBytes))
                return
            }
            finishText(last: UnsafeRawBufferPointer(start: nil, count: 0), emit)
        }
    }

    private mutating func finishText(last: UnsafeRawBufferPointer, _ emit: (Event) -> Void) {
        inMessage = false
        let text = message.finish(last: last)
        emit(text.text.map(Event.text) ?? .invalidText(byteCount: text.byteCount))
    }

    private mutating func fail(_ why: String, _ emit: (Event) -> Void) {
        stopped = true
        emit(.protocolError(why))
    }
}
