import CWebSockets

/// One WebSocket message waiting to be written: `LWS_PRE` bytes of headroom (lws writes the
/// frame header there) followed by the payload.
struct OutgoingFrame {
    enum Kind {
        case text
        case binary

        var lwsValue: Int32 {
            switch self {
            case .text: Int32(LWS_WRITE_TEXT.rawValue)
            case .binary: Int32(LWS_WRITE_BINARY.rawValue)
            }
        }

        /// The WebSocket opcode of a message's first frame (RFC 6455 §5.2), for frames written without lws.
        var opcode: UInt8 {
            switch self {
            case .text: 0x1
            case .binary: 0x2
            }
        }
    }

    static let headroom = Int(caro_lws_pre)

    var storage: [UInt8]
    let kind: Kind
    /// May be joined with neighbouring text messages into one `"\n"`-separated frame.
    let batchable: Bool
    /// Bytes this frame counts for in a queue limit (its original payload size).
    let accountedBytes: Int
    /// Number of application messages inside (more than one after batching).
    let messageCount: Int

    var payloadCount: Int { storage.count - Self.headroom }

    /// A text message; pings pass `batchable: false` so they always travel alone.
    init(text: String, batchable: Bool = true) {
        let utf8 = text.utf8
        var storage: [UInt8] = []
        storage.reserveCapacity(Self.headroom + utf8.count)
        storage.append(contentsOf: repeatElement(0, count: Self.headroom))
        storage.append(contentsOf: utf8)
        self.storage = storage
        self.kind = .text
        self.batchable = batchable
        self.accountedBytes = utf8.count
        self.messageCount = 1
    }

    /// A binary message (Jazz never sends these; used to test that receivers ignore them).
    init(binary: [UInt8]) {
        var storage: [UInt8] = []
        storage.reserveCapacity(Self.headroom + binary.count)
        storage.append(contentsOf: repeatElement(0, count: Self.headroom))
        storage.append(contentsOf: binary)
        self.storage = storage
        self.kind = .binary
        self.batchable = false
        self.accountedBytes = binary.count
        self.messageCount = 1
    }

    private init(storage: [UInt8], accountedBytes: Int, messageCount: Int) {
        self.storage = storage
        self.kind = .text
        self.batchable = true
        self.accountedBytes = accountedBytes
        self.messageCount = messageCount
    }

    /// Joins batchable text frames with `"\n"` (the Jazz batch format).
    static func joined(_ frames: ArraySlice<OutgoingFrame>) -> OutgoingFrame {
        let payload = frames.reduce(0) { $0 + $1.payloadCount } + frames.count - 1
        var storage: [UInt8] = []
        storage.reserveCapacity(headroom + payload)
        storage.append(contentsOf: repeatElement(0, count: headroom))
        var first = true
        for frame in frames {
            if !first { storage.append(0x0A) }
            first = false
            storage.append(contentsOf: frame.storage[headroom...])
        }
        return OutgoingFrame(
            storage: storage,
            accountedBytes: frames.reduce(0) { $0 + $1.accountedBytes },
            messageCount: frames.reduce(0) { $0 + $1.messageCount })
    }
}
