import Foundation

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// A TCP server on 127.0.0.1 that plays a broken relay, for the fault-injection tests: it accepts
/// connections and then, per ``Behaviour``, stays silent, or completes the WebSocket handshake and then
/// stays silent or sends what the test gives it (garbage bytes, malformed frames). It holds every
/// connection open until ``stop()``.
final class MisbehavingRelay: @unchecked Sendable {
    enum Behaviour: Sendable {
        /// Accept the TCP connection, read nothing, send nothing.
        case silent
        /// Answer the WebSocket upgrade correctly, then send nothing (and answer no ping).
        case handshakeThenSilent
        /// Answer the upgrade, then send these bytes as they are (not WebSocket frames).
        case handshakeThenBytes([UInt8])
        /// Answer the upgrade, then send each string as one unmasked text frame.
        case handshakeThenTextFrames([String])
    }

    let port: Int
    private let state: State

    init(_ behaviour: Behaviour) throws {
        let (descriptor, port) = try Loopback.listen()
        self.port = port
        let state = State(listener: descriptor, behaviour: behaviour)
        self.state = state
        Thread.detachNewThread { state.acceptLoop() }
    }

    var url: String { "ws://127.0.0.1:\(port)" }

    /// Closes the listening socket and every connection.
    func stop() { state.stop() }

    deinit { stop() }

    /// The listening socket and the accepted connections, shared with the accepting thread.
    private final class State: @unchecked Sendable {
        let listener: Int32
        let behaviour: Behaviour
        private let lock = NSLock()
        private var connections: [Int32] = []
        private var stopped = false

        init(listener: Int32, behaviour: Behaviour) {
            self.listener = listener
            self.behaviour = behaviour
        }

        func stop() {
            let wasStopped = lock.withLock { () -> Bool in
                defer { stopped = true }
                if !stopped { for connection in connections { close(connection) } }
                connections = []
                return stopped
            }
            if wasStopped { return }
            shutdown(listener, Int32(SHUT_RDWR))
            close(listener)
        }

        func acceptLoop() {
            while true {
                let connection = accept(listener, nil, nil)
                if connection < 0 { return }
                let keep = lock.withLock { () -> Bool in
                    if stopped { return false }
                    connections.append(connection)
                    return true
                }
                if !keep {
                    close(connection)
                    return
                }
                let behaviour = behaviour
                Thread.detachNewThread { MisbehavingRelay.serve(connection, behaviour) }
            }
        }
    }

    private static func serve(_ connection: Int32, _ behaviour: Behaviour) {
        if case .silent = behaviour { return }
        guard let request = readRequest(connection), let key = headerValue("Sec-WebSocket-Key", in: request) else { return }
        let accept = Data(SHA1.digest(Array((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8))).base64EncodedString()
        let response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: \(accept)\r\n\r\n"
        writeAll(connection, Array(response.utf8))
        switch behaviour {
        case .silent, .handshakeThenSilent:
            return
        case .handshakeThenBytes(let bytes):
            writeAll(connection, bytes)
        case .handshakeThenTextFrames(let frames):
            for frame in frames { writeAll(connection, textFrame(frame)) }
        }
    }

    /// The HTTP request head (up to the blank line), or nil if the peer closed first.
    private static func readRequest(_ connection: Int32) -> String? {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !bytes.suffix(4).elementsEqual(Array("\r\n\r\n".utf8)) {
            let count = read(connection, &buffer, buffer.count)
            if count <= 0 { return nil }
            bytes += buffer[0..<count]
            if bytes.count > 65_536 { return nil }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func headerValue(_ name: String, in request: String) -> String? {
        for line in request.split(separator: "\r\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == name.lowercased() {
                return parts[1].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }

    /// An unmasked WebSocket text frame (server to client).
    static func textFrame(_ text: String) -> [UInt8] {
        let payload = Array(text.utf8)
        var frame: [UInt8] = [0x81]
        if payload.count < 126 {
            frame.append(UInt8(payload.count))
        } else if payload.count <= 0xFFFF {
            frame += [126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        } else {
            frame.append(127)
            for shift in stride(from: 56, through: 0, by: -8) { frame.append(UInt8((UInt64(payload.count) >> UInt64(shift)) & 0xFF)) }
        }
        return frame + payload
    }

    private static func writeAll(_ connection: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written <= 0 { return }
            offset += written
        }
    }
}

/// SHA-1, only for the WebSocket handshake's `Sec-WebSocket-Accept` (RFC 6455 §4.2.2) in test servers.
enum SHA1 {
    static func digest(_ message: [UInt8]) -> [UInt8] {
        var h: [UInt32] = [0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0]
        var data = message
        let bitLength = UInt64(message.count) * 8
        data.append(0x80)
        while data.count % 64 != 56 { data.append(0) }
        for shift in stride(from: 56, through: 0, by: -8) { data.append(UInt8((bitLength >> UInt64(shift)) & 0xFF)) }
        for chunk in stride(from: 0, to: data.count, by: 64) {
            var w = [UInt32](repeating: 0, count: 80)
            for i in 0..<16 {
                let b = chunk + i * 4
                w[i] = UInt32(data[b]) << 24 | UInt32(data[b + 1]) << 16 | UInt32(data[b + 2]) << 8 | UInt32(data[b + 3])
            }
            for i in 16..<80 {
                let x = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]
                w[i] = x << 1 | x >> 31
            }
            var (a, b, c, d, e) = (h[0], h[1], h[2], h[3], h[4])
            for i in 0..<80 {
                let (f, k): (UInt32, UInt32)
                switch i {
                case 0..<20: (f, k) = ((b & c) | (~b & d), 0x5A82_7999)
                case 20..<40: (f, k) = (b ^ c ^ d, 0x6ED9_EBA1)
                case 40..<60: (f, k) = ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC)
                default: (f, k) = (b ^ c ^ d, 0xCA62_C1D6)
                }
                let temp = (a << 5 | a >> 27) &+ f &+ e &+ k &+ w[i]
                (e, d, c, b, a) = (d, c, b << 30 | b >> 2, a, temp)
            }
            h[0] = h[0] &+ a
            h[1] = h[1] &+ b
            h[2] = h[2] &+ c
            h[3] = h[3] &+ d
            h[4] = h[4] &+ e
        }
        return h.flatMap { value in [24, 16, 8, 0].map { UInt8((value >> UInt32($0)) & 0xFF) } }
    }
}

/// TCP on 127.0.0.1 for the test servers (``MisbehavingRelay``, ``StallingProxy``).
enum Loopback {
    static func address(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    /// A listening socket on a free port.
    static func listen() throws -> (descriptor: Int32, port: Int) {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw POSIXError(.EMFILE) }
        var address = Self.address(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, Glibc.listen(descriptor, 16) == 0 else {
            close(descriptor)
            throw POSIXError(.EADDRINUSE)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return (descriptor, Int(UInt16(bigEndian: address.sin_port)))
    }
}
