import CWebSockets

/// A WebSocket server for Jazz sync (what `jazz-run sync` provides), on libwebsockets.
///
/// - `GET /health` answers `200 ok`; other plain HTTP requests get `404`.
/// - A WebSocket upgrade is accepted on every other path (query and headers ignored, no
///   subprotocol, no authentication).
/// - Text frames reach the delegate whole; binary frames are ignored (and logged).
/// - Every connection gets a ping frame every ``WebSocketServerConfiguration/pingInterval``.
///
/// The server runs one service thread that owns the libwebsockets context; every method here is
/// thread-safe and returns without waiting for the network. Call ``shutdown()`` when done.
public final class WebSocketServer: Sendable {
    /// The configuration the server was started with (`port` as requested, maybe 0).
    public let configuration: WebSocketServerConfiguration
    /// The port the server actually listens on.
    public let port: Int

    private let loop: ServiceLoop<ServerCommand>
    private let ledger: ConnectionLedger

    /// Binds the listening socket and starts the service thread.
    ///
    /// The server keeps only a weak reference to `delegate` (which typically owns the server):
    /// keep the delegate alive yourself. If the server is released without ``shutdown()``, its
    /// deinitializer shuts it down.
    ///
    /// - Throws: ``TransportError/bindFailed(host:port:reason:)`` when the address is taken or
    ///   not local, ``TransportError/tlsSetupFailed(_:)`` for unusable certificate/key files,
    ///   ``TransportError/invalidConfiguration(_:)`` for out-of-range settings.
    public init(
        configuration: WebSocketServerConfiguration,
        delegate: some WebSocketServerDelegate
    ) throws(TransportError) {
        try configuration.validate()
        let loop = ServiceLoop<ServerCommand>()
        let ledger = ConnectionLedger(limit: configuration.maxQueuedBytesPerConnection,
                                      hardLimit: configuration.hardMaxQueuedBytesPerConnection,
                                      totalLimit: configuration.maxQueuedBytesTotal,
                                      lowWater: configuration.effectiveLowWaterBytes,
                                      stallThreshold: configuration.pacingHighWaterBytes)
        let engine = ServerEngine(configuration: configuration, delegate: delegate, loop: loop, ledger: ledger)
        let (context, port) = try Self.createContext(for: engine)
        engine.attach(to: context)
        do {
            try loop.start(context: context, owner: engine)
        } catch {
            lws_context_destroy(context)
            throw error
        }
        self.configuration = configuration
        self.port = port
        self.loop = loop
        self.ledger = ledger
    }

    deinit {
        shutdown()
    }

    /// Queues a text frame for a connection. Unknown or closed connections are ignored.
    ///
    /// If the connection's queue would exceed
    /// ``WebSocketServerConfiguration/hardMaxQueuedBytesPerConnection`` the message is dropped
    /// and the connection is closed (the delegate then gets `connectionClosed`); a connection above
    /// ``WebSocketServerConfiguration/maxQueuedBytesPerConnection`` that stops draining is closed
    /// after ``WebSocketServerConfiguration/stalledConnectionTimeout``.
    public func send(_ text: String, to connection: ConnectionID) {
        let frame = OutgoingFrame(text: text)
        switch ledger.reserve(frame.accountedBytes, for: connection) {
        case .accepted:
            loop.post(.send(connection, frame))
        case .unknown:
            TransportLog.log(.debug, "dropping a message for \(connection), which is not open")
        case let .overLimit(queued):
            loop.post(.abort(connection, reason: ServerEngine.backPressureReason(queued: queued, limit: ledger.hardLimit)))
        }
    }

    /// Sends what is queued for the connection, then closes it.
    public func close(_ connection: ConnectionID) {
        loop.post(.close(connection))
    }

    /// Bytes queued for a connection and not yet handed to the socket; `nil` when the
    /// connection is not open.
    public func queuedBytes(for connection: ConnectionID) -> Int? {
        ledger.queuedBytes(for: connection)
    }

    /// Bytes queued over all connections and not yet handed to their sockets.
    public var totalQueuedBytes: Int { ledger.totalQueuedBytes }

    /// True if a paced sender should wait for ``WebSocketServerDelegate/connectionDrained(_:)`` before
    /// queuing more for `connection`: its queue holds ``WebSocketServerConfiguration/pacingHighWaterBytes``
    /// or more, or all connections together hold more than
    /// ``WebSocketServerConfiguration/maxQueuedBytesTotal`` and this one at least
    /// ``WebSocketServerConfiguration/lowWaterBytes``. False for connections that are not open.
    public func isBackedUp(_ connection: ConnectionID) -> Bool {
        ledger.isBackedUp(connection, highWater: configuration.pacingHighWaterBytes)
    }

    /// Stops (false) or resumes (true) reading from a connection's socket: TCP then holds its sender
    /// back. For a receiver that cannot keep up with what one connection sends.
    public func setReceiving(_ receiving: Bool, for connection: ConnectionID) {
        loop.post(.receive(connection, receiving))
    }

    /// Makes the service thread take a turn soon (the delegate's ``WebSocketServerDelegate/serviceTurn()``),
    /// e.g. after another thread queued work for it.
    public func wake() {
        loop.post(.wake)
    }

    /// Number of open connections.
    public var connectionCount: Int {
        ledger.openConnections
    }

    /// Closes every connection, stops the service thread and releases the port. Idempotent.
    ///
    /// From any other thread this returns once everything is closed (the delegate has seen
    /// `connectionClosed` for every connection). Called from a delegate method it only starts
    /// the shutdown and returns at once, so it never waits for itself.
    public func shutdown() {
        loop.requestStop()
        if !loop.isOnServiceThread {
            loop.waitUntilFinished()
        }
    }

    // MARK: - Setup

    private static func createContext(for engine: ServerEngine) throws(TransportError) -> (OpaquePointer, Int) {
        let configuration = engine.configuration
        let strings = engine.strings
        let tlsOption: UInt64 = configuration.usesTLS ? TLSLibrary.vhostOption : 0

        TransportLog.installIntoLibwebsockets()
        TransportLog.beginCapture()
        var captured: [String] { TransportLog.captured(since: 0) }
        defer { _ = TransportLog.endCapture() }

        var contextInfo = lws_context_creation_info()
        contextInfo.options = TLSLibrary.contextOptions() | UInt64(LWS_SERVER_OPTION_EXPLICIT_VHOSTS)
        contextInfo.user = Unmanaged.passUnretained(engine).toOpaque()
        contextInfo.port = CONTEXT_PORT_NO_LISTEN
        // lws stops polling the listening socket while its descriptor table is full (one slot each for
        // the listening socket and the wake-up pipe, and one it keeps spare), and resumes as connections close.
        contextInfo.fd_limit_per_thread = UInt32(clamping: configuration.effectiveMaxConnections + 3)
        guard let context = lws_create_context(&contextInfo) else {
            let lines = captured
            if configuration.usesTLS {
                throw .tlsSetupFailed(Self.explain(lines, fallback: "OpenSSL could not be initialised"))
            }
            throw .contextCreationFailed(Self.explain(lines, fallback: "lws_create_context returned NULL"))
        }

        var vhostInfo = lws_context_creation_info()
        vhostInfo.options = tlsOption | UInt64(LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND)
        if configuration.listensOnIPv4Address {
            // With IPv6 on, lws 4.1.6 binds an IPv4 interface address as a dual-stack socket on
            // every address (a relay meant for 127.0.0.1 would be reachable from the network).
            vhostInfo.options |= UInt64(LWS_SERVER_OPTION_DISABLE_IPV6)
        }
        vhostInfo.port = Int32(configuration.port)
        vhostInfo.iface = strings.keep(configuration.listenInterface)
        vhostInfo.protocols = UnsafePointer(engine.protocols.pointer)
        // Validated: whole seconds in range.
        vhostInfo.timeout_secs_ah_idle = UInt32(WebSocketServerConfiguration.wholeSeconds(configuration.handshakeTimeout) ?? 10)
        vhostInfo.retry_and_idle_policy = UnsafePointer(engine.idlePolicy.pointer)
        vhostInfo.vhost_name = strings.keep("jazz-server")
        vhostInfo.server_string = strings.keep("jazz-swift")
        if configuration.usesTLS {
            vhostInfo.ssl_cert_filepath = strings.keep(configuration.tlsCertificatePath)
            vhostInfo.ssl_private_key_filepath = strings.keep(configuration.tlsPrivateKeyPath)
            // WebSocket upgrades need HTTP/1.1; never negotiate h2 with browsers.
            vhostInfo.alpn = strings.keep("http/1.1")
        }
        guard let vhost = lws_create_vhost(context, &vhostInfo) else {
            let lines = captured
            lws_context_destroy(context)
            let text = lines.joined(separator: " ").lowercased()
            let looksLikeTLS = ["ssl", "tls", "cert", "key", "pem"].contains { text.contains($0) }
            if configuration.usesTLS && looksLikeTLS && !text.contains("bind") {
                throw .tlsSetupFailed(Self.explain(lines, fallback: "the certificate or key was rejected"))
            }
            if text.contains("bind") || text.contains("listen") || text.contains("interface") {
                throw .bindFailed(
                    host: configuration.host, port: configuration.port,
                    reason: Self.explain(lines, fallback: "the address is in use or not available"))
            }
            throw .bindFailed(
                host: configuration.host, port: configuration.port,
                reason: Self.explain(lines, fallback: "libwebsockets could not create the listening vhost"))
        }
        let port = Int(lws_get_vhost_listen_port(vhost))
        return (context, port)
    }

    private static func explain(_ lines: [String], fallback: String) -> String {
        lines.isEmpty ? fallback : "\(fallback) (libwebsockets: \(lines.suffix(3).joined(separator: "; ")))"
    }
}
