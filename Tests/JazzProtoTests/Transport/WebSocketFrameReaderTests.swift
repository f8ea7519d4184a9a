import Testing

@testable import JazzProto

/// The client reads a plain connection's frames itself: every split of the stream must give the same
/// messages, and a server that breaks the protocol must be stopped, not believed.
@Suite("WebSocket frame reader")
struct WebSocketFrameReaderTests {
    /// A server frame (never masked).
    static func frame(_ opcode: UInt8, _ payload: [UInt8], final: Bool = true, masked: Bool = false, rsv: UInt8 = 0) -> [UInt8] {
        var bytes: [UInt8] = [(final ? 0x80 : 0) | rsv | opcode]
        let maskBit: UInt8 = masked ? 0x80 : 0
        if payload.count < 126 {
            bytes.append(maskBit | UInt8(payload.count))
        } else if payload.count <= 0xFFFF {
            bytes += [maskBit | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        } else {
            bytes.append(maskBit | 127)
            for index in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: UInt64(payload.count) >> (56 - 8 * index))) }
        }
        if masked { bytes += [0, 0, 0, 0] }
        return bytes + payload
    }

    static func text(_ string: String) -> [UInt8] { frame(0x1, Array(string.utf8)) }

    /// Reads `stream` cut into pieces of `pieceSize` bytes (0: whole).
    static func events(_ stream: [UInt8], pieceSize: Int = 0, maxMessageBytes: Int = 1 << 24) -> [WebSocketFrameReader.Event] {
        var reader = WebSocketFrameReader(maxMessageBytes: maxMessageBytes)
        var events: [WebSocketFrameReader.Event] = []
        let size = pieceSize == 0 ? max(stream.count, 1) : pieceSize
        var offset = 0
        while offset < stream.count {
            let end = min(offset + size, stream.count)
            stream[offset..<end].withUnsafeBytes { reader.read($0) { events.append($0) } }
            offset = end
        }
        return events
    }

    @Test("messages of every length class, fragments with a ping between them, and the close, under any split")
    func anySplit() {
        let long = String(repeating: "x", count: 70_000)
        let medium = String(repeating: "é", count: 200)
        let stream = Self.text("hello") + Self.text("") + Self.text(medium) + Self.text(long)
            + Self.frame(0x1, Array("frag".utf8), final: false) + Self.frame(0x9, [1, 2, 3])
            + Self.frame(0x0, Array("men".utf8), final: false) + Self.frame(0xA, [])
            + Self.frame(0x0, Array("ted".utf8)) + Self.frame(0x2, [0, 255, 7])
            + Self.frame(0x8, [0x03, 0xE9] + Array("going away".utf8)) + Self.text("after the close")
        let expected: [WebSocketFrameReader.Event] = [
            .text("hello"), .text(""), .text(medium), .text(long), .ping([1, 2, 3]), .pong, .text("fragmented"),
            .binary(byteCount: 3), .close(code: 1001, reason: "going away"),
        ]
        for size in [0, 1, 2, 3, 7, 125, 4096, 65_536] {
            #expect(Self.events(stream, pieceSize: size) == expected, "pieces of \(size) bytes")
        }
    }

    @Test("a server that masks, sets reserved bits, continues nothing, or fragments a control frame is stopped")
    func protocolErrors() {
        let cases: [[UInt8]] = [
            Self.frame(0x1, Array("hi".utf8), masked: true),
            Self.frame(0x1, Array("hi".utf8), rsv: 0x40),
            Self.frame(0x0, Array("hi".utf8)),
            Self.frame(0x9, [1], final: false),
            Self.frame(0x9, [UInt8](repeating: 0, count: 126)),
            Self.frame(0x3, []),
            Self.frame(0x1, Array("a".utf8), final: false) + Self.text("b"),
        ]
        for stream in cases {
            let events = Self.events(stream + Self.text("never read"))
            #expect(events.count == 1, "\(stream.prefix(4))")
            guard case .protocolError = events.last else {
                Issue.record("no protocol error for \(stream.prefix(4)): \(events)")
                continue
            }
        }
    }

    @Test("a message over the limit is refused from its header, before any of it is buffered")
    func tooLarge() {
        #expect(Self.events(Self.text(String(repeating: "a", count: 1_000)), maxMessageBytes: 1_000) == [.text(String(repeating: "a", count: 1_000))])
        #expect(Self.events(Self.text(String(repeating: "a", count: 1_001)), maxMessageBytes: 1_000) == [.tooLarge(byteCount: 1_001)])
        // Fragments count together.
        let fragmented = Self.frame(0x1, [UInt8](repeating: 0x61, count: 600), final: false) + Self.frame(0x0, [UInt8](repeating: 0x61, count: 600))
        #expect(Self.events(fragmented, pieceSize: 100, maxMessageBytes: 1_000) == [.tooLarge(byteCount: 1_200)])
        // A binary message is never buffered, so it has no limit.
        #expect(Self.events(Self.frame(0x2, [UInt8](repeating: 1, count: 5_000)), maxMessageBytes: 1_000) == [.binary(byteCount: 5_000)])
    }

    @Test("text that is not UTF-8 is reported and the next message still arrives")
    func invalidText() {
        let stream = Self.frame(0x1, [0x68, 0xFF, 0x69]) + Self.text("ok")
        for size in [0, 1] {
            #expect(Self.events(stream, pieceSize: size) == [.invalidText(byteCount: 3), .text("ok")])
        }
    }

    @Test("a close without a code, and a 64-bit length the server cannot mean, end the connection")
    func closeAndHugeLength() {
        #expect(Self.events(Self.frame(0x8, [])) == [.close(code: nil, reason: "")])
        let huge: [UInt8] = [0x81, 127, 0x80, 0, 0, 0, 0, 0, 0, 0]
        guard case .protocolError = Self.events(huge).first else {
            Issue.record("a length over 2^63 was accepted")
            return
        }
    }
}

@Suite("WebSocket client handshake and frames")
struct WebSocketHandshakeTests {
    static let url = try! WebSocketURL("ws://relay.example:4200/sync?key=abc")

    /// A server's answer to `request`, computed the way RFC 6455 §4.2.2 says (SHA-1 of key + GUID).
    static func answer(to request: [UInt8], accept: String? = nil, status: String = "101 Switching Protocols") -> String {
        let text = String(decoding: request, as: UTF8.self)
        let key = text.split(separator: "\r\n").first { $0.hasPrefix("Sec-WebSocket-Key: ") }!.dropFirst(19)
        let computed = WebSocketHandshake.base64(WebSocketHandshake.sha1(Array((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8)))
        return "HTTP/1.1 \(status)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: \(accept ?? computed)\r\n\r\n"
    }

    @Test("SHA-1 and base64 give RFC 6455's example accept value")
    func rfcExample() {
        let accept = WebSocketHandshake.base64(WebSocketHandshake.sha1(Array("dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11".utf8)))
        #expect(accept == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        #expect(WebSocketHandshake.base64([]) == "")
        #expect(WebSocketHandshake.base64(Array("f".utf8)) == "Zg==")
        #expect(WebSocketHandshake.base64(Array("fo".utf8)) == "Zm8=")
        #expect(WebSocketHandshake.base64(Array("foo".utf8)) == "Zm9v")
    }

    @Test("the request names the path, query and host; an answer split anywhere is accepted, frames after it kept")
    func accepted() {
        let handshake = WebSocketHandshake(url: Self.url, key: Array(0..<16))
        let request = String(decoding: handshake.request, as: UTF8.self)
        #expect(request.hasPrefix("GET /sync?key=abc HTTP/1.1\r\nHost: relay.example:4200\r\n"))
        #expect(request.contains("Sec-WebSocket-Key: AAECAwQFBgcICQoLDA0ODw==\r\n"))
        #expect(request.hasSuffix("\r\n\r\n"))
        let answer = Array(Self.answer(to: handshake.request).utf8) + [0x81, 0x02, 0x68, 0x69]
        for cut in 1..<answer.count {
            var reading = handshake
            let first = answer[..<cut].withUnsafeBytes { reading.read($0) }
            if first != .incomplete {
                #expect(first == .accepted(leftover: cut - (answer.count - 4)), "cut at \(cut)")
                continue
            }
            let second = answer[cut...].withUnsafeBytes { reading.read($0) }
            #expect(second == .accepted(leftover: 4), "cut at \(cut)")
        }
    }

    @Test("a refusal, a wrong accept value, or garbage is refused with a reason")
    func refused() {
        let handshake = WebSocketHandshake(url: Self.url, key: Array(0..<16))
        let answers = [
            Self.answer(to: handshake.request, status: "404 Not Found"),
            Self.answer(to: handshake.request, accept: "AAAAAAAAAAAAAAAAAAAAAAAAAAA="),
            "SSH-2.0-OpenSSH_9.2\r\n\r\n",
        ]
        for answer in answers {
            var reading = handshake
            guard case .refused(let why) = Array(answer.utf8).withUnsafeBytes({ reading.read($0) }) else {
                Issue.record("accepted: \(answer)")
                continue
            }
            #expect(why.hasPrefix("HS: "), "\(why)")
        }
        var endless = handshake
        let line = Array("X-Padding: \(String(repeating: "p", count: 1_000))\r\n".utf8)
        var progress = WebSocketHandshake.Progress.incomplete
        for _ in 0..<20 where progress == .incomplete { progress = line.withUnsafeBytes { endless.read($0) } }
        guard case .refused = progress else {
            Issue.record("an endless header was not refused")
            return
        }
    }

    @Test("client frames carry a mask and a payload that unmasks to the original, for every length class")
    func clientFrames() {
        for count in [0, 1, 125, 126, 65_535, 65_536, 70_001] {
            let payload = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            var buffer = [UInt8](repeating: 0, count: ClientFrame.maxHeaderBytes) + payload
            let framed = buffer.withUnsafeMutableBufferPointer { pointer -> [UInt8] in
                let frame = ClientFrame.frame(opcode: 0x1, final: true, payload: pointer.baseAddress! + ClientFrame.maxHeaderBytes, count: count)
                return Array(UnsafeBufferPointer(start: frame.start, count: frame.count))
            }
            #expect(framed[0] == 0x81)
            #expect(framed[1] & 0x80 != 0, "not masked")
            let lengthBytes = count < 126 ? 0 : count <= 0xFFFF ? 2 : 8
            let length = lengthBytes == 0 ? Int(framed[1] & 0x7F)
                : framed[2..<(2 + lengthBytes)].reduce(0) { $0 << 8 | Int($1) }
            #expect(length == count)
            let key = Array(framed[(2 + lengthBytes)..<(6 + lengthBytes)])
            let unmasked = framed[(6 + lengthBytes)...].enumerated().map { $0.element ^ key[$0.offset & 3] }
            #expect(unmasked == payload, "length \(count)")
        }
    }
}
