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
    /// its queue reaches the socket for ``stalledConnectionTimeout`` while it is above this, it is
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
    /// Joining of waiting messages into batch frames (default: like `jazz-run`, only once the
    /// client has sent a batch itself).
    public var batching: OutgoingBatching
    /// Most connections (WebSocket and plain HTTP) open at once; further clients wait in the kernel's
    /// listen queue and are accepted as connections close, so running out of descriptors never makes
    /// the server spin on failing `accept` calls. Default (nil), and never more than: what the process's
    /// open-file soft limit allows with ``FileDescriptorLimit/reserved`` descriptors kept free, read when
    /// the server starts.
    public var maxConnections: Int? = nil

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
        self.batching = batching
    }

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
