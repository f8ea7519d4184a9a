import Foundation
import JazzProto
import Testing

/// A throwaway certificate authority and a 127.0.0.1 server certificate, made with the openssl CLI.
struct TestCertificates {
    let directory: String
    var caCertificate: String { directory + "/ca.pem" }
    var serverCertificate: String { directory + "/server.pem" }
    var serverKey: String { directory + "/server.key" }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("caro-tls-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Self.openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=caro test CA",
                          "-keyout", directory + "/ca.key", "-out", directory + "/ca.pem"])
        try Self.openssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
                          "-keyout", directory + "/server.key", "-out", directory + "/server.csr"])
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\n".write(toFile: directory + "/san.ext", atomically: true, encoding: .utf8)
        try Self.openssl(["x509", "-req", "-in", directory + "/server.csr", "-CA", directory + "/ca.pem",
                          "-CAkey", directory + "/ca.key", "-CAcreateserial", "-days", "2",
                          "-extfile", directory + "/san.ext", "-out", directory + "/server.pem"])
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }

    static func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
    }
}

@Suite("wss: relay with TLS", .serialized)
struct TLSRelayTests {
    @Test func clientTrustingTheTestCASyncsAndAnUntrustingClientIsRefused() async throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let relay = try RelayServer(
            configuration: WebSocketServerConfiguration(host: "127.0.0.1", port: 0, tlsCertificatePath: certificates.serverCertificate,
                                                        tlsPrivateKeyPath: certificates.serverKey),
            storage: nil)
        defer { relay.shutdown() }
        let url = "wss://127.0.0.1:\(relay.port)/?key=tls@example.com"

        let identity = try JazzIdentity(secretSeed: SecureRandom.bytes(32))
        var trusting = WebSocketClientConfiguration(url: url)
        trusting.caCertificatePath = certificates.caCertificate
        let device = try SyncClient(node: try LocalNode.createAccount(agentSecret: identity.agentSecret), configuration: trusting)
        device.start()
        defer { device.stop() }
        let mapID = try device.write { node -> CoID in
            let group = try node.createGroup()
            let map = try node.createValue(type: "comap", owner: group)
            try node.makeTransaction(in: map, changes: CoMapChanges.set("over", "tls"), privacy: .private)
            return map
        }
        #expect(await device.waitForSync(timeout: .seconds(15)))
        #expect(relay.withNode { $0.knownState(of: mapID) } == device.read { $0.knownState(of: mapID) })

        // Without the CA (system store only) the certificate is refused and nothing syncs.
        var untrusting = WebSocketClientConfiguration(url: url)
        untrusting.reconnect = .disabled
        let stranger = try SyncClient(node: LocalNode(agentSecret: identity.agentSecret, accountID: identity.accountID),
                                      configuration: untrusting)
        stranger.start()
        defer { stranger.stop() }
        #expect(await stranger.wait(timeout: .seconds(10)) { $0.lastDisconnectReason != nil })
        #expect(!stranger.isConnected)
        #expect(!stranger.read { $0.hasContent(mapID) })
    }
}
