/// Receives the events of a ``WebSocketClient``.
///
/// Called on the shared client service thread, one at a time. Every connection attempt ends
/// with exactly one `clientDisconnected`, whether or not `clientConnected` came first. Return
/// quickly; calling the client's `send`, `stop` and `start` from here is fine.
public protocol WebSocketClientDelegate: AnyObject, Sendable {
    /// The WebSocket is open; messages sent from now on are delivered. Send your sync state
    /// (Jazz: `load` for everything you hold) here: nothing queued earlier survives.
    func clientConnected()
    /// A whole text frame arrived; split it with ``JazzFraming/split(_:)``.
    func client(receivedText frame: String)
    /// The connection attempt failed or the open connection ended. `reason` is meant for people
    /// (e.g. "TLS handshake with wss://host:443 failed: the server's certificate is not
    /// trusted ..."). Messages that were still queued were dropped (the reason says how many).
    func clientDisconnected(reason: String)
    /// The outgoing queue fell below ``WebSocketClientConfiguration/lowWaterBytes`` after being at or
    /// above it: a sender that paused for it can queue more. Optional.
    func clientDrained()
}

extension WebSocketClientDelegate {
    public func clientDrained() {}
}
