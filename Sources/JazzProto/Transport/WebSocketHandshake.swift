import CWebSockets

/// The client's opening handshake (RFC 6455 §4.1) on a plain connection: the upgrade request, and the
/// check of the server's answer, read from whatever bytes arrive.
struct WebSocketHandshake {
    /// Where reading the answer stands.
    enum Progress: Equatable {
        /// The answer's header is not complete yet.
        case incomplete
        /// Upgraded: WebSocket frames start `leftover` bytes from the end of the last buffer read.
        case accepted(leftover: Int)
        /// Refused, or not a WebSocket server: why, in words.
        case refused(String)
    }

    /// A server's answer header larger than this is refused.
    static let maxHeaderBytes = 16 * 1024
    private static let guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    let request: [UInt8]
    private let expectedAccept: String
    private var received: [UInt8] = []

    /// `key`: 16 random bytes (the `Sec-WebSocket-Key`).
    init(url: WebSocketURL, key: [UInt8]) {
        let encodedKey = Self.base64(key)
        expectedAccept = Self.base64(Self.sha1(Array((encodedKey + Self.guid).utf8)))
        let lines = [
            "GET \(url.pathAndQuery) HTTP/1.1",
            "Host: \(url.hostHeader)",
            "Upgrade: websocket",
            "Connection: Upgrade",
            "Sec-WebSocket-Key: \(encodedKey)",
            "Sec-WebSocket-Version: 13",
            "Pragma: no-cache",
            "Cache-Control: no-cache",
        ]
        request = Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8)
    }

    /// Reads the next bytes of the server's answer.
    mutating func read(_ bytes: UnsafeRawBufferPointer) -> Progress {
        let before = received.count
        received.append(contentsOf: bytes)
        // The end of the header may straddle the two buffers: search from three bytes before.
        guard let end = Self.headerEnd(received, from: max(before - 3, 0)) else {
            if received.count > Self.maxHeaderBytes {
                return .refused("HS: the server's answer header is over \(Self.maxHeaderBytes) bytes")
            }
            return .incomplete
        }
        let leftover = received.count - end
        let header = String(decoding: received[..<end], as: UTF8.self)
        received = []
        return check(header).map(Progress.refused) ?? .accepted(leftover: leftover)
    }

    /// What is wrong with the answer header (nil: a valid upgrade).
    private func check(_ header: String) -> String? {
        var lines = header.split(separator: "\r\n", omittingEmptySubsequences: true).makeIterator()
        guard let status = lines.next() else { return "HS: the server sent an empty answer" }
        let parts = status.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1.") else {
            return "HS: not an HTTP answer (read failed: \(String(status.prefix(80))))"
        }
        guard parts[1] == "101" else {
            return "HS: ws upgrade response not 101 (HTTP \(parts[1...].joined(separator: " ")))"
        }
        var fields: [String: String] = [:]
        while let line = lines.next() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: " \t")
            fields[name] = fields[name].map { $0 + ", " + value } ?? value
        }
        guard fields["upgrade"]?.lowercased() == "websocket" else { return "HS: the 101 answer does not upgrade to websocket" }
        guard fields["connection"]?.lowercased().split(separator: ",").contains(where: {
            $0.trimmingCharacters(in: " \t") == "upgrade"
        }) == true else { return "HS: the 101 answer has no Connection: Upgrade" }
        guard fields["sec-websocket-accept"] == expectedAccept else { return "HS: the server's Sec-WebSocket-Accept is wrong" }
        if let extensions = fields["sec-websocket-extensions"], !extensions.isEmpty {
            return "HS: the server chose extensions that were not offered (\(extensions))"
        }
        return nil
    }

    private static func headerEnd(_ bytes: [UInt8], from start: Int) -> Int? {
        guard bytes.count >= 4 else { return nil }
        var index = start
        while index + 3 < bytes.count {
            if bytes[index] == 0x0D && bytes[index + 1] == 0x0A && bytes[index + 2] == 0x0D && bytes[index + 3] == 0x0A {
                return index + 4
            }
            index += 1
        }
        return nil
    }

    static func sha1(_ bytes: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 20)
        bytes.withUnsafeBufferPointer { input in
            digest.withUnsafeMutableBufferPointer { caro_sha1(input.baseAddress, input.count, $0.baseAddress) }
        }
        return digest
    }

    /// Standard base64 with padding (RFC 4648 §4), which the handshake's two header values use: base64url
    /// (``Base64URL``, also padded) with `+` and `/` in place of `-` and `_`.
    static func base64(_ bytes: [UInt8]) -> String {
        String(decoding: Base64URL.encode(bytes).utf8.map { byte in
            byte == UInt8(ascii: "-") ? UInt8(ascii: "+") : byte == UInt8(ascii: "_") ? UInt8(ascii: "/") : byte
        }, as: UTF8.self)
    }
}

extension StringProtocol {
    fileprivate func trimmingCharacters(in set: String) -> String {
        let characters = Set(set)
        guard let first = firstIndex(where: { !characters.contains($0) }) else { return "" }
        let last = lastIndex(where: { !characters.contains($0) })!
        return String(self[first...last])
    }
}
