/// Receives the events of a ``WebSocketServer``.
///
/// All methods are called on the server's service thread, one at a time and in order for each
/// connection: `connectionOpened`, any number of `connection(_:receivedText:)`, then
/// `connectionClosed`. Return quickly (hand work to your own queue or actor); calling
/// ``WebSocketServer/send(_:to:)``, ``WebSocketServer/close(_:)`` and even
/// ``WebSocketServer/shutdown()`` from these methods is fine.
public protocol WebSocketServerDelegate: AnyObject, Sendable {
    /// A WebSocket upgrade was accepted. `path` is the request path without the query string
    /// (Jazz ignores both; `?key=` is not checked).
    func connectionOpened(_ id: ConnectionID, remoteAddress: String, path: String)
    /// A whole text frame arrived (fragments and partial reads joined). It may hold several
    /// `"\n"`-separated messages: split it with ``JazzFraming/split(_:)``.
    func connection(_ id: ConnectionID, receivedText frame: String)
    /// The connection is gone (closed by either side, dropped, or the server shut down).
    /// Messages still queued for it were discarded.
    func connectionClosed(_ id: ConnectionID)
    /// Why the service is unhealthy, or nil: `GET /health` then answers `503` with this one line
    /// instead of `200 ok`. Called on the service thread: return at once (no waiting for locks held
    /// while messages are handled).
    var healthProblem: String? { get }
}

extension WebSocketServerDelegate {
    /// Healthy by default.
    public var healthProblem: String? { nil }
}
