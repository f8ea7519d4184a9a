import Foundation
import Glibc
import Synchronization
import Testing

@testable import JazzProto

/// A `ws://` client does the handshake and reads the frames itself. Against a server scripted byte by
/// byte: it must answer pings, join frames however TCP splits them, honour the server's close, and
/// refuse a server that does not upgrade.
@Suite("WebSocket client on a raw connection", .serialized)
struct WebSocketRawClientTests {
    /// A value shared with a server thread.
    final class Cell<Value: Sendable>: Sendable {
        private let value: Mutex<Value>
        init(_ value: Value) { self.value = Mutex(value) }
        var get: Value { value.withLock { $0 } }
        func set(_ new: Value) { value.withLock { $0 = new } }
    }

    /// Accepts one connection and runs `script` on it (blocking socket calls, its own thread).
    final class ScriptedServer: Sendable {
        let port: Int
        private let listener: Int32
        private let done = Cell(false)

        init(_ script: @escaping @Sendable (_ socket: Int32) -> Void) throws {
            let reserved = try ReservedPort()
            guard listen(reserved.fd, 4) == 0 else { throw RawSocketError.failed("listen") }
            listener = dup(reserved.fd)
            port = reserved.port
            let listener = listener
            let done = done
            Thread {
                var socket: Int32
                repeat { socket = accept(listener, nil, nil) } while socket < 0 && errno == EINTR
                guard socket >= 0 else { return }
                // Generous: the test's side runs on the shared test executor, which other tests in a parallel
                // run can keep busy for seconds. In one CI run, this read gave up (10 s then) before the reply.
                var timeout = timeval(tv_sec: 60, tv_usec: 0)
                setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                script(socket)
                close(socket)
                done.set(true)
            }.start()
        }

        var finished: Bool { done.get }

        deinit { close(listener) }

        /// Reads the upgrade request and answers it (101 with the right accept value, or `answer`).
        static func upgrade(_ socket: Int32, answer: String? = nil) -> Bool {
            var request: [UInt8] = []
            while !String(decoding: request, as: UTF8.self).contains("\r\n\r\n") {
                guard let bytes = read(socket, upTo: 4096), !bytes.isEmpty else { return false }
                request += bytes
            }
            let reply = answer ?? WebSocketHandshakeTests.answer(to: request)
            return write(socket, Array(reply.utf8))
        }

        static func read(_ socket: Int32, upTo count: Int) -> [UInt8]? {
            var buffer = [UInt8](repeating: 0, count: count)
            var received: Int
            repeat {
                received = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, count, 0) }
            } while received < 0 && errno == EINTR
            return received < 0 ? nil : Array(buffer.prefix(received))
        }

        static func read(_ socket: Int32, exactly count: Int) -> [UInt8]? {
            var bytes: [UInt8] = []
            while bytes.count < count {
                guard let more = read(socket, upTo: count - bytes.count), !more.isEmpty else { return nil }
                bytes += more
            }
            return bytes
        }

        @discardableResult
        static func write(_ socket: Int32, _ bytes: [UInt8]) -> Bool {
            bytes.withUnsafeBytes { send(socket, $0.baseAddress, $0.count, 0) } == bytes.count
        }

        /// Reads one client frame: its opcode and unmasked payload (nil if it was not masked).
        static func clientFrame(_ socket: Int32) -> (opcode: UInt8, payload: [UInt8])? {
            guard let head = read(socket, exactly: 2), head[1] & 0x80 != 0 else { return nil }
            var length = Int(head[1] & 0x7F)
            if length == 126 {
                guard let more = read(socket, exactly: 2) else { return nil }
                length = Int(more[0]) << 8 | Int(more[1])
            } else if length == 127 {
                guard let more = read(socket, exactly: 8) else { return nil }
                length = more.reduce(0) { $0 << 8 | Int($1) }
            }
            guard let key = read(socket, exactly: 4), let payload = read(socket, exactly: length) else { return nil }
            return (head[0] & 0x0F, payload.enumerated().map { $0.element ^ key[$0.offset & 3] })
        }
    }

    @Test("pings are answered with their payload, split frames joined, and the server's close reported with its code")
    func pingSplitAndClose() async throws {
        let pong = Cell<[UInt8]?>(nil)
        let echoed = Cell<String?>(nil)
        let closeReply = Cell<[UInt8]?>(nil)
        let server = try ScriptedServer { socket in
            guard ScriptedServer.upgrade(socket) else { return }
            ScriptedServer.write(socket, WebSocketFrameReaderTests.frame(0x9, [7, 8, 9]))
            guard let answer = ScriptedServer.clientFrame(socket), answer.opcode == 0xA else { return }
            pong.set(answer.payload)
            // One message in two fragments, written one byte at a time.
            let message = WebSocketFrameReaderTests.frame(0x1, Array("hel".utf8), final: false)
                + WebSocketFrameReaderTests.frame(0x0, Array("lo".utf8))
            for byte in message { ScriptedServer.write(socket, [byte]) }
            // The client's echo of it.
            guard let text = ScriptedServer.clientFrame(socket), text.opcode == 0x1 else { return }
            echoed.set(String(decoding: text.payload, as: UTF8.self))
            ScriptedServer.write(socket, WebSocketFrameReaderTests.frame(0x8, [0x0F, 0xA0] + Array("bye".utf8)))
            if let reply = ScriptedServer.clientFrame(socket), reply.opcode == 0x8 { closeReply.set(reply.payload) }
        }
        let delegate = RecordingClientDelegate()
        let client = try makeClient("ws://127.0.0.1:\(server.port)", delegate) { $0.pingTimeout = nil }
        defer { client.stop() }
        client.start()
        #expect(await waitUntil { delegate.frames == ["hello"] }, "\(delegate.disconnects)")
        client.send("hello back")
        #expect(await waitUntil { delegate.disconnects.count == 1 })
        #expect(pong.get == [7, 8, 9])
        #expect(echoed.get == "hello back")
        #expect(closeReply.get == [0x0F, 0xA0])
        #expect(delegate.disconnects.first?.contains("status 4000: bye") == true, "\(delegate.disconnects)")
        #expect(await waitUntil { server.finished })
    }

    @Test("a server that answers the upgrade with something other than 101 is refused, with that said")
    func notUpgraded() async throws {
        let server = try ScriptedServer { socket in
            _ = ScriptedServer.upgrade(socket, answer: "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            _ = ScriptedServer.read(socket, upTo: 16)
        }
        let delegate = RecordingClientDelegate()
        let client = try makeClient("ws://127.0.0.1:\(server.port)/sync", delegate)
        defer { client.stop() }
        client.start()
        #expect(await waitUntil { delegate.disconnects.count == 1 })
        #expect(delegate.connects == 0)
        let reason = try #require(delegate.disconnects.first)
        #expect(reason.contains("did not accept a WebSocket upgrade"), "\(reason)")
        #expect(reason.contains("403"), "\(reason)")
    }

    @Test("a server that masks its frames breaks the protocol: the client closes with 1002")
    func maskedServerFrame() async throws {
        let closeCode = Cell<[UInt8]?>(nil)
        let server = try ScriptedServer { socket in
            guard ScriptedServer.upgrade(socket) else { return }
            ScriptedServer.write(socket, WebSocketFrameReaderTests.frame(0x1, Array("hi".utf8), masked: true))
            if let reply = ScriptedServer.clientFrame(socket), reply.opcode == 0x8 { closeCode.set(reply.payload) }
        }
        let delegate = RecordingClientDelegate()
        let client = try makeClient("ws://127.0.0.1:\(server.port)", delegate)
        defer { client.stop() }
        client.start()
        #expect(await waitUntil { delegate.disconnects.count == 1 })
        #expect(delegate.frames.isEmpty)
        #expect(delegate.disconnects.first?.contains("broke the WebSocket protocol") == true, "\(delegate.disconnects)")
        #expect(await waitUntil { server.finished })
        #expect(closeCode.get == [0x03, 0xEA])
    }
}
