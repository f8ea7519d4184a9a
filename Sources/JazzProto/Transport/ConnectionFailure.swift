/// Turns libwebsockets' terse connection errors (plus the log lines it wrote meanwhile) into
/// sentences for people.
enum ConnectionFailure {
    static func describe(
        endpoint: String, host: String, isSecure: Bool, caCertificatePath: String?,
        lwsReason: String?, logLines: [String]
    ) -> String {
        let raw = ([lwsReason].compactMap { $0 } + logLines).joined(separator: " | ")
        let lower = raw.lowercased()
        let detail = raw.isEmpty ? "" : " [libwebsockets: \(raw)]"

        if isSecure, let problem = certificateProblem(lower, host: host, caCertificatePath: caCertificatePath) {
            return "TLS handshake with \(endpoint) failed: \(problem)\(detail)"
        }
        if isSecure && (lower.contains("ssl") || lower.contains("tls") || lower.contains("handshake")) {
            return "TLS handshake with \(endpoint) failed (is it really a wss:// server?)\(detail)"
        }
        if lower.contains("getaddrinfo") || lower.contains("dns") || lower.contains("resolve")
            || lower.contains("unknown host") {
            return "cannot resolve the host name \(host) (check the URL and the network)\(detail)"
        }
        if lower.contains("refused") || lower.contains("unable to connect") || lower.contains("connect failed")
            || lower.contains("conn fail") || lower.contains("unreachable") || lower.contains("timed out")
            || lower.contains("timeout") {
            return "cannot connect to \(endpoint): nothing accepted the connection "
                + "(is the server running and the port right?)\(detail)"
        }
        if lower.contains("read failed") {
            return "\(endpoint) accepted the connection but closed it during the WebSocket handshake "
                + "(not a WebSocket server, or it refused the request)\(detail)"
        }
        if lower.contains("101") || lower.contains("upgrade") || lower.contains("hs:") || lower.contains("http") {
            return "\(endpoint) answered, but did not accept a WebSocket upgrade "
                + "(wrong URL path, or not a Jazz sync server?)\(detail)"
        }
        return "the connection to \(endpoint) failed\(detail)"
    }

    /// What is wrong with the server's certificate, judged from OpenSSL's verify messages.
    private static func certificateProblem(_ lower: String, host: String, caCertificatePath: String?) -> String? {
        let trust = caCertificatePath.map { "the CA certificates in \($0)" } ?? "the system's trusted CAs"
        let hint = caCertificatePath == nil
            ? "; if the server uses a private CA, set caCertificatePath to its PEM file"
            : ""
        if lower.contains("hostname mismatch") || lower.contains("ip address mismatch")
            || lower.contains("err=62;") || lower.contains("err=64;") {
            return "the server's certificate does not name \(host) (connect with a host name the "
                + "certificate lists, or fix the certificate)"
        }
        if lower.contains("has expired") || lower.contains("err=10;") {
            return "the server's certificate has expired (or this machine's clock is wrong)"
        }
        if lower.contains("not yet valid") || lower.contains("err=9;") {
            return "the server's certificate is not valid yet (check this machine's clock)"
        }
        if lower.contains("unable to get local issuer") || lower.contains("self signed")
            || lower.contains("self-signed") || lower.contains("unable to get issuer")
            || lower.contains("unable to verify") {
            return "the server's certificate is not trusted: it is not signed by a CA in \(trust)\(hint)"
        }
        if lower.contains("certificate verify failed") || lower.contains("preverify_ok=0") {
            return "the server's certificate is not trusted by \(trust)\(hint)"
        }
        return nil
    }
}
