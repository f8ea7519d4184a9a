import CWebSockets

/// A connection's queue of messages not yet handed to lws, and the writer that drains it from a
/// `*_WRITEABLE` callback. Service thread only.
///
/// Large messages go out as fragments of at most `fragmentSize` bytes
/// (`lws_write_ws_flags`); writing continues while `lws_send_pipe_choked` says the socket takes
/// more, then asks for another writeable callback. A short write count is not an error: lws
/// keeps the unsent rest and reports the pipe as choked until it is flushed.
struct OutgoingQueue {
    /// Who frames the messages: lws (its WebSocket connections), or ``ClientFrame`` on a raw client
    /// connection (masked, as a client must).
    enum Framing {
        case lws
        case rawClient
    }

    /// The result of one writeable callback.
    enum WriteResult {
        /// Everything queued was handed to lws.
        case drained
        /// The socket is full; another writeable callback was requested.
        case waiting
        /// `lws_write` failed; close the connection.
        case failed
    }

    /// When more than one batchable text message is waiting, join them into frames of at most
    /// this many bytes (0 turns batching off).
    var batchLimit: Int
    let fragmentSize: Int

    private var frames: [OutgoingFrame] = []
    private var head = 0
    /// Payload bytes of `frames[head]` already written.
    private var offset = 0

    init(batchLimit: Int, fragmentSize: Int) {
        self.batchLimit = batchLimit
        self.fragmentSize = max(1, fragmentSize)
    }

    var isEmpty: Bool { head == frames.count }
    var count: Int { frames.count - head }

    mutating func append(_ frame: OutgoingFrame) {
        frames.append(frame)
    }

    /// Drops everything not yet written completely; returns how many messages and accounted
    /// bytes were dropped.
    mutating func removeAll() -> (messages: Int, bytes: Int) {
        var messages = 0
        var bytes = 0
        for frame in frames[head...] {
            messages += frame.messageCount
            bytes += frame.accountedBytes
        }
        frames.removeAll()
        head = 0
        offset = 0
        return (messages, bytes)
    }

    /// Writes as much as the socket takes. `completedBytes` grows by the accounted size of every
    /// message fully handed to lws.
    mutating func write(to wsi: OpaquePointer, completedBytes: inout Int, framing: Framing = .lws) -> WriteResult {
        defer { compact() }
        while head < frames.count {
            if lws_send_pipe_choked(wsi) != 0 {
                lws_callback_on_writable(wsi)
                return .waiting
            }
            if offset == 0 { batchFromHead() }
            let total = frames[head].payloadCount
            let length = min(fragmentSize, total - offset)
            let isStart = offset == 0
            let isEnd = offset + length == total
            let start = OutgoingFrame.headroom + offset
            let kind = frames[head].kind
            // For fragments after the first, the headroom lws writes into overlaps payload
            // bytes that were already handed over; lws has copied whatever it did not send.
            let written = frames[head].storage.withUnsafeMutableBufferPointer { buffer -> Int32 in
                guard let base = buffer.baseAddress else { return -1 }
                switch framing {
                case .lws:
                    let flags = lws_write_ws_flags(kind.lwsValue, isStart ? 1 : 0, isEnd ? 1 : 0)
                    return lws_write(wsi, base + start, length, lws_write_protocol(rawValue: UInt32(flags)))
                case .rawClient:
                    let frame = ClientFrame.frame(opcode: isStart ? kind.opcode : 0x0, final: isEnd, payload: base + start, count: length)
                    let sent = lws_write(wsi, frame.start, frame.count, caro_lws_write_raw)
                    return sent < 0 ? sent : Int32(clamping: length)
                }
            }
            if written < 0 { return .failed }
            offset += length
            if isEnd {
                completedBytes += frames[head].accountedBytes
                frames[head].storage = []
                head += 1
                offset = 0
            }
        }
        return .drained
    }

    /// Joins the head message with following batchable text messages while the joined frame
    /// stays within `batchLimit`.
    private mutating func batchFromHead() {
        guard batchLimit > 0, frames[head].batchable, head + 1 < frames.count else { return }
        var end = head + 1
        var size = frames[head].payloadCount
        while end < frames.count, frames[end].batchable,
              size + 1 + frames[end].payloadCount <= batchLimit {
            size += 1 + frames[end].payloadCount
            end += 1
        }
        guard end > head + 1 else { return }
        let joined = OutgoingFrame.joined(frames[head..<end])
        for index in head..<(end - 1) { frames[index].storage = [] }
        head = end - 1
        frames[head] = joined
    }

    private mutating func compact() {
        if head == frames.count {
            frames.removeAll(keepingCapacity: frames.count <= 1024)
            head = 0
        } else if head > 256 && head * 2 > frames.count {
            frames.removeFirst(head)
            head = 0
        }
    }
}
