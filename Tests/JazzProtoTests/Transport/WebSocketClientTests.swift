import Foundation
import Synchronization
import Testing
@testable import JazzProto

@Suite("WebSocket client lifecycle")
struct WebSocketClientTests {
    @Test func reconnectsAfterTheServerRestartsOnTheSamePort() async throws {
        let firstDelegate = RecordingServerDelegate.echo()
        let first = try makeServer(firstDelegate)
        let port = first.port

        let clientDelegate = RecordingClientDelegate()
        let client = try makeClient("ws://127.0.0.1:\(port)", clientDelegate) {
            $0.reconnect = ReconnectPolicy(baseDelay: .milliseconds(50), maxDelay: .milliseconds(200))
        }
        defer { client.stop() }
        client.start()
        #expect(await waitUntil { clientDelegate.connects == 1 }, "\(clientDelegate.disconnects)")

        first.shutdown()
        #expect(firstDelegate.closed.count == 1)
        #expect(await waitUntil { clientDelegate.disconnects.count >= 1 })
        #expect(!client.isConnected)
        // While the port is closed the client keeps dialing (and failing).
        try await Task.sleep(for: .milliseconds(150))

        let secondDelegate = RecordingServerDelegate.echo()
        let second = try makeServer(secondDelegate, port: port)
        defer { second.shutdown() }
        #expect(await waitUntil { clientDelegate.connects == 2 })
        client.send("again")
        #expect(await waitUntil { clientDelegate.frames == ["again"] })
        #expect(secondDelegate.frames.map(\.1) == ["again"])
        #expect(clientDelegate.disconnects.allSatisfy { $0.contains("reconnecting in") })
    }

    /// lws gives up on a server that accepts and never answers the upgrade after its own 5 s, and reports
    /// that as the end of an HTTP client connection (`CLOSED_CLIENT_HTTP`), not as a connection error. The
    /// client must hear it: it used to miss it, keep the freed wsi and hand it to lws again when its own
    /// connect timer fired (heap corruption: the crashes of issue 15 in `lws_cancel_service` and lws timers).
    @Test func aServerThatNeverAnswersTheUpgradeIsReportedWhenLwsGivesUp() async throws {
        let listener = try SilentListener()
        let clientDelegate = RecordingClientDelegate()
        let client = try makeClient("ws://127.0.0.1:\(listener.port)", clientDelegate) {
            $0.connectTimeout = .seconds(120)
        }
        defer { client.stop() }
        client.start()
        #expect(await waitUntil(.seconds(60)) { clientDelegate.disconnects.count == 1 },
                "no disconnect reported while the client's own connect timeout (120 s) runs")
        let reason = try #require(clientDelegate.disconnects.first)
        #expect(reason.contains("did not complete the WebSocket handshake"), "\(reason)")
        #expect(clientDelegate.connects == 0)
    }

    @Test func pingTimeoutClosesASilentConnection() async throws {
        // Pings disabled: the server says hello once (arming the watchdog) and then nothing.
        let serverDelegate = RecordingServerDelegate(onOpen: { server, id in server.send("hello", to: id) })
        let server = try makeServer(serverDelegate, pingInterval: nil)
        defer { server.shutdown() }

        let clientDelegate = RecordingClientDelegate()
        let client = try makeClient("ws://127.0.0.1:\(server.port)", clientDelegate) {
            $0.pingTimeout = .milliseconds(300)
        }
        defer { client.stop() }
        let start = ContinuousClock.now
        client.start()
        #expect(await waitUntil { clientDelegate.frames == ["hello"] })
        #expect(await waitUntil(.seconds(10)) { clientDelegate.disconnects.count == 1 })
        let elapsed = ContinuousClock.now - start
        // Not before the timeout; the reason (below) shows the watchdog, not something else, closed it.
        // (No upper bound: timing goals live in benchmarks, and a loaded CI machine is slow.)
        #expect(elapsed >= .milliseconds(300))
        let reason = try #require(clientDelegate.disconnects.first)
        #expect(reason.contains("ping timeout"))
        // The server learns about it too (the client sent a close frame).
        #expect(await waitUntil { serverDelegate.closed.count == 1 })
    }

    @Test func frequentPingsKeepTheWatchdogQuiet() async throws {
        let server = try makeServer(RecordingServerDelegate(), pingInterval: .milliseconds(50))
        defer { server.shutdown() }
        let clientDelegate = RecordingClientDelegate()
        let client = try makeClient("ws://127.0.0.1:\(server.port)", clientDelegate) {
            $0.pingTimeout = .milliseconds(1000)
        }
        defer { client.stop() }
        client.start()
        #expect(await waitUntil { clientDelegate.connects == 1 }, "\(clientDelegate.disconnects)")
        try await Task.sleep(for: .milliseconds(2500))
        // Far longer than the timeout, yet alive: every ping pushed the deadline on.
        #expect(clientDelegate.disconnects.isEmpty)
        #expect(clientDelegate.frames.count >= 6)
    }

    @Test func stopClosesTheConnectionAndTellsBothSides() async throws {
        let serverDelegate = RecordingServerDelegate.echo()
        let server = try makeServer(serverDelegate)
        defer { server.shutdown() }
        let clientDelegate = RecordingClientDelegate()
        let client = try makeClient("ws://127.0.0.1:\(server.port)", clientDelegate) {
            $0.reconnect = .jazzDefault
        }
        client.start()
        #expect(await waitUntil { clientDelegate.connects == 1 }, "\(clientDelegate.disconnects)")
        client.stop()
        // stop() returns after the delegate heard about it.
        #expect(clientDelegate.disconnects.count == 1)
        #expect(clientDelegate.disconnects.first?.contains("stopped by the application") == true)
        #expect(!client.isConnected)
        #expect(await waitUntil { serverDelegate.closed.count == 1 })
        // No redial after stop.
        try await Task.sleep(for: .milliseconds(700))
        #expect(clientDelegate.connects == 1)
        #expect(serverDelegate.opened.count == 1)
        // Messages sent while stopped are dropped, not replayed on the next start.
        client.send("stale")
        client.start()
        #expect(await waitUntil { clientDelegate.connects == 2 })
        client.send("fresh")
        #expect(await waitUntil { clientDelegate.frames.count == 1 })
        #expect(clientDelegate.frames == ["fresh"])
        client.stop()
    }

    @Test func refusedConnectionIsExplained() async throws {
        // A socket bound but not listening: connections to its port are refused, and the port
        // stays reserved for the whole test.
        let reserved = try ReservedPort()
        let clientDelegate = RecordingClientDelegate()
        let client = try makeClient("ws://127.0.0.1:\(reserved.port)", clientDelegate)
        defer { client.stop() }
        client.start()
        #expect(await waitUntil { clientDelegate.disconnects.count == 1 })
        let reason = try #require(clientDelegate.disconnects.first)
        #expect(reason.contains("cannot connect to ws://127.0.0.1:\(reserved.port)"), "\(reason)")
        #expect(clientDelegate.connects == 0)
    }

    @Test func releasingTheClientStopsIt() async throws {
        let serverDelegate = RecordingServerDelegate.echo()
        let server = try makeServer(serverDelegate)
        defer { server.shutdown() }
        let clientDelegate = RecordingClientDelegate()
        var client: WebSocketClient? = try makeClient("ws://127.0.0.1:\(server.port)", clientDelegate) {
            $0.reconnect = .jazzDefault
        }
        client?.start()
        #expect(await waitUntil { clientDelegate.connects == 1 }, "\(clientDelegate.disconnects)")
        client = nil
        #expect(await waitUntil { serverDelegate.closed.count == 1 })
        #expect(await waitUntil { clientDelegate.disconnects.count == 1 })
        #expect(clientDelegate.disconnects.first?.contains("released") == true)
        try await Task.sleep(for: .milliseconds(700))
        #expect(serverDelegate.opened.count == 1)  // no redial
    }

    @Test func oversizedMessageClosesTheConnection() async throws {
        let serverDelegate = RecordingServerDelegate.echo()
        let server = try makeServer(serverDelegate) { $0.maxMessageBytes = 1000 }
        defer { server.shutdown() }
        let clientDelegate = RecordingClientDelegate()
        // No client watchdog: the only way to lose this connection is the server's 1009 (in one library run,
        // beside the relay suites and a fuzzer, the first disconnect was something other than 1009).
        let client = try makeClient("ws://127.0.0.1:\(server.port)", clientDelegate) { $0.pingTimeout = nil }
        defer { client.stop() }
        client.start()
        #expect(await waitUntil { clientDelegate.connects == 1 }, "\(clientDelegate.disconnects)")
        client.send(String(repeating: "a", count: 1000))
        #expect(await waitUntil { clientDelegate.frames.count == 1 })
        client.send(String(repeating: "b", count: 1001))
        #expect(await waitUntil { clientDelegate.disconnects.count == 1 })
        #expect(clientDelegate.disconnects.first?.contains("1009") == true, "\(clientDelegate.disconnects)")
        #expect(serverDelegate.frames.count == 1)
    }
}
