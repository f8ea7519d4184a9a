/// Why a WebSocket server or client could not be set up.
///
/// Runtime problems of an established transport (a refused connection, a failed TLS handshake,
/// a dropped socket) are not thrown: they reach the delegate as
/// ``WebSocketClientDelegate/clientDisconnected(reason:)`` or as a closed connection.
public enum TransportError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The server could not listen on `host:port` (address in use, no permission, unknown interface).
    case bindFailed(host: String, port: Int, reason: String)
    /// The client URL is not a usable `ws://` or `wss://` URL.
    case invalidURL(String, reason: String)
    /// Certificates or keys could not be loaded, or TLS could not be initialised.
    case tlsSetupFailed(String)
    /// A configuration value is out of range or inconsistent.
    case invalidConfiguration(String)
    /// libwebsockets refused to create its context (usually out of memory or file descriptors).
    case contextCreationFailed(String)

    /// What went wrong and what to do about it.
    public var description: String {
        switch self {
        case let .bindFailed(host, port, reason):
            return "Cannot listen on \(host):\(port): \(reason). "
                + "Stop the process using that port, pick another port (0 picks a free one), "
                + "or check that \(host) is an address of this machine."
        case let .invalidURL(url, reason):
            return "“\(url)” is not a usable WebSocket URL: \(reason). "
                + "Expected ws://host[:port][/path][?query] or wss://host[:port][/path][?query], "
                + "for example wss://cloud.jazz.tools/?key=you@example.com."
        case let .tlsSetupFailed(reason):
            return "TLS setup failed: \(reason). Check that the certificate, key and CA files "
                + "exist, are readable PEM files and belong together."
        case let .invalidConfiguration(reason):
            return "Invalid transport configuration: \(reason)."
        case let .contextCreationFailed(reason):
            return "libwebsockets could not create its context: \(reason). "
                + "Check free memory and the open-file limit (ulimit -n)."
        }
    }
}
