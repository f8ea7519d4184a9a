import CWebSockets
import Glibc

/// One ``WebSocketClient`` on the service thread: dialing, the open connection, the ping
/// watchdog and reconnection.
final class ClientSession {
    private enum Phase {
        case idle
        case connecting(attempt: UInt64, wsi: OpaquePointer?)
        case open(attempt: UInt64, wsi: OpaquePointer)
        case waiting(LoopTimers.Token)
    }

    let token: UInt64
    let url: WebSocketURL
    let configuration: WebSocketClientConfiguration
    /// Weak, like the server's: the delegate usually owns the client.
    private weak var delegate: (any WebSocketClientDelegate)?
    private let status: ClientStatus
    private unowned let engine: ClientEngine

    private var running = false
    private var phase: Phase = .idle
    private var failures = 0
    private var outgoing: OutgoingQueue
    private var incoming: IncomingAssembler
    /// Plain (`ws://`) connections are raw sockets to lws: this session does the WebSocket handshake and
    /// reads the frames itself (``WebSocketFrameReader``), whole buffers at a time. `wss://` ones stay
    /// lws WebSocket connections, whose TLS errors lws explains.
    private let framesItself: Bool
    private var handshake: WebSocketHandshake?
    private var handshakeTimer: LoopTimers.Token?
    private var reader: WebSocketFrameReader
    /// Pongs to write (raw connections) before the next message fragment.
    private var pendingControl: [[UInt8]] = []
    private var receivedFirstFrame = false
    private var lastFrameAt: UInt64 = 0
    private var watchdog: LoopTimers.Token?
    private var stallCheck: LoopTimers.Token?
    private var connectTimer: LoopTimers.Token?
    private var peerCloseReason: String?
    /// lws log lines written while this attempt was being started (they are surely its own).
    private var dialLogLines: [String] = []
    /// Where the log stood when OpenSSL rejected the server certificate (lws logs the reason
    /// right after telling us).
    private var certificateRejectedMark: UInt64?
    /// OpenSSL's own words for that rejection, when they could be read.
    private var certificateRejection: String?

    init(registration: ClientRegistration, engine: ClientEngine) {
        token = registration.token
        url = registration.url
        configuration = registration.configuration
        delegate = registration.delegate
        status = registration.status
        self.engine = engine
        outgoing = OutgoingQueue(
            batchLimit: registration.configuration.batching.limit(peerHasBatched: false),
            fragmentSize: LWS.fragmentSize)
        incoming = IncomingAssembler(maxMessageBytes: registration.configuration.maxMessageBytes)
        framesItself = !registration.url.isSecure
        reader = WebSocketFrameReader(maxMessageBytes: registration.configuration.maxMessageBytes)
    }

    /// How long a server may take to answer the upgrade once the connection is up (lws's own limit on its
    /// WebSocket connections is 5 s).
    static let handshakeTimeout = Duration.seconds(10)

    // MARK: Commands

    func start() {
        guard !running else { return }
        running = true
        failures = 0
        if case .idle = phase { connect() }
    }

    func stop(reason: String) {
        running = false
        switch phase {
        case let .waiting(timer):
            engine.timers.cancel(timer)
            phase = .idle
        case .connecting, .open:
            abandonConnection(reason: reason)
        case .idle:
            break
        }
    }

    func send(_ frame: OutgoingFrame) {
        guard case let .open(_, wsi) = phase else {
            status.release(frame.accountedBytes)
            TransportLog.log(.info, "\(url.endpoint): dropped a message sent while not connected")
            return
        }
        outgoing.append(frame)
        lws_callback_on_writable(wsi)
    }

    func overflow(queued: Int) {
        guard case .open = phase else { return }
        abandonConnection(reason: "more than \(status.hardLimit) bytes were waiting to be sent "
            + "(\(queued) queued): the server reads too slowly")
    }

    // MARK: Dialing

    private func connect() {
        guard running else { return }
        let vhost: OpaquePointer
        switch engine.vhost(caCertificatePath: configuration.caCertificatePath, secure: url.isSecure) {
        case let .success(value):
            vhost = value
        case let .failure(error):
            running = false
            phase = .idle
            delegate?.clientDisconnected(reason: "\(error) The client stopped; fix the configuration and start it again.")
            return
        }
        guard let context = engine.context else { return }

        let attempt = engine.beginAttempt(for: self)
        phase = .connecting(attempt: attempt, wsi: nil)
        receivedFirstFrame = false
        peerCloseReason = nil
        certificateRejectedMark = nil
        certificateRejection = nil
        let mark = TransportLog.captureMark()

        let strings = CStringStore()  // lws copies connect-info strings
        var info = lws_client_connect_info()
        info.context = context
        info.vhost = vhost
        info.address = strings.keep(url.host)
        info.port = Int32(url.port)
        info.path = strings.keep(url.pathAndQuery)
        info.host = strings.keep(url.hostHeader)
        info.ssl_connection = url.isSecure ? Int32(LCCSCF_USE_SSL.rawValue) : 0
        info.local_protocol_name = engine.protocolName
        info.ietf_version_or_minus_one = -1
        info.opaque_user_data = LWS.opaque(attempt)
        if framesItself { info.method = strings.keep("RAW") }
        if url.isSecure { info.alpn = strings.keep("http/1.1") }
        let wsi = lws_client_connect_via_info(&info)
        dialLogLines = TransportLog.captured(since: mark)

        // lws may already have reported an error from inside the call.
        guard case .connecting(let current, _) = phase, current == attempt else { return }
        guard let wsi else {
            finishAttempt(attempt, reason: describeFailure(nil))
            return
        }
        phase = .connecting(attempt: attempt, wsi: wsi)
        connectTimer = engine.timers.schedule(afterNanoseconds: configuration.connectTimeout.clampedNanoseconds) {
            [weak self] in
            guard let self, case .connecting(let current, _) = self.phase, current == attempt else { return }
            self.connectTimer = nil
            self.abandonConnection(reason: "no connection to \(self.url.endpoint) after "
                + "\(Self.describe(self.configuration.connectTimeout)) (timed out)")
        }
    }

    /// Gives up the current connection now (reports it) and lets lws finish closing it.
    private func abandonConnection(reason: String) {
        switch phase {
        case let .connecting(attempt, wsi):
            finishAttempt(attempt, reason: reason)
            if let wsi { lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC) }
        case let .open(attempt, wsi):
            finishAttempt(attempt, reason: reason)
            // The orphaned wsi sends a close frame from its next writeable callback.
            lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, 3)
            lws_callback_on_writable(wsi)
        case .idle, .waiting:
            break
        }
    }

    /// Ends an attempt: forget its wsi, drop what is queued, tell the delegate, plan the next
    /// dial.
    private func finishAttempt(_ attempt: UInt64, reason: String) {
        switch phase {
        case let .connecting(current, _), let .open(current, _):
            guard current == attempt else { return }
        case .idle, .waiting:
            return
        }
        engine.endAttempt(attempt)
        engine.timers.cancel(watchdog)
        engine.timers.cancel(connectTimer)
        engine.timers.cancel(stallCheck)
        engine.timers.cancel(handshakeTimer)
        stallCheck = nil
        watchdog = nil
        connectTimer = nil
        handshakeTimer = nil
        let dropped = outgoing.removeAll()
        incoming = IncomingAssembler(maxMessageBytes: configuration.maxMessageBytes)
        reader = WebSocketFrameReader(maxMessageBytes: configuration.maxMessageBytes)
        handshake = nil
        pendingControl = []
        status.setConnected(false)

        var text = reason
        if dropped.messages > 0 {
            text += " (\(dropped.messages) unsent message\(dropped.messages == 1 ? "" : "s") dropped)"
        }
        if running && configuration.reconnect.isEnabled {
            failures += 1
            let delay = configuration.reconnect.delay(afterFailures: failures)
            let timer = engine.timers.schedule(afterNanoseconds: delay.clampedNanoseconds) { [weak self] in
                guard let self, case .waiting = self.phase else { return }
                self.phase = .idle
                self.connect()
            }
            phase = .waiting(timer)
            text += "; reconnecting in \(Self.describe(delay))"
        } else {
            running = false
            phase = .idle
        }
        delegate?.clientDisconnected(reason: text)
    }

    // MARK: lws events

    func handle(
        attempt: UInt64, wsi: OpaquePointer, reason: lws_callback_reasons,
        user: UnsafeMutableRawPointer?, input: UnsafeMutableRawPointer?, length: Int
    ) -> Int32 {
        switch reason {
        case LWS_CALLBACK_CLIENT_ESTABLISHED:
            guard case .connecting(attempt, _) = phase else { return -1 }
            established(attempt: attempt, wsi: wsi)
            return 0

        case LWS_CALLBACK_RAW_CONNECTED:
            guard case .connecting(attempt, _) = phase else { return -1 }
            let upgrade = WebSocketHandshake(url: url, key: SecureRandom.bytes(16))
            handshake = upgrade
            if !ClientFrame.write(upgrade.request, to: wsi) {
                finishAttempt(attempt, reason: describeFailure("writing the WebSocket upgrade request failed (write failed)"))
                return -1
            }
            handshakeTimer = engine.timers.schedule(afterNanoseconds: Self.handshakeTimeout.clampedNanoseconds) { [weak self] in
                guard let self, case .connecting(attempt, _) = self.phase else { return }
                self.handshakeTimer = nil
                self.abandonConnection(reason: "\(self.url.endpoint) accepted the connection but did not complete the "
                    + "WebSocket handshake (no answer in \(Self.describe(Self.handshakeTimeout)))")
            }
            return 0

        case LWS_CALLBACK_RAW_RX:
            let bytes = UnsafeRawBufferPointer(start: input, count: input == nil ? 0 : length)
            switch phase {
            case .connecting(attempt, _):
                guard var upgrade = handshake else { return -1 }
                let progress = upgrade.read(bytes)
                handshake = upgrade
                switch progress {
                case .incomplete:
                    return 0
                case .refused(let why):
                    finishAttempt(attempt, reason: describeFailure(why))
                    return -1
                case .accepted(let leftover):
                    handshake = nil
                    engine.timers.cancel(handshakeTimer)
                    handshakeTimer = nil
                    established(attempt: attempt, wsi: wsi)
                    if leftover == 0 { return 0 }
                    return readFrames(attempt: attempt, wsi: wsi, UnsafeRawBufferPointer(rebasing: bytes[(bytes.count - leftover)...]))
                }
            case .open(attempt, _):
                return readFrames(attempt: attempt, wsi: wsi, bytes)
            default:
                return -1
            }

        case LWS_CALLBACK_RAW_WRITEABLE:
            if case .connecting(attempt, _) = phase { return 0 }  // the upgrade request is on its way
            guard case .open(attempt, _) = phase else { return -1 }
            while !pendingControl.isEmpty {
                if lws_send_pipe_choked(wsi) != 0 {
                    lws_callback_on_writable(wsi)
                    return 0
                }
                if !ClientFrame.write(pendingControl.removeFirst(), to: wsi) {
                    finishAttempt(attempt, reason: "writing to \(url.endpoint) failed; the connection was closed")
                    return -1
                }
            }
            return writeQueued(attempt: attempt, wsi: wsi, framing: .rawClient)

        case LWS_CALLBACK_RAW_CLOSE:
            if case .connecting(attempt, _) = phase {
                finishAttempt(attempt, reason: describeFailure("the server closed the connection during the WebSocket "
                    + "handshake (read failed)"))
                return 0
            }
            let reason = peerCloseReason.map { "\(url.endpoint): \($0)" }
                ?? "the connection to \(url.endpoint) was closed"
            finishAttempt(attempt, reason: reason)
            return 0

        case LWS_CALLBACK_CLIENT_RECEIVE:
            guard case .open(attempt, _) = phase else { return 0 }
            return receive(attempt: attempt, wsi: wsi, input: input, length: length)

        case LWS_CALLBACK_CLIENT_WRITEABLE:
            guard case .open(attempt, _) = phase else { return -1 }
            return writeQueued(attempt: attempt, wsi: wsi, framing: .lws)

        case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
            peerCloseReason = Self.describePeerClose(input, length)
            return 0

        case LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION:
            // `length` carries OpenSSL's preverify_ok; the verdict stays OpenSSL's.
            if length == 0, certificateRejectedMark == nil {
                certificateRejectedMark = TransportLog.captureMark()
                if let verdict = CertificateVerdict.describe(storeContext: user) {
                    certificateRejection = "SSL error: \(verdict.text) (err=\(verdict.code);)"
                }
            }
            return 0

        case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
            finishAttempt(attempt, reason: describeFailure(LWS.string(input, length: length)))
            return 0

        case LWS_CALLBACK_CLIENT_CLOSED:
            let reason = peerCloseReason.map { "\(url.endpoint): \($0)" }
                ?? "the connection to \(url.endpoint) was closed"
            finishAttempt(attempt, reason: reason)
            return 0

        case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
            // Until the upgrade completes the connection is an HTTP client one: when lws closes it then (the
            // server did not answer within lws's 5 s, or hung up) it reports this, not a connection error.
            finishAttempt(attempt, reason: "\(url.endpoint) accepted the connection but did not complete the "
                + "WebSocket handshake (no answer in time, or it closed the connection)")
            return 0

        case LWS_CALLBACK_WSI_DESTROY:
            // lws frees the wsi now: whatever it reported before, the session must not keep it (a timer
            // would otherwise reach it after it is freed).
            finishAttempt(attempt, reason: "the connection to \(url.endpoint) was closed")
            return 0

        default:
            return 0
        }
    }

    private func established(attempt: UInt64, wsi: OpaquePointer) {
        engine.timers.cancel(connectTimer)
        connectTimer = nil
        phase = .open(attempt: attempt, wsi: wsi)
        outgoing = OutgoingQueue(
            batchLimit: configuration.batching.limit(peerHasBatched: false),
            fragmentSize: LWS.fragmentSize)
        status.setConnected(true)
        scheduleStallCheck(attempt: attempt)
        delegate?.clientConnected()
    }

    private func writeQueued(attempt: UInt64, wsi: OpaquePointer, framing: OutgoingQueue.Framing) -> Int32 {
        var completed = 0
        let result = outgoing.write(to: wsi, completedBytes: &completed, framing: framing)
        if completed > 0, status.release(completed) { delegate?.clientDrained() }
        if case .failed = result {
            finishAttempt(attempt, reason: "writing to \(url.endpoint) failed; the connection was closed")
            return -1
        }
        return 0
    }

    /// Reads the frames of a raw connection. Returns -1 (close now) after the server's close, an
    /// oversized message or a protocol error, each answered with a close frame first.
    private func readFrames(attempt: UInt64, wsi: OpaquePointer, _ bytes: UnsafeRawBufferPointer) -> Int32 {
        var closeWith: UInt16?
        // Handled after the read: handling may end the attempt, which replaces the reader.
        var events: [WebSocketFrameReader.Event] = []
        reader.read(bytes) { events.append($0) }
        for event in events {
            guard case .open(attempt, _) = phase else { break }
            switch event {
            case .text(let text):
                frameArrived(attempt: attempt)
                delegate?.client(receivedText: text)
            case .binary(let count):
                frameArrived(attempt: attempt)
                TransportLog.log(.warning, "\(url.endpoint) sent a \(count)-byte binary frame; Jazz uses text frames only, ignored")
            case .invalidText(let count):
                frameArrived(attempt: attempt)
                TransportLog.log(.warning, "\(url.endpoint) sent a \(count)-byte text frame that is not valid UTF-8; ignored")
            case .ping(let payload):
                pendingControl.append(ClientFrame.standalone(opcode: 0xA, payload: payload))
                lws_callback_on_writable(wsi)
            case .pong:
                break
            case .tooLarge(let count):
                finishAttempt(attempt, reason: "\(url.endpoint) sent a message over the "
                    + "\(configuration.maxMessageBytes)-byte limit (\(count) bytes so far); the connection was closed")
                closeWith = 1009
            case .close(let code, let text):
                peerCloseReason = Self.describePeerClose(code: code, reason: text)
                closeWith = code ?? 1000
            case .protocolError(let why):
                finishAttempt(attempt, reason: "\(url.endpoint) broke the WebSocket protocol (\(why)); the connection was closed")
                closeWith = 1002
            }
        }
        guard let code = closeWith else { return 0 }
        ClientFrame.write(ClientFrame.close(code: code), to: wsi)
        if case .open(attempt, _) = phase, let reason = peerCloseReason {
            finishAttempt(attempt, reason: "\(url.endpoint): \(reason)")
        }
        return -1
    }

    private func receive(attempt: UInt64, wsi: OpaquePointer, input: UnsafeMutableRawPointer?, length: Int) -> Int32 {
        let chunk = UnsafeRawBufferPointer(start: input, count: input == nil ? 0 : length)
        let event = incoming.receive(chunk, on: wsi)
        switch event {
        case .partial:
            return 0
        case let .tooLarge(count):
            finishAttempt(attempt, reason: "\(url.endpoint) sent a message over the "
                + "\(configuration.maxMessageBytes)-byte limit (\(count) bytes so far); the connection was closed")
            lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, nil, 0)
            return -1
        case .text, .binary, .invalidText:
            frameArrived(attempt: attempt)
        }
        switch event {
        case let .text(frame):
            delegate?.client(receivedText: frame)
        case let .binary(count):
            TransportLog.log(.warning, "\(url.endpoint) sent a \(count)-byte binary frame; Jazz uses text frames only, ignored")
        case let .invalidText(count):
            TransportLog.log(.warning, "\(url.endpoint) sent a \(count)-byte text frame that is not valid UTF-8; ignored")
        case .partial, .tooLarge:
            break
        }
        return 0
    }

    /// Any whole frame proves the connection alive; the first one also resets the backoff.
    private func frameArrived(attempt: UInt64) {
        lastFrameAt = TransportClock.monotonicNanoseconds()
        if !receivedFirstFrame {
            receivedFirstFrame = true
            failures = 0
        }
        if watchdog == nil, let timeout = configuration.pingTimeout {
            armWatchdog(attempt: attempt, afterNanoseconds: timeout.clampedNanoseconds)
        }
    }

    /// Checks a few times per ``WebSocketClientConfiguration/stalledConnectionTimeout`` (at least every
    /// second) whether the queue stayed above the limit without draining, and closes the connection if so.
    private func scheduleStallCheck(attempt: UInt64) {
        let timeout = configuration.stalledConnectionTimeout
        stallCheck = engine.timers.schedule(afterNanoseconds: min(timeout / 4, .seconds(1)).clampedNanoseconds) {
            [weak self] in
            guard let self, case .open(attempt, _) = self.phase else { return }
            self.stallCheck = nil
            if let queued = self.status.stalled(after: timeout) {
                self.abandonConnection(reason: "\(queued) bytes waited to be sent (over \(self.status.limit)) and "
                    + "nothing was written for \(Self.describe(timeout)): the server stopped reading")
            } else {
                self.scheduleStallCheck(attempt: attempt)
            }
        }
    }

    private func armWatchdog(attempt: UInt64, afterNanoseconds delay: UInt64) {
        watchdog = engine.timers.schedule(afterNanoseconds: delay) { [weak self] in
            guard let self else { return }
            self.watchdog = nil
            guard case .open(attempt, let wsi) = self.phase, let timeout = self.configuration.pingTimeout else { return }
            var deadline = self.lastFrameAt &+ timeout.clampedNanoseconds
            let now = TransportClock.monotonicNanoseconds()
            if now >= deadline, Self.hasUnreadBytes(wsi) {
                // The server did send: this thread could not read it in time (the process was busy, e.g. a
                // delegate held it up). A live connection, not a dead one.
                self.lastFrameAt = now
                deadline = now &+ timeout.clampedNanoseconds
            }
            if now >= deadline {
                self.abandonConnection(reason: "no frame from \(self.url.endpoint) for "
                    + "\(Self.describe(timeout)) (ping timeout); the connection is considered dead")
            } else {
                self.armWatchdog(attempt: attempt, afterNanoseconds: deadline - now)
            }
        }
    }

    /// Whether bytes wait unread in the connection's socket.
    private static func hasUnreadBytes(_ wsi: OpaquePointer) -> Bool {
        let descriptor = lws_get_socket_fd(wsi)
        guard descriptor >= 0 else { return false }
        var count: Int32 = 0
        return ioctl(descriptor, UInt(FIONREAD), &count) == 0 && count > 0
    }

    // MARK: Explanations

    private func describeFailure(_ lwsReason: String?) -> String {
        var captured = dialLogLines
        var lwsReason = lwsReason
        if let rejection = certificateRejection {
            captured.append(rejection)
            lwsReason = nil  // only "connect SSL err 1" in this case
        } else if let mark = certificateRejectedMark {
            // lws formats log lines in one static buffer, so a line can come out mangled when
            // another context logs at the same moment: look for any part of the verdict.
            let verdict = TransportLog.captured(since: mark).filter {
                $0.contains("SSL error") || $0.contains("preverify") || $0.contains("depth=")
            }.prefix(1)
            captured += verdict.isEmpty ? ["certificate verify failed"] : Array(verdict)
        }
        return ConnectionFailure.describe(
            endpoint: url.endpoint, host: url.host, isSecure: url.isSecure,
            caCertificatePath: configuration.caCertificatePath,
            lwsReason: lwsReason, logLines: captured)
    }

    /// The server's close as lws hands it over (the close frame's payload).
    private static func describePeerClose(_ input: UnsafeMutableRawPointer?, _ length: Int) -> String {
        guard let input, length >= 2 else { return describePeerClose(code: nil, reason: "") }
        let bytes = UnsafeRawBufferPointer(start: input, count: length)
        return describePeerClose(code: UInt16(bytes[0]) << 8 | UInt16(bytes[1]), reason: String(decoding: bytes.dropFirst(2), as: UTF8.self))
    }

    private static func describePeerClose(code: UInt16?, reason: String) -> String {
        guard let code else { return "the server closed the connection" }
        return "the server closed the connection (status \(code)\(reason.isEmpty ? "" : ": \(reason)"))"
    }

    static func describe(_ duration: Duration) -> String {
        let milliseconds = duration.clampedNanoseconds / 1_000_000
        if milliseconds % 1000 == 0 { return "\(milliseconds / 1000) s" }
        if milliseconds >= 1000 { return "\(Double(milliseconds) / 1000) s" }
        return "\(milliseconds) ms"
    }
}
