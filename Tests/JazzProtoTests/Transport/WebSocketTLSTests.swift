import Foundation
import Testing
@testable import JazzProto

@Suite("WebSocket over TLS")
struct WebSocketTLSTests {
    @Test func clientTrustingTheTestCAConnectsAndOthersAreRefused() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }

        let serverDelegate = RecordingServerDelegate.echo()
        let server = try makeServer(serverDelegate) {
            $0.tlsCertificatePath = certificates.certificatePath
            $0.tlsPrivateKeyPath = certificates.keyPath
        }
        defer { server.shutdown() }

        // Trusting the test CA: connects, host name checked against the certificate.
        let trusting = RecordingClientDelegate()
        let client = try makeClient("wss://localhost:\(server.port)/?key=test", trusting) {
            $0.caCertificatePath = certificates.caPath
        }
        defer { client.stop() }
        client.start()
        #expect(await waitUntil { trusting.connects == 1 }, "\(trusting.disconnects)")
        client.send("over tls")
        #expect(await waitUntil { trusting.frames == ["over tls"] })
        #expect(serverDelegate.opened.first?.path == "/")

        // System store only: the handshake is refused, and the reason says why.
        let untrusting = RecordingClientDelegate()
        let refused = try makeClient("wss://localhost:\(server.port)/", untrusting)
        defer { refused.stop() }
        refused.start()
        #expect(await waitUntil { untrusting.disconnects.count == 1 })
        #expect(untrusting.connects == 0)
        let reason = try #require(untrusting.disconnects.first)
        #expect(reason.contains("TLS handshake with wss://localhost:\(server.port) failed"), "\(reason)")
        #expect(reason.contains("not trusted"), "\(reason)")
        #expect(reason.contains("caCertificatePath"), "\(reason)")
    }

    @Test func hostNameMismatchIsRefused() async throws {
        // Signed by the trusted test CA, but for another name.
        let certificates = try TestCertificates.make(subjectAltNames: "DNS:elsewhere.example")
        defer { certificates.remove() }
        let server = try makeServer(RecordingServerDelegate()) {
            $0.tlsCertificatePath = certificates.certificatePath
            $0.tlsPrivateKeyPath = certificates.keyPath
        }
        defer { server.shutdown() }
        for host in ["127.0.0.1", "localhost"] {
            let delegate = RecordingClientDelegate()
            let client = try makeClient("wss://\(host):\(server.port)/", delegate) {
                $0.caCertificatePath = certificates.caPath
            }
            client.start()
            #expect(await waitUntil { delegate.disconnects.count == 1 })
            #expect(delegate.connects == 0)
            #expect(delegate.disconnects.first?.contains("does not name \(host)") == true, "\(delegate.disconnects)")
            client.stop()
        }
    }

    @Test func invalidCertificateFilesAreReportedAtStartup() throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        // Certificate and key that do not belong together: the CA's certificate with the
        // server's key.
        do {
            _ = try makeServer(RecordingServerDelegate()) {
                $0.tlsCertificatePath = certificates.caPath
                $0.tlsPrivateKeyPath = certificates.keyPath
            }
            Issue.record("a mismatched certificate and key were accepted")
        } catch let error as TransportError {
            guard case .tlsSetupFailed = error else {
                Issue.record("expected tlsSetupFailed, got \(error)")
                return
            }
        }
        // A CA file that is not PEM.
        let garbage = certificates.directory.appendingPathComponent("garbage.pem")
        try "not a certificate".write(to: garbage, atomically: true, encoding: .utf8)
        do {
            _ = try makeClient("wss://localhost:1/", RecordingClientDelegate()) {
                $0.caCertificatePath = garbage.path
            }
            Issue.record("a garbage CA file was accepted")
        } catch let error as TransportError {
            guard case let .tlsSetupFailed(reason) = error else {
                Issue.record("expected tlsSetupFailed, got \(error)")
                return
            }
            #expect(reason.contains(garbage.path))
        }
    }
}
