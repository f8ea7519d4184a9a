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
    /// Outgoing data above which the connection must keep draining (64 MiB by default): if nothing
    /// of the queue reaches the socket for ``stalledConnectionTimeout`` while it is above this, the
    /// connection is considered stuck, closed and redialled. A large upload that keeps draining is
    /// never cut; pace it with ``WebSocketClient/isBackedUp`` and
    /// ``WebSocketClientDelegate/clientDrained()`` (``SyncClient`` does).
    public var maxQueuedBytes: Int
    /// How long the queue may stay above ``maxQueuedBytes`` without anything reaching the socket.
    public var stalledConnectionTimeout: Duration
    /// Outgoing data that is never exceeded: a message that would go beyond it closes the connection
    /// at once (and it is redialled). Default (nil): 8 × ``maxQueuedBytes``.
    public var hardMaxQueuedBytes: Int?
    /// The queue counts as drained when it falls below this after being at or above it
    /// (``WebSocketClientDelegate/clientDrained()``). Default (nil): ``maxQueuedBytes`` / 16.
    public var lowWaterBytes: Int?
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
        stalledConnectionTimeout: Duration = .seconds(10),
        hardMaxQueuedBytes: Int? = nil,
        lowWaterBytes: Int? = nil,
        batching: OutgoingBatching = .always(limit: JazzFraming.recommendedBatchLimit)
    ) {
        self.url = url
        self.caCertificatePath = caCertificatePath
        self.pingTimeout = pingTimeout
        self.connectTimeout = connectTimeout
        self.reconnect = reconnect
        self.maxMessageBytes = maxMessageBytes
        self.maxQueuedBytes = maxQueuedBytes
        self.stalledConnectionTimeout = stalledConnectionTimeout
        self.hardMaxQueuedBytes = hardMaxQueuedBytes
        self.lowWaterBytes = lowWaterBytes
        self.batching = batching
    }

    /// The queue size at which a paced sender should wait for ``WebSocketClientDelegate/clientDrained()``:
    /// 4 × the low-water mark (16 MiB by default), at most ``maxQueuedBytes``.
    public var pacingHighWaterBytes: Int {
        min(maxQueuedBytes, effectiveLowWaterBytes.multipliedReportingOverflow(by: 4).partialValue)
    }

    var effectiveLowWaterBytes: Int { lowWaterBytes ?? max(1, maxQueuedBytes / 16) }

    func validate() throws(TransportError) {
        guard maxMessageBytes > 0 else {
            throw .invalidConfiguration("maxMessageBytes must be positive, got \(maxMessageBytes)")
        }
        guard maxQueuedBytes > 0 else {
            throw .invalidConfiguration("maxQueuedBytes must be positive, got \(maxQueuedBytes)")
        }
        guard stalledConnectionTimeout > .zero else {
            throw .invalidConfiguration("stalledConnectionTimeout must be positive, got \(stalledConnectionTimeout)")
        }
        if let hard = hardMaxQueuedBytes, hard < maxQueuedBytes {
            throw .invalidConfiguration("hardMaxQueuedBytes (\(hard)) must be at least maxQueuedBytes (\(maxQueuedBytes))")
        }
        if let low = lowWaterBytes, low <= 0 || low > maxQueuedBytes {
            throw .invalidConfiguration("lowWaterBytes (\(low)) must be positive and at most maxQueuedBytes (\(maxQueuedBytes))")
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
