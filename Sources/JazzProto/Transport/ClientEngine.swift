import CWebSockets
import Synchronization

/// Commands other threads send to the client service thread.
enum ClientCommand: Sendable {
    case register(ClientRegistration)
    case unregister(token: UInt64)
    case prepareVhost(caCertificatePath: String?, secure: Bool, reply: ServiceReply<Result<Void, TransportError>>)
    case start(token: UInt64)
    case stop(token: UInt64, reply: ServiceReply<Void>?)
    case send(token: UInt64, OutgoingFrame)
    case overflow(token: UInt64, queued: Int)
}

/// Everything a new client session needs, handed to the service thread.
struct ClientRegistration: Sendable {
    let token: UInt64
    let url: WebSocketURL
    let configuration: WebSocketClientConfiguration
    let delegate: any WebSocketClientDelegate
    let status: ClientStatus
}

/// The process-wide client side: one lws context and one service thread for every
/// ``WebSocketClient`` of the process.
///
/// lws 4.1.6 leaks about 330 KB each time a context with a TLS client is destroyed, so the
/// context is created on first use and kept for the life of the process. Clients that trust
/// different CA files get different vhosts of that context (one per CA file, also kept).
final class ClientEngineHandle: Sendable {
    let loop = ServiceLoop<ClientCommand>()
    private let lastToken = Atomic<UInt64>(0)

    /// The shared engine, or why it could not be created.
    static let shared: Result<ClientEngineHandle, TransportError> = {
        do throws(TransportError) {
            return .success(try ClientEngineHandle())
        } catch {
            return .failure(error)
        }
    }()

    private init() throws(TransportError) {
        let engine = ClientEngine(loop: loop)
        TransportLog.installIntoLibwebsockets()
        var info = lws_context_creation_info()
        info.options = TLSLibrary.contextOptions() | UInt64(LWS_SERVER_OPTION_EXPLICIT_VHOSTS)
        info.port = CONTEXT_PORT_NO_LISTEN
        info.user = Unmanaged.passUnretained(engine).toOpaque()
        guard let context = lws_create_context(&info) else {
            throw .contextCreationFailed("lws_create_context returned NULL for the client context")
        }
        engine.attach(to: context)
        do {
            try loop.start(context: context, owner: engine)
        } catch {
            lws_context_destroy(context)
            throw error
        }
    }

    func nextToken() -> UInt64 {
        lastToken.add(1, ordering: .relaxed).newValue
    }
}

/// The client state on the service thread: sessions, the attempts lws knows about, vhosts.
final class ClientEngine: ServiceLoopOwner {
    let loop: ServiceLoop<ClientCommand>
    let strings = CStringStore()
    let protocolName: UnsafePointer<CChar>
    let protocols: ProtocolTable
    let timers = LoopTimers()
    private(set) var context: OpaquePointer?
    private var vhosts: [String: OpaquePointer] = [:]
    private var sessions: [UInt64: ClientSession] = [:]
    /// Connection attempts by the number stored in their wsi's opaque pointer.
    private var attempts: [UInt64: ClientSession] = [:]
    private var lastAttempt: UInt64 = 0
    private var capturing = false

    init(loop: ServiceLoop<ClientCommand>) {
        self.loop = loop
        protocolName = strings.keep("jazz-client")
        protocols = ProtocolTable(name: protocolName, callback: clientCallback, bufferSize: LWS.bufferSize)
    }

    func attach(to context: OpaquePointer) {
        self.context = context
        timers.attach(to: context)
    }

    // MARK: ServiceLoopOwner

    func drainCommands() {
        if !capturing {
            // Keep lws's warnings and errors of this thread: they explain TLS failures.
            capturing = true
            TransportLog.beginCapture()
        }
        for command in loop.takeCommands() {
            switch command {
            case let .register(registration):
                sessions[registration.token] = ClientSession(registration: registration, engine: self)
            case let .unregister(token):
                sessions.removeValue(forKey: token)?.stop(reason: "the client was released")
            case let .prepareVhost(path, secure, reply):
                reply.resolve(vhost(caCertificatePath: path, secure: secure).map { _ in () })
            case let .start(token):
                sessions[token]?.start()
            case let .stop(token, reply):
                sessions[token]?.stop(reason: "stopped by the application")
                reply?.resolve(())
            case let .send(token, frame):
                if let session = sessions[token] {
                    session.send(frame)
                }
            case let .overflow(token, queued):
                sessions[token]?.overflow(queued: queued)
            }
        }
    }

    func serviceLoopWillDestroyContext() {
        timers.cancelAll()
    }

    func serviceLoopDidDestroyContext() {
        context = nil
    }

    // MARK: Attempts and vhosts

    func beginAttempt(for session: ClientSession) -> UInt64 {
        lastAttempt += 1
        attempts[lastAttempt] = session
        return lastAttempt
    }

    func endAttempt(_ attempt: UInt64) {
        attempts.removeValue(forKey: attempt)
    }

    /// The vhost for a connection, created on first use: for `secure` (`wss://`) URLs one whose TLS
    /// client trusts `caCertificatePath` (or the system store); for `ws://` one without any TLS state
    /// (building a TLS client context loads the whole CA store, which a plain connection never needs).
    func vhost(caCertificatePath: String?, secure: Bool) -> Result<OpaquePointer, TransportError> {
        let key = secure ? "tls:" + (caCertificatePath ?? "") : "plain"
        if let vhost = vhosts[key] { return .success(vhost) }
        guard let context else { return .failure(.contextCreationFailed("the client service thread has stopped")) }
        let mark = TransportLog.captureMark()
        var info = lws_context_creation_info()
        info.port = CONTEXT_PORT_NO_LISTEN
        info.options = secure ? TLSLibrary.vhostOption : 0
        info.protocols = UnsafePointer(protocols.pointer)
        info.vhost_name = strings.keep("jazz-client-\(vhosts.count)")
        if secure { info.client_ssl_ca_filepath = strings.keep(caCertificatePath) }
        guard let vhost = lws_create_vhost(context, &info) else {
            let lines = TransportLog.captured(since: mark)
            let detail = lines.isEmpty ? "" : " (libwebsockets: \(lines.suffix(3).joined(separator: "; ")))"
            if let path = caCertificatePath {
                return .failure(.tlsSetupFailed("the CA certificates in \(path) could not be loaded\(detail)"))
            }
            return .failure(.tlsSetupFailed("the TLS client could not be set up\(detail)"))
        }
        vhosts[key] = vhost
        return .success(vhost)
    }

    // MARK: lws callback

    func handle(
        _ wsi: OpaquePointer, _ reason: lws_callback_reasons,
        _ user: UnsafeMutableRawPointer?, _ input: UnsafeMutableRawPointer?, _ length: Int
    ) -> Int32 {
        switch reason {
        case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
            drainCommands()
            return 0
        case LWS_CALLBACK_CLIENT_CONNECTION_ERROR, LWS_CALLBACK_CLIENT_ESTABLISHED,
             LWS_CALLBACK_CLIENT_RECEIVE, LWS_CALLBACK_CLIENT_WRITEABLE, LWS_CALLBACK_CLIENT_CLOSED,
             LWS_CALLBACK_WS_PEER_INITIATED_CLOSE, LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION,
             LWS_CALLBACK_CLOSED_CLIENT_HTTP, LWS_CALLBACK_WSI_DESTROY,
             LWS_CALLBACK_RAW_CONNECTED, LWS_CALLBACK_RAW_RX, LWS_CALLBACK_RAW_WRITEABLE, LWS_CALLBACK_RAW_CLOSE:
            let attempt = LWS.opaqueValue(wsi)
            if let attempt, let session = attempts[attempt] {
                return session.handle(
                    attempt: attempt, wsi: wsi, reason: reason, user: user, input: input, length: length)
            }
            // A connection its session already gave up on (stopped, timed out): finish closing.
            switch reason {
            case LWS_CALLBACK_CLIENT_ESTABLISHED, LWS_CALLBACK_RAW_CONNECTED, LWS_CALLBACK_RAW_RX:
                return -1
            case LWS_CALLBACK_CLIENT_WRITEABLE:
                lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, nil, 0)
                return -1
            case LWS_CALLBACK_RAW_WRITEABLE:
                // A raw connection given up while open: say goodbye as lws does for its own.
                ClientFrame.write(ClientFrame.close(code: 1000), to: wsi)
                return -1
            default:
                return 0
            }
        default:
            return lws_callback_http_dummy(wsi, reason, user, input, length)
        }
    }
}

/// The lws protocol callback of clients; finds the engine through the context's user pointer.
private func clientCallback(
    _ wsi: OpaquePointer?, _ reason: lws_callback_reasons,
    _ user: UnsafeMutableRawPointer?, _ input: UnsafeMutableRawPointer?, _ length: Int
) -> Int32 {
    guard let wsi, let context = lws_get_context(wsi), let owner = lws_context_user(context) else {
        return lws_callback_http_dummy(wsi, reason, user, input, length)
    }
    let engine = Unmanaged<ClientEngine>.fromOpaque(owner).takeUnretainedValue()
    return engine.handle(wsi, reason, user, input, length)
}
