import Glibc

/// Settings of a ``WebSocketServer`` (a Jazz relay endpoint). Defaults match `jazz-run sync`.
public struct WebSocketServerConfiguration: Sendable, Equatable {
    /// Address to listen on: an IP address of this machine, `localhost`, or `0.0.0.0` / `::` /
    /// an empty string for every interface.
    public var host: String
    /// TCP port; 0 lets the system pick a free one (read it back from ``WebSocketServer/port``).
    public var port: Int
    /// PEM certificate chain for `wss://`; set together with ``tlsPrivateKeyPath``.
    public var tlsCertificatePath: String?
    /// PEM private key for `wss://`.
    public var tlsPrivateKeyPath: String?
    /// How often every connection gets `{"type":"ping","time":<ms>,"dc":"…"}` as its own frame;
    /// `nil` sends no pings. JS clients drop a connection after 10 s without any frame, so keep
    /// this well below 10 s (`jazz-run` uses 1.5 s).
    public var pingInterval: Duration?
    /// The `dc` field of pings.
    public var pingDataCenter: String
    /// Largest accepted incoming message; a bigger one closes the connection with status 1009.
    public var maxMessageBytes: Int
    /// Outgoing data per connection above which the connection must keep draining: if nothing of
    /// its queue reaches the socket for ``stalledConnectionTimeout`` while it is above this (or above
    /// ``pacingHighWaterBytes``, the most a paced sender queues, when that is lower), it is
    /// disconnected (and logged). A client that is merely behind (loading a large value, or during a
    /// burst) keeps its connection as long as it reads.
    public var maxQueuedBytesPerConnection: Int
    /// How long a connection above ``maxQueuedBytesPerConnection`` may go without any of its queue
    /// reaching the socket before it is disconnected.
    public var stalledConnectionTimeout: Duration
    /// Outgoing data per connection that is never exceeded: a message that would go beyond it
    /// disconnects the connection at once, so memory stays bounded whatever a client does. Default
    /// (nil): 8 × ``maxQueuedBytesPerConnection``.
    public var hardMaxQueuedBytesPerConnection: Int?
    /// Outgoing data over all connections above which the connections that stopped draining (nothing
    /// written for ``stalledConnectionTimeout``) are disconnected, largest queue first, until the rest
    /// fits; meanwhile senders that pace themselves (the relay streaming content) hold back for
    /// connections with at least ``lowWaterBytes`` queued. Default 256 MiB.
    public var maxQueuedBytesTotal: Int
    /// A connection's queue counts as drained when it falls below this after being at or above it: the
    /// delegate then gets ``WebSocketServerDelegate/connectionDrained(_:)`` (to queue the next part of a
    /// paced stream). Default (nil): ``maxQueuedBytesPerConnection`` / 16 (1 MiB by default).
    public var lowWaterBytes: Int?
    /// Joining of waiting messages into batch frames (default: like `jazz-run`, only once the
    /// client has sent a batch itself).
    public var batching: OutgoingBatching
    /// Most connections (WebSocket and plain HTTP) open at once; further clients wait in the kernel's
    /// listen queue and are accepted as connections close, so running out of descriptors never makes
    /// the server spin on failing `accept` calls. Default (nil), and never more than: what the process's
    /// open-file soft limit allows with ``FileDescriptorLimit/reserved`` descriptors kept free, read when
    /// the server starts.
    public var maxConnections: Int? = nil
    /// Longest a new connection may take to send its whole HTTP request (the WebSocket upgrade or
    /// `GET /health`) once connected; a slower one is closed, so clients that open connections and dribble
    /// their headers (slowloris) cannot hold them. Whole seconds, 1 to 65 535; default 10 s.
    public var handshakeTimeout: Duration = .seconds(10)
    /// A WebSocket connection that answers none of the server's WebSocket pings for this long is closed:
    /// it is a peer that vanished without closing (its machine lost power or network). The server sends a
    /// WebSocket ping (not a Jazz ping) once half of it has passed since the last answer; browsers, `ws`
    /// and libwebsockets answer pings by themselves. Whole seconds, 2 to 65 535; default 60 s.
    public var idleTimeout: Duration = .seconds(60)

    /// The connection cap in force for the current open-file limit.
    var effectiveMaxConnections: Int {
        let capacity = FileDescriptorLimit.connectionCapacity()
        return min(maxConnections ?? capacity, capacity)
    }

    /// A configuration; the defaults are `jazz-run sync`'s (127.0.0.1:4200, pings every 1.5 s).
    public init(
        host: String = "127.0.0.1",
        port: Int = 4200,
        tlsCertificatePath: String? = nil,
        tlsPrivateKeyPath: String? = nil,
        pingInterval: Duration? = .milliseconds(1500),
        pingDataCenter: String = "unknown",
        maxMessageBytes: Int = 64 << 20,
        maxQueuedBytesPerConnection: Int = 16 << 20,
        stalledConnectionTimeout: Duration = .seconds(10),
        hardMaxQueuedBytesPerConnection: Int? = nil,
        maxQueuedBytesTotal: Int = 256 << 20,
        lowWaterBytes: Int? = nil,
        batching: OutgoingBatching = .afterPeerBatches(limit: JazzFraming.recommendedBatchLimit)
    ) {
        self.host = host
        self.port = port
        self.tlsCertificatePath = tlsCertificatePath
        self.tlsPrivateKeyPath = tlsPrivateKeyPath
        self.pingInterval = pingInterval
        self.pingDataCenter = pingDataCenter
        self.maxMessageBytes = maxMessageBytes
        self.maxQueuedBytesPerConnection = maxQueuedBytesPerConnection
        self.stalledConnectionTimeout = stalledConnectionTimeout
        self.hardMaxQueuedBytesPerConnection = hardMaxQueuedBytesPerConnection
        self.maxQueuedBytesTotal = maxQueuedBytesTotal
        self.lowWaterBytes = lowWaterBytes
        self.batching = batching
    }

    /// The queue size at which a paced sender should wait for ``WebSocketServerDelegate/connectionDrained(_:)``:
    /// 4 × ``lowWaterBytes`` (4 MiB by default), at most ``maxQueuedBytesPerConnection``.
    public var pacingHighWaterBytes: Int {
        min(maxQueuedBytesPerConnection, effectiveLowWaterBytes.multipliedReportingOverflow(by: 4).partialValue)
    }

    var effectiveLowWaterBytes: Int { lowWaterBytes ?? max(1, maxQueuedBytesPerConnection / 16) }

    /// Whether the server speaks `wss://`.
    public var usesTLS: Bool { tlsCertificatePath != nil || tlsPrivateKeyPath != nil }

    /// Checks ranges and file presence; called by ``WebSocketServer/init(configuration:delegate:)``.
    func validate() throws(TransportError) {
        guard (0...65535).contains(port) else {
            throw .invalidConfiguration("port \(port) is outside 0...65535 (0 picks a free port)")
        }
        guard maxMessageBytes > 0 else {
            throw .invalidConfiguration("maxMessageBytes must be positive, got \(maxMessageBytes)")
        }
        guard maxQueuedBytesPerConnection > 0 else {
            throw .invalidConfiguration(
                "maxQueuedBytesPerConnection must be positive, got \(maxQueuedBytesPerConnection)")
        }
        guard stalledConnectionTimeout > .zero else {
            throw .invalidConfiguration("stalledConnectionTimeout must be positive, got \(stalledConnectionTimeout)")
        }
        if let hard = hardMaxQueuedBytesPerConnection, hard < maxQueuedBytesPerConnection {
            throw .invalidConfiguration(
                "hardMaxQueuedBytesPerConnection (\(hard)) must be at least maxQueuedBytesPerConnection (\(maxQueuedBytesPerConnection))")
        }
        if let maxConnections, maxConnections < 1 {
            throw .invalidConfiguration("maxConnections must be at least 1, got \(maxConnections)")
        }
        guard let handshake = Self.wholeSeconds(handshakeTimeout), handshake >= 1 else {
            throw .invalidConfiguration("handshakeTimeout must be whole seconds from 1 to 65535, got \(handshakeTimeout)")
        }
        guard let idle = Self.wholeSeconds(idleTimeout), idle >= 2 else {
            throw .invalidConfiguration("idleTimeout must be whole seconds from 2 to 65535, got \(idleTimeout)")
        }
        guard maxQueuedBytesTotal > 0 else {
            throw .invalidConfiguration("maxQueuedBytesTotal must be positive, got \(maxQueuedBytesTotal)")
        }
        if let low = lowWaterBytes, low <= 0 || low > maxQueuedBytesPerConnection {
            throw .invalidConfiguration(
                "lowWaterBytes (\(low)) must be positive and at most maxQueuedBytesPerConnection (\(maxQueuedBytesPerConnection))")
        }
        if let interval = pingInterval, interval <= .zero {
            throw .invalidConfiguration("pingInterval must be positive or nil, got \(interval)")
        }
        guard !host.utf8.contains(0) else {
            throw .invalidConfiguration("host contains a NUL character")
        }
        switch (tlsCertificatePath, tlsPrivateKeyPath) {
        case (nil, nil):
            break
        case let (certificate?, key?):
            try TLSFiles.checkCertificates(certificate, role: "certificate")
            try TLSFiles.checkReadable(key, role: "private key")
        case (_?, nil):
            throw .tlsSetupFailed("tlsCertificatePath is set but tlsPrivateKeyPath is not; set both for wss://")
        case (nil, _?):
            throw .tlsSetupFailed("tlsPrivateKeyPath is set but tlsCertificatePath is not; set both for wss://")
        }
    }

    /// `duration` as whole seconds up to 65 535 (what lws's timers take), or nil.
    static func wholeSeconds(_ duration: Duration) -> UInt16? {
        let (seconds, attoseconds) = duration.components
        guard attoseconds == 0 else { return nil }
        return UInt16(exactly: seconds)
    }

    /// Whether the server listens on one IPv4 address (lws must then use an IPv4 socket).
    var listensOnIPv4Address: Bool {
        guard let interface = listenInterface else { return false }
        var address = in_addr()
        return inet_pton(AF_INET, interface, &address) == 1
    }

    /// The interface string for lws (`nil` = every interface).
    var listenInterface: String? {
        switch host {
        case "", "0.0.0.0", "::", "*": nil
        case "localhost": "127.0.0.1"
        default: host
        }
    }
}
