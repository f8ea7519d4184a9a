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

/// Random streams, valid and not, read whole and cut at random places: the reader must give the same
/// events either way, never crash, and say nothing after the event that ends a connection. (A property
/// test beside the fixed cases above: the reader reads what any server sends.)
@Suite("WebSocket frame reader, random streams")
struct WebSocketFrameReaderPropertyTests {
    static func randomPayload(_ random: inout SeededRandom) -> [UInt8] {
        let count = [0, 1, 5, 125, 126, 127, 300, 70_000][Int.random(in: 0..<8, using: &random)]
        // Random text for small payloads; a repeated byte for the large ones (the length classes matter).
        var payload = count <= 300 ? (0..<count).map { _ in UInt8.random(in: 0x20...0x7E, using: &random) }
            : [UInt8](repeating: UInt8.random(in: 0x20...0x7E, using: &random), count: count)
        if Int.random(in: 0..<12, using: &random) == 0, !payload.isEmpty { payload[0] = 0xFF }  // not UTF-8
        return payload
    }

    /// One message as a server sends it: whole, or in fragments with pings and pongs between them; now
    /// and then a control frame alone, and rarely something broken (a mask, a reserved bit, an unknown
    /// opcode, a continuation of nothing, a cut-off frame).
    static func randomMessage(_ random: inout SeededRandom) -> [UInt8] {
        let frame = WebSocketFrameReaderTests.frame
        switch Int.random(in: 0..<20, using: &random) {
        case 0: return frame(0x1, randomPayload(&random), true, true, 0)
        case 1: return frame(0x2, randomPayload(&random), true, false, 0x40)
        case 2: return frame([0x3, 0xB, 0x0][Int.random(in: 0..<3, using: &random)], randomPayload(&random), true, false, 0)
        case 3: return Array(frame(0x1, randomPayload(&random), true, false, 0).dropLast(1))
        case 4: return frame(0x9, Array(randomPayload(&random).prefix(125)), true, false, 0)
        case 5: return frame(0x8, [0x03, 0xE8] + Array(randomPayload(&random).prefix(100)), true, false, 0)
        default:
            let opcode: UInt8 = Int.random(in: 0..<5, using: &random) == 0 ? 0x2 : 0x1
            let pieces = Int.random(in: 1...4, using: &random)
            var bytes: [UInt8] = []
            for piece in 0..<pieces {
                bytes += frame(piece == 0 ? opcode : 0x0, randomPayload(&random), piece == pieces - 1, false, 0)
                if piece < pieces - 1, Int.random(in: 0..<3, using: &random) == 0 {
                    bytes += frame(Bool.random(using: &random) ? 0x9 : 0xA, [UInt8](repeating: 7, count: Int.random(in: 0...5, using: &random)), true, false, 0)
                }
            }
            return bytes
        }
    }

    static func ends(_ event: WebSocketFrameReader.Event) -> Bool {
        switch event {
        case .close, .protocolError, .tooLarge: return true
        default: return false
        }
    }

    @Test("any stream gives the same events whole and cut anywhere, and nothing after the end")
    func splitInvariance() {
        var random = SeededRandom(seed: 20_261_206)
        var withText = 0, withTwoMessages = 0
        for round in 0..<300 {
            var stream: [UInt8] = []
            for _ in 0..<Int.random(in: 1...12, using: &random) { stream += Self.randomMessage(&random) }
            if round % 10 == 0 { stream += (0..<64).map { _ in UInt8.random(in: 0...255, using: &random) } }
            let limit = [100, 1_000, 1 << 20][round % 3]
            let whole = WebSocketFrameReaderTests.events(stream, maxMessageBytes: limit)
            let texts = whole.filter { if case .text = $0 { return true } else { return false } }.count
            if texts > 0 { withText += 1 }
            if texts > 1 { withTwoMessages += 1 }
            if let end = whole.firstIndex(where: Self.ends) {
                #expect(end == whole.count - 1, "events after the end in round \(round)")
            }
            // Cut at random places (not only fixed sizes): the same events, in the same order.
            var reader = WebSocketFrameReader(maxMessageBytes: limit)
            var cutEvents: [WebSocketFrameReader.Event] = []
            var offset = 0
            while offset < stream.count {
                let end = min(stream.count, offset + Int.random(in: 1...2_000, using: &random))
                stream[offset..<end].withUnsafeBytes { reader.read($0) { cutEvents.append($0) } }
                offset = end
            }
            #expect(cutEvents == whole, "round \(round)")
        }
        // The streams are not all broken at once: many carry messages, often several.
        #expect(withText > 100 && withTwoMessages > 30, "\(withText) rounds with text, \(withTwoMessages) with two or more")
    }

    @Test("any answer to the upgrade gives the same verdict whole and cut anywhere")
    func handshakeSplitInvariance() {
        var random = SeededRandom(seed: 6_455)
        let handshake = WebSocketHandshake(url: WebSocketHandshakeTests.url, key: Array(0..<16))
        let good = Array(WebSocketHandshakeTests.answer(to: handshake.request).utf8)
        for round in 0..<300 {
            var answer = good
            // Change, drop or add a few bytes (or none), then maybe append frame bytes.
            for _ in 0..<Int.random(in: 0...3, using: &random) where !answer.isEmpty {
                let at = Int.random(in: 0..<answer.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: answer[at] = UInt8.random(in: 0...255, using: &random)
                case 1: answer.remove(at: at)
                default: answer.insert(UInt8.random(in: 0...255, using: &random), at: at)
                }
            }
            answer += (0..<Int.random(in: 0...8, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            var whole = handshake
            let verdict = answer.withUnsafeBytes { whole.read($0) }
            var cut = handshake
            var progress = WebSocketHandshake.Progress.incomplete
            var offset = 0
            var consumed = 0
            while offset < answer.count, progress == .incomplete {
                let end = min(answer.count, offset + Int.random(in: 1...40, using: &random))
                progress = answer[offset..<end].withUnsafeBytes { cut.read($0) }
                consumed = end
                offset = end
            }
            switch (verdict, progress) {
            case (.accepted(let wholeLeftover), .accepted(let cutLeftover)):
                // The frames after the header: the same bytes either way.
                #expect(answer.count - wholeLeftover == consumed - cutLeftover, "round \(round)")
            case (.refused, .refused), (.incomplete, .incomplete):
                break
            default:
                Issue.record("round \(round): whole \(verdict), cut \(progress)")
            }
        }
    }
}
