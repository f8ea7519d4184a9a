/// When a ``WebSocketClient`` dials again after losing (or failing to get) a connection.
///
/// Like `cojson-transport-ws`: after the n-th consecutive failure the client waits
/// `min(baseDelay × n, max(maxDelay, baseDelay))`. The count goes back to zero when a connection
/// delivers its first frame, so a server that accepts and then closes without sending anything
/// drives the wait up to the cap.
public struct ReconnectPolicy: Sendable, Equatable {
    /// The wait after the first failure, and the step it grows by after each further one.
    public var baseDelay: Duration
    /// The longest wait (unless `baseDelay` is longer).
    public var maxDelay: Duration
    /// `false` makes the client give up after the first disconnect (it stays stopped).
    public var isEnabled: Bool

    /// A policy; the defaults are Jazz's (500 ms steps, 30 s cap).
    public init(baseDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(30), isEnabled: Bool = true) {
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.isEnabled = isEnabled
    }

    /// The Jazz defaults: 500 ms steps, capped at 30 s.
    public static let jazzDefault = ReconnectPolicy()
    /// Never reconnect.
    public static let disabled = ReconnectPolicy(isEnabled: false)

    /// The wait before the next dial after `failures` consecutive failures (at least 1).
    public func delay(afterFailures failures: Int) -> Duration {
        let base = max(baseDelay, .zero)
        let cap = max(maxDelay, base)
        let linear = base * max(1, failures)
        return min(linear, cap)
    }
}
