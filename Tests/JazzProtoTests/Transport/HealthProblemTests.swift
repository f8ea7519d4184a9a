import JazzProto
import Synchronization
import Testing

/// A server delegate that reports a settable health problem and ignores connections.
final class UnhealthyDelegate: WebSocketServerDelegate {
    let problem = Mutex<String?>(nil)
    func connectionOpened(_ id: ConnectionID, remoteAddress: String, path: String) {}
    func connection(_ id: ConnectionID, receivedText frame: String) {}
    func connectionClosed(_ id: ConnectionID) {}
    var healthProblem: String? { problem.withLock { $0 } }
}

/// `/health` answers 503 with the delegate's reason while it reports one, and `200 ok` again after.
@Suite("Health endpoint with a problem")
struct HealthProblemTests {
    static func health(_ port: Int) throws -> String {
        let socket = try RawSocket(port: port)
        try socket.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        return socket.receive()
    }

    @Test func healthSays503WithTheReasonWhileTheDelegateReportsAProblem() throws {
        let delegate = UnhealthyDelegate()
        let server = try WebSocketServer(configuration: WebSocketServerConfiguration(host: "127.0.0.1", port: 0),
                                         delegate: delegate)
        defer { server.shutdown() }
        #expect(try Self.health(server.port).hasSuffix("\r\n\r\nok"))
        delegate.problem.withLock { $0 = "storage failing: disk is full\nsecond line" }
        let failing = try Self.health(server.port)
        #expect(failing.hasPrefix("HTTP/1.1 503"))
        #expect(failing.hasSuffix("\r\n\r\nstorage failing: disk is full second line\n"), "\(failing)")
        delegate.problem.withLock { $0 = nil }
        let healthy = try Self.health(server.port)
        #expect(healthy.hasPrefix("HTTP/1.1 200") && healthy.hasSuffix("\r\n\r\nok"))
    }
}
