import Foundation
import Synchronization
import Testing
@testable import JazzProto

@Suite("WebSocket server and client")
struct WebSocketServerTests {
    @Test func echoRoundTrip() async throws {
        let serverDelegate = RecordingServerDelegate.echo()
        let server = try makeServer(serverDelegate)
        defer { server.shutdown() }
        #expect(server.port > 0)

        let clientDelegate = RecordingClientDelegate()
        let client = try makeClient("ws://127.0.0.1:\(server.port)/some/path?key=abc", clientDelegate)
        defer { client.stop() }
        client.start()
        #expect(await waitUntil { clientDelegate.connects == 1 }, "\(clientDelegate.disconnects)")
        #expect(client.isConnected)
        client.send(#"{"action":"load","id":"co_zTest","header":false,"sessions":{}}"#)
        #expect(await waitUntil { clientDelegate.frames.count == 1 })
        #expect(clientDelegate.frames == [#"{"action":"load","id":"co_zTest","header":false,"sessions":{}}"#])

        let opened = try #require(serverDelegate.opened.first)
        #expect(opened.path == "/some/path")
        #expect(opened.remoteAddress == "127.0.0.1")
        #expect(opened.id == ConnectionID(rawValue: 1))
        #expect(server.connectionCount == 1)
        // The echo reaches the client as the server's write returns, a moment before its queue counts it
        // as sent.
        #expect(await waitUntil { server.queuedBytes(for: opened.id) == 0 })
    }

    @Test func oneMebibyteBothWays() async throws {
        let serverDelegate = RecordingServerDelegate.echo()
        let server = try makeServer(serverDelegate)
        defer { server.shutdown() }
        let clientDelegate = RecordingClientDelegate()
        let client = try makeClient("ws://127.0.0.1:\(server.port)", clientDelegate)
        defer { client.stop() }
        client.start()
        #expect(await waitUntil { clientDelegate.connects == 1 }, "\(clientDelegate.disconnects)")

        // Varying content so a misplaced fragment would be noticed.
        let unit = (0..<1024).map { String(UnicodeScalar(UInt8(65 + $0 % 26))) }.joined()
        let big = (0..<1024).map { "\($0 % 10)" + unit.dropFirst() }.joined()
        #expect(big.utf8.count == 1 << 20)
        client.send(big)
        #expect(await waitUntil(.seconds(10)) { clientDelegate.frames.count == 1 })
        #expect(serverDelegate.frames.count == 1)
        #expect(serverDelegate.frames.first?.1 == big)
        #expect(clientDelegate.frames.first == big)
    }

    @Test func twoHundredMessagesKeepTheirOrder() async throws {
        let serverDelegate = RecordingServerDelegate { server, id, frame in
            for message in JazzFraming.split(frame) { server.send("echo:" + message, to: id) }
        }
        let server = try makeServer(serverDelegate)
        defer { server.shutdown() }
        let clientDelegate = RecordingClientDelegate()
        let client = try makeClient("ws://127.0.0.1:\(server.port)", clientDelegate)
        defer { client.stop() }
        client.start()
        #expect(await waitUntil { clientDelegate.connects == 1 }, "\(clientDelegate.disconnects)")

        let messages = (0..<200).map { #"{"action":"known","n":\#($0)}"# }
        for message in messages { client.send(message) }
        #expect(await waitUntil { clientDelegate.messages.count == 200 })
        #expect(clientDelegate.messages == messages.map { "echo:" + $0 })
        let received = serverDelegate.frames.flatMap { JazzFraming.split($0.1).map(String.init) }
        #expect(received == messages)
        // Frames hold whole messages only (batching never splits one).
        #expect(serverDelegate.frames.count <= 200)
    }

    @Test func concurrentClientsGetOnlyTheirOwnReplies() async throws {
        let serverDelegate = RecordingServerDelegate { server, id, frame in
            server.send("\(id.rawValue)|\(frame)", to: id)
        }
        let server = try makeServer(serverDelegate)
        defer { server.shutdown() }

        let count = 20
        let delegates = (0..<count).map { _ in RecordingClientDelegate() }
        let clients = try delegates.map { try makeClient("ws://127.0.0.1:\(server.port)", $0) }
        defer { clients.forEach { $0.stop() } }
        clients.forEach { $0.start() }  // all dial at once
        #expect(await waitUntil { delegates.allSatisfy { $0.connects == 1 } })
        for (index, client) in clients.enumerated() { client.send("hello from \(index)") }
        #expect(await waitUntil { delegates.allSatisfy { $0.frames.count == 1 } })

        var connectionOf: [Int: String] = [:]
        for (index, delegate) in delegates.enumerated() {
            let reply = try #require(delegate.frames.first)
            let parts = reply.split(separator: "|", maxSplits: 1)
            #expect(parts.count == 2)
            #expect(parts.last.map(String.init) == "hello from \(index)")
            connectionOf[index] = parts.first.map(String.init)
        }
        let ids = Set(serverDelegate.opened.map(\.id))
        #expect(ids.count == count)
        #expect(Set(connectionOf.values).count == count)
        #expect(server.connectionCount == count)
    }

    @Test func serverPingsEveryConnectionOnSchedule() async throws {
        let serverDelegate = RecordingServerDelegate()
        let server = try makeServer(serverDelegate, pingInterval: .milliseconds(100))
        defer { server.shutdown() }
        let clientDelegate = RecordingClientDelegate()
        let client = try makeClient("ws://127.0.0.1:\(server.port)", clientDelegate)
        defer { client.stop() }
        client.start()
        #expect(await waitUntil { clientDelegate.connects == 1 }, "\(clientDelegate.disconnects)")
        let start = ContinuousClock.now
        let startMilliseconds = Int64(Date().timeIntervalSince1970 * 1000)
        let before = clientDelegate.frames.count
        try await Task.sleep(for: .milliseconds(1000))
        let elapsed = ContinuousClock.now - start
        let pings = clientDelegate.frames.dropFirst(before)
        let expected = Int(elapsed / .milliseconds(100))
        // Never more often than the interval; a loaded machine may deliver fewer, so the lower bound only
        // asks that pings keep coming.
        #expect(pings.count >= 3 && pings.count <= expected + 1, "\(pings.count) pings in \(elapsed)")

        let nowMilliseconds = Int64(Date().timeIntervalSince1970 * 1000)
        for ping in pings {
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(ping.utf8)) as? [String: Any])
            #expect(object["type"] as? String == "ping")
            #expect(object["dc"] as? String == "unknown")
            let time = try #require((object["time"] as? NSNumber)?.int64Value)
            // The server's wall clock when it sent the ping: within the window we listened (1 s slack).
            #expect(time >= startMilliseconds - 1000 && time <= nowMilliseconds + 1000, "ping time \(time)")
            #expect(!ping.contains("\n"))
        }
    }

    @Test func healthEndpointAnswersOK() async throws {
        let server = try makeServer(RecordingServerDelegate())
        defer { server.shutdown() }

        let socket = try RawSocket(port: server.port)
        try socket.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        let response = socket.receive { $0.hasSuffix("\r\n\r\nok") }
        #expect(response.hasPrefix("HTTP/1.1 200"))
        #expect(response.hasSuffix("\r\n\r\nok"))

        let other = try RawSocket(port: server.port)
        try other.send("GET /nothing-here HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        let notFound = other.receive { $0.contains("not found") }
        #expect(notFound.hasPrefix("HTTP/1.1 404"))

        // An upgrade on /health is refused (like jazz-run, which never upgrades it).
        let clientDelegate = RecordingClientDelegate()
        let client = try makeClient("ws://127.0.0.1:\(server.port)/health", clientDelegate)
        client.start()
        #expect(await waitUntil { clientDelegate.disconnects.count == 1 })
        #expect(clientDelegate.connects == 0)
        client.stop()
    }

    @Test func binaryFramesAreIgnoredAndTheConnectionStaysUsable() async throws {
        let serverDelegate = RecordingServerDelegate.echo()
        let server = try makeServer(serverDelegate)
        defer { server.shutdown() }
        let clientDelegate = RecordingClientDelegate()
        let client = try makeClient("ws://127.0.0.1:\(server.port)", clientDelegate)
        defer { client.stop() }
        client.start()
        #expect(await waitUntil { clientDelegate.connects == 1 }, "\(clientDelegate.disconnects)")

        client.send(binary: [0x7B, 0x7D, 0x00, 0xFF])
        client.send(binary: [UInt8](repeating: 7, count: 200_000))
        client.send("after binary")
        #expect(await waitUntil { clientDelegate.frames.count == 1 })
        #expect(clientDelegate.frames == ["after binary"])
        #expect(serverDelegate.frames.map(\.1) == ["after binary"])
        #expect(serverDelegate.closed.isEmpty)
        #expect(client.isConnected)
    }
}
