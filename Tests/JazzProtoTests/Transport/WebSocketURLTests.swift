import Testing
@testable import JazzProto

@Suite("WebSocket URL and reconnect policy")
struct WebSocketURLTests {
    @Test func parsesJazzCloudURL() throws {
        let url = try WebSocketURL("wss://cloud.jazz.tools/?key=you%40example.com")
        #expect(url.isSecure)
        #expect(url.host == "cloud.jazz.tools")
        #expect(url.port == 443)
        #expect(url.pathAndQuery == "/?key=you%40example.com")
        #expect(url.hostHeader == "cloud.jazz.tools")
    }

    @Test func parsesLocalRelayURLs() throws {
        let plain = try WebSocketURL("ws://127.0.0.1:4200")
        #expect(!plain.isSecure)
        #expect(plain.host == "127.0.0.1")
        #expect(plain.port == 4200)
        #expect(plain.pathAndQuery == "/")
        #expect(plain.hostHeader == "127.0.0.1:4200")

        let query = try WebSocketURL("WS://localhost:8080?key=x#frag")
        #expect(query.pathAndQuery == "/?key=x")
        #expect(query.port == 8080)

        let ipv6 = try WebSocketURL("ws://[::1]:4200/sync")
        #expect(ipv6.host == "::1")
        #expect(ipv6.hostHeader == "[::1]:4200")
        #expect(ipv6.pathAndQuery == "/sync")
    }

    @Test(arguments: [
        "http://example.com", "example.com", "ws://", "ws://:4200", "ws://host:0", "ws://host:70000",
        "ws://host:abc", "ws://user:pw@host", "ws://exa mple.com", "ws://::1:4200", "ws://[::1",
        // Found by fuzz-websocket-url: brackets inside the host.
        "ws://[[`]:2?:]:2?#", "ws://a]:5", "ws://[[::1]]:80",
        // Found by fuzz-websocket-url: non-ASCII hosts (U+06DD joins the `:` after it into one Character; a
        // leading combining mark joins the `/` before it), which no resolver takes anyway.
        "ws://\u{FFFD}\u{06DD}", "ws://h\u{06DD}:81/p", "wss://\u{0301}x:443", "ws://\u{059A}\u{FFFD}w.",
        "ws://[\u{06DD}:1]:2", "ws://bücher.example",
    ])
    func rejectsBadURLs(_ text: String) {
        #expect(throws: TransportError.self) { try WebSocketURL(text) }
        do {
            _ = try WebSocketURL(text)
        } catch {
            guard case let .invalidURL(url, reason) = error else {
                Issue.record("expected invalidURL, got \(error)")
                return
            }
            #expect(url == text)
            #expect(!reason.isEmpty)
            #expect(error.description.contains("ws://"))
        }
    }

    /// The endpoint a URL dials parses back to itself (the fuzz-websocket-url property).
    @Test(arguments: ["ws://127.0.0.1:4200", "wss://cloud.jazz.tools/?key=x", "ws://[::1]/sync", "WS://[example.org]:81?q",
                      "ws://xn--bcher-kva.example:4200/p\u{06DD}:x"])
    func endpointParsesToItself(_ text: String) throws {
        let endpoint = try WebSocketClient.endpoint(of: text)
        #expect(try WebSocketClient.endpoint(of: endpoint) == endpoint)
    }

    @Test func reconnectDelaysAreLinearAndCapped() {
        let policy = ReconnectPolicy.jazzDefault
        #expect(policy.delay(afterFailures: 1) == .milliseconds(500))
        #expect(policy.delay(afterFailures: 2) == .milliseconds(1000))
        #expect(policy.delay(afterFailures: 10) == .milliseconds(5000))
        #expect(policy.delay(afterFailures: 60) == .seconds(30))
        #expect(policy.delay(afterFailures: 1000) == .seconds(30))
        let bigBase = ReconnectPolicy(baseDelay: .seconds(40), maxDelay: .seconds(30))
        #expect(bigBase.delay(afterFailures: 3) == .seconds(40))
    }

    @Test func clientRejectsInvalidConfiguration() {
        let delegate = RecordingClientDelegate()
        #expect(throws: TransportError.invalidURL("ftp://x", reason: "the scheme must be ws:// or wss://")) {
            _ = try WebSocketClient(configuration: .init(url: "ftp://x"), delegate: delegate)
        }
        #expect(throws: TransportError.self) {
            _ = try WebSocketClient(
                configuration: .init(url: "wss://localhost", caCertificatePath: "/nonexistent/ca.pem"),
                delegate: delegate)
        }
        do {
            _ = try WebSocketClient(
                configuration: .init(url: "wss://localhost", caCertificatePath: "/nonexistent/ca.pem"),
                delegate: delegate)
        } catch {
            guard case .tlsSetupFailed = error else {
                Issue.record("expected tlsSetupFailed, got \(error)")
                return
            }
            #expect(error.description.contains("/nonexistent/ca.pem"))
        }
    }
}
