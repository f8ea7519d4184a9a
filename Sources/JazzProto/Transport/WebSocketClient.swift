/// A WebSocket client for Jazz sync (what `cojson-transport-ws` provides), on libwebsockets.
///
/// ```swift
/// let client = try WebSocketClient(
///     configuration: .init(url: "wss://cloud.jazz.tools/?key=you@example.com"),
///     delegate: peer)
/// client.start()            // dials, and redials per `reconnect` until stop()
/// client.send(#"{"action":"load",...}"#)
/// ```
///
/// **Messages are only delivered on an open connection.** Anything sent while not connected,
/// and anything still queued when a connection ends, is dropped (the disconnect reason says how
/// many): on every `clientConnected()` the Jazz sync layer sends its state afresh, so stale
/// messages from an earlier connection must not be replayed.
///
/// Every client of the process shares one libwebsockets context and service thread (lws leaks
/// memory per destroyed TLS client context). All methods are thread-safe.
public final class WebSocketClient: Sendable {
    /// The configuration the client was created with.
    public let configuration: WebSocketClientConfiguration

    private let engine: ClientEngineHandle
    private let token: UInt64
    private let status: ClientStatus

    /// Checks the URL and TLS files and registers the client; it does not dial until `start()`.
    ///
    /// The client keeps only a weak reference to `delegate` (which typically owns the client):
    /// keep the delegate alive yourself. Releasing the client stops it.
    ///
    /// - Throws: ``TransportError/invalidURL(_:reason:)``, ``TransportError/tlsSetupFailed(_:)``
    ///   (unreadable or invalid CA file), ``TransportError/invalidConfiguration(_:)``,
    ///   ``TransportError/contextCreationFailed(_:)``.
    public init(
        configuration: WebSocketClientConfiguration,
        delegate: some WebSocketClientDelegate
    ) throws(TransportError) {
        let url = try WebSocketURL(configuration.url)
        try configuration.validate()
        let engine = try ClientEngineHandle.shared.get()
        // Load the CA file now so a bad one is an error here, not at every dial. (From the
        // service thread itself, i.e. inside a delegate callback, that would wait for itself;
        // the first dial reports it instead.) A ws:// client builds no TLS state at all.
        if url.isSecure && !engine.loop.isOnServiceThread {
            let reply = ServiceReply<Result<Void, TransportError>>()
            engine.loop.post(.prepareVhost(caCertificatePath: configuration.caCertificatePath, secure: true, reply: reply))
            if case let .failure(error)? = reply.wait() { throw error }
        }
        self.configuration = configuration
        self.engine = engine
        self.token = engine.nextToken()
        self.status = ClientStatus(limit: configuration.maxQueuedBytes, hardLimit: configuration.hardMaxQueuedBytes,
                                   lowWater: configuration.effectiveLowWaterBytes)
        engine.loop.post(.register(ClientRegistration(
            token: token, url: url, configuration: configuration, delegate: delegate, status: status)))
    }

    deinit {
        engine.loop.post(.unregister(token: token))
    }

    /// Dials the URL; after a disconnect, dials again per ``WebSocketClientConfiguration/reconnect``
    /// until ``stop()``. Does nothing if already started.
    public func start() {
        engine.loop.post(.start(token: token))
    }

    /// Closes the connection (or cancels the attempt or pending redial) and stops dialing.
    ///
    /// The delegate gets `clientDisconnected(reason:)` if a connection or attempt was active.
    /// Called from any other thread, this returns after that; from a delegate method it returns
    /// at once and the stop happens right after the method returns. `start()` may follow.
    public func stop() {
        if engine.loop.isOnServiceThread {
            engine.loop.post(.stop(token: token, reply: nil))
        } else {
            let reply = ServiceReply<Void>()
            engine.loop.post(.stop(token: token, reply: reply))
            _ = reply.wait()
        }
    }

    /// Queues a text frame on the open connection (dropped when not connected, see above).
    ///
    /// If more than ``WebSocketClientConfiguration/hardMaxQueuedBytes`` would be waiting, or the queue
    /// stays above ``WebSocketClientConfiguration/maxQueuedBytes`` without draining for
    /// ``WebSocketClientConfiguration/stalledConnectionTimeout``, the connection is treated as stuck:
    /// it is closed (queue dropped) and redialled.
    public func send(_ text: String) {
        enqueue(OutgoingFrame(text: text))
    }

    /// Sends a binary frame. Jazz never does; this exists so tests can check that peers ignore
    /// binary frames.
    func send(binary: [UInt8]) {
        enqueue(OutgoingFrame(binary: binary))
    }

    /// Whether a connection is open right now.
    public var isConnected: Bool { status.isConnected }

    /// Bytes queued on the open connection and not yet handed to the socket.
    public var queuedBytes: Int { status.queuedBytes }

    /// True while the queue holds ``WebSocketClientConfiguration/pacingHighWaterBytes`` or more: a paced
    /// sender waits for ``WebSocketClientDelegate/clientDrained()`` before queuing more.
    public var isBackedUp: Bool { status.queuedBytes >= configuration.pacingHighWaterBytes }

    private func enqueue(_ frame: OutgoingFrame) {
        switch status.reserve(frame.accountedBytes) {
        case .accepted:
            engine.loop.post(.send(token: token, frame))
        case let .overLimit(queued):
            engine.loop.post(.overflow(token: token, queued: queued))
        }
    }
}
