import Foundation
import Glibc
import Synchronization
import Testing
@testable import JazzProto

@Suite("WebSocket server lifecycle")
struct WebSocketServerLifecycleTests {
    @Test func secondServerOnTheSamePortFailsToBind() throws {
        let first = try makeServer(RecordingServerDelegate())
        defer { first.shutdown() }
        do {
            _ = try makeServer(RecordingServerDelegate(), port: first.port)
            Issue.record("a second server bound port \(first.port)")
        } catch let error as TransportError {
            guard case let .bindFailed(host, port, _) = error else {
                Issue.record("expected bindFailed, got \(error)")
                return
            }
            #expect(host == "127.0.0.1")
            #expect(port == first.port)
            #expect(error.description.contains("Cannot listen on 127.0.0.1:\(first.port)"))
        }
    }

    @Test func listensOnlyOnTheConfiguredAddress() throws {
        let server = try makeServer(RecordingServerDelegate())
        defer { server.shutdown() }
        _ = try RawSocket(port: server.port)  // 127.0.0.1 works
        #expect(throws: RawSocketError.self) { _ = try RawSocket(port: server.port, address: "127.0.0.2") }
    }

    @Test func releasingTheServerShutsItDown() async throws {
        let delegate = RecordingServerDelegate()  // not attached: holds no reference to the server
        var server: WebSocketServer? = try WebSocketServer(
            configuration: .init(host: "127.0.0.1", port: 0, pingInterval: nil), delegate: delegate)
        let port = try #require(server?.port)
        let clientDelegate = RecordingClientDelegate()
        let client = try makeClient("ws://127.0.0.1:\(port)", clientDelegate)
        defer { client.stop() }
        client.start()
        #expect(await waitUntil { clientDelegate.connects == 1 }, "\(clientDelegate.disconnects)")
        server = nil
        #expect(delegate.closed.count == 1)
        #expect(await waitUntil { clientDelegate.disconnects.count == 1 })
        // The port is free again.
        let again = try makeServer(RecordingServerDelegate(), port: port)
        again.shutdown()
    }

    @Test func invalidServerConfigurationsAreRejected() {
        let delegate = RecordingServerDelegate()
        #expect(throws: TransportError.self) {
            _ = try WebSocketServer(configuration: .init(port: 70000), delegate: delegate)
        }
        do {
            _ = try WebSocketServer(
                configuration: .init(port: 0, tlsCertificatePath: "/tmp/only-a-cert.pem"), delegate: delegate)
            Issue.record("a certificate without a key was accepted")
        } catch {
            guard case .tlsSetupFailed = error else {
                Issue.record("expected tlsSetupFailed, got \(error)")
                return
            }
        }
        do {
            _ = try WebSocketServer(
                configuration: .init(port: 0, tlsCertificatePath: "/nonexistent/c.pem", tlsPrivateKeyPath: "/nonexistent/k.pem"),
                delegate: delegate)
            Issue.record("missing TLS files were accepted")
        } catch {
            guard case let .tlsSetupFailed(reason) = error else {
                Issue.record("expected tlsSetupFailed, got \(error)")
                return
            }
            #expect(reason.contains("/nonexistent/c.pem"))
        }
    }

    @Test func shutdownFromADelegateCallbackDoesNotDeadlock() async throws {
        let serverDelegate = RecordingServerDelegate { server, _, frame in
            if frame == "shut down" { server.shutdown() }
        }
        let server = try makeServer(serverDelegate)
        let clientDelegate = RecordingClientDelegate()
        let client = try makeClient("ws://127.0.0.1:\(server.port)", clientDelegate)
        defer { client.stop() }
        client.start()
        #expect(await waitUntil { clientDelegate.connects == 1 }, "\(clientDelegate.disconnects)")
        client.send("shut down")
        #expect(await waitUntil { serverDelegate.closed.count == 1 })
        #expect(await waitUntil { clientDelegate.disconnects.count == 1 })
        server.shutdown()  // idempotent, returns at once now
        server.shutdown()
        #expect(server.connectionCount == 0)
        serverDelegate.detach()
    }

    @Test func closeFlushesQueuedMessagesFirst() async throws {
        let serverDelegate = RecordingServerDelegate { server, id, frame in
            if frame == "bye" {
                for index in 0..<50 { server.send("last \(index)", to: id) }
                server.close(id)
            }
        }
        let server = try makeServer(serverDelegate)
        defer { server.shutdown() }
        let clientDelegate = RecordingClientDelegate()
        let client = try makeClient("ws://127.0.0.1:\(server.port)", clientDelegate)
        defer { client.stop() }
        client.start()
        #expect(await waitUntil { clientDelegate.connects == 1 }, "\(clientDelegate.disconnects)")
        client.send("bye")
        #expect(await waitUntil { clientDelegate.disconnects.count == 1 })
        #expect(clientDelegate.messages == (0..<50).map { "last \($0)" })
        #expect(clientDelegate.disconnects.first?.contains("1000") == true)
        #expect(await waitUntil { serverDelegate.closed.count == 1 })
    }

    /// A raw WebSocket client that completes the handshake and then never reads; returns its socket and ID.
    private func stuckClient(_ server: WebSocketServer, _ serverDelegate: RecordingServerDelegate) async throws -> (RawSocket, ConnectionID) {
        let socket = try RawSocket(port: server.port, receiveBuffer: 4096)
        try socket.send(
            "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        let handshake = socket.receive { $0.contains("\r\n\r\n") }
        #expect(handshake.hasPrefix("HTTP/1.1 101"))
        #expect(await waitUntil { serverDelegate.opened.count == 1 })
        return (socket, try #require(serverDelegate.opened.first?.id))
    }

    @Test func aReaderThatStopsDrainingAboveTheLimitIsDisconnectedAfterTheTimeout() async throws {
        let serverDelegate = RecordingServerDelegate()
        let timeout = Duration.milliseconds(500)
        let server = try makeServer(serverDelegate) {
            $0.maxQueuedBytesPerConnection = 1 << 20
            $0.stalledConnectionTimeout = timeout
        }
        defer { server.shutdown() }
        let (socket, id) = try await stuckClient(server, serverDelegate)
        defer { _ = socket }

        // Fill the socket buffers (the kernel lets the server's grow to a few MiB) and then the queue past
        // the limit (far from the hard limit of 8 MiB), then stop sending.
        let chunk = String(repeating: "z", count: 64 * 1024)
        var sent = 0
        var peak = 0
        var overLimitSince: ContinuousClock.Instant?
        for _ in 0..<400 {
            guard let queued = server.queuedBytes(for: id) else { break }
            if sent >= 8 << 20 && queued > 3 << 19 { break }
            if queued <= 2 << 20 {
                server.send(chunk, to: id)
                sent += chunk.utf8.count
            } else {
                try await Task.sleep(for: .milliseconds(2))  // let the kernel take what it still takes
            }
            peak = max(peak, server.queuedBytes(for: id) ?? 0)
            if peak > 1 << 20, overLimitSince == nil { overLimitSince = .now }
        }
        #expect(peak > 1 << 20 && peak <= 3 << 20)
        // Closed by the stall check, never before the timeout has passed since the queue went over the limit
        // (a busy machine can only make it later).
        #expect(await waitUntil { serverDelegate.closed == [id] })
        let since = try #require(overLimitSince)
        #expect(ContinuousClock.now - since >= timeout - .milliseconds(20))
        #expect(server.queuedBytes(for: id) == nil)
    }

    @Test func theHardLimitIsNeverExceeded() async throws {
        let serverDelegate = RecordingServerDelegate()
        let server = try makeServer(serverDelegate) {
            $0.maxQueuedBytesPerConnection = 1 << 20
            $0.hardMaxQueuedBytesPerConnection = 2 << 20
        }
        defer { server.shutdown() }
        let (socket, id) = try await stuckClient(server, serverDelegate)
        defer { _ = socket }

        let chunk = String(repeating: "z", count: 64 * 1024)
        var peak = 0
        for _ in 0..<400 {
            guard server.queuedBytes(for: id) != nil else { break }
            server.send(chunk, to: id)
            peak = max(peak, server.queuedBytes(for: id) ?? 0)
        }
        #expect(await waitUntil { serverDelegate.closed == [id] })
        #expect(server.queuedBytes(for: id) == nil)
        #expect(peak > 1 << 20 && peak <= 2 << 20)
    }

    @Test func aBadHardLimitIsRefused() throws {
        var configuration = WebSocketServerConfiguration(host: "127.0.0.1", port: 0)
        configuration.maxQueuedBytesPerConnection = 2 << 20
        configuration.hardMaxQueuedBytesPerConnection = 1 << 20
        #expect(throws: TransportError.self) { try WebSocketServer(configuration: configuration, delegate: RecordingServerDelegate()) }
    }
}
