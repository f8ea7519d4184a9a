/// Settings of a ``WebSocketClient``. Defaults match the Jazz JavaScript client.
public struct WebSocketClientConfiguration: Sendable, Equatable {
    /// `ws://` or `wss://` URL, passed on unchanged (path and query included), e.g.
    /// `wss://cloud.jazz.tools/?key=you@example.com` or `ws://127.0.0.1:4200`.
    public var url: String
    /// PEM file of CA certificates to trust for `wss://` instead of the system store (for a
    /// private CA). The server's host name is checked either way.
    public var caCertificatePath: String?
    /// Close the connection when no frame arrived for this long (the relay pings every 1.5 s);
    /// armed by the first frame of each connection. `nil` disables the watchdog.
    public var pingTimeout: Duration?
    /// Give up on a connection attempt that is not open after this long.
    public var connectTimeout: Duration
    /// When to dial again after a disconnect.
    public var reconnect: ReconnectPolicy
    /// Largest accepted incoming message; a bigger one closes the connection (status 1009).
    public var maxMessageBytes: Int
    /// Largest amount of not-yet-written outgoing data (64 MiB by default); beyond it the
    /// connection is considered stuck, closed and redialled. Check
    /// ``WebSocketClient/queuedBytes`` to pace large uploads.
    public var maxQueuedBytes: Int
    /// Joining of waiting messages into batch frames (JS clients batch by default).
    public var batching: OutgoingBatching

    /// A configuration for `url`; every other setting defaults to the Jazz JavaScript client's
    /// behaviour (10 s ping timeout, 500 ms / 30 s linear backoff, batches of 25 000 bytes).
    public init(
        url: String,
        caCertificatePath: String? = nil,
        pingTimeout: Duration? = .seconds(10),
        connectTimeout: Duration = .seconds(20),
        reconnect: ReconnectPolicy = .jazzDefault,
        maxMessageBytes: Int = 64 << 20,
        maxQueuedBytes: Int = 64 << 20,
        batching: OutgoingBatching = .always(limit: JazzFraming.recommendedBatchLimit)
    ) {
        self.url = url
        self.caCertificatePath = caCertificatePath
        self.pingTimeout = pingTimeout
        self.connectTimeout = connectTimeout
        self.reconnect = reconnect
        self.maxMessageBytes = maxMessageBytes
        self.maxQueuedBytes = maxQueuedBytes
        self.batching = batching
    }

    func validate() throws(TransportError) {
        guard maxMessageBytes > 0 else {
            throw .invalidConfiguration("maxMessageBytes must be positive, got \(maxMessageBytes)")
        }
        guard maxQueuedBytes > 0 else {
            throw .invalidConfiguration("maxQueuedBytes must be positive, got \(maxQueuedBytes)")
        }
        if let timeout = pingTimeout, timeout <= .zero {
            throw .invalidConfiguration("pingTimeout must be positive or nil, got \(timeout)")
        }
        guard connectTimeout > .zero else {
            throw .invalidConfiguration("connectTimeout must be positive, got \(connectTimeout)")
        }
        if let path = caCertificatePath {
            try TLSFiles.checkCertificates(path, role: "CA certificate")
        }
    }
}
