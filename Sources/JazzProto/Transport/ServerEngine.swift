import CWebSockets

/// Commands other threads send to a server's service thread.
enum ServerCommand: Sendable {
    case send(ConnectionID, OutgoingFrame)
    case close(ConnectionID)
    case abort(ConnectionID, reason: String)
    /// Turns reading from the connection's socket on or off (`lws_rx_flow_control`).
    case receive(ConnectionID, Bool)
    /// Nothing but a turn of the loop (the delegate's ``WebSocketServerDelegate/serviceTurn()``).
    case wake
}

/// One accepted WebSocket connection (service thread only).
final class ServerConnection {
    let id: ConnectionID
    let wsi: OpaquePointer
    var outgoing: OutgoingQueue
    var incoming: IncomingAssembler
    var peerHasBatched = false
    var closeRequested = false
    var aborting = false

    init(id: ConnectionID, wsi: OpaquePointer, batchLimit: Int, maxMessageBytes: Int) {
        self.id = id
        self.wsi = wsi
        self.outgoing = OutgoingQueue(batchLimit: batchLimit, fragmentSize: LWS.fragmentSize)
        self.incoming = IncomingAssembler(maxMessageBytes: maxMessageBytes)
    }
}

/// The server state that lives on its service thread: connections, their queues, the ping
/// timer, and the lws callback logic. Reached from lws through the context's user pointer.
final class ServerEngine: ServiceLoopOwner {
    let configuration: WebSocketServerConfiguration
    let loop: ServiceLoop<ServerCommand>
    let ledger: ConnectionLedger
    /// Weak: the usual owner of a server is its delegate (a relay object holding the server), and
    /// a strong reference here would keep both, and the port, alive forever.
    private weak var delegate: (any WebSocketServerDelegate)?
    let strings = CStringStore()
    let protocols: ProtocolTable
    /// lws's ping-and-hang-up policy for ``WebSocketServerConfiguration/idleTimeout`` (kept for the context's life).
    let idlePolicy: IdlePolicy
    private let timers = LoopTimers()
    private var connections: [ConnectionID: ServerConnection] = [:]
    private var lastConnectionNumber: UInt64 = 0

    /// An HTTP response whose headers are sent and whose body waits for the socket to be writable.
    private struct HTTPReply {
        var status: UInt32
        var body: String
    }

    /// Pending HTTP bodies, keyed by a number kept in the request wsi's opaque pointer (numbered from
    /// 2^62 up, so they never look like a connection ID).
    private var httpReplies: [UInt64: HTTPReply] = [:]
    private var lastHTTPReplyNumber: UInt64 = 1 << 62

    init(
        configuration: WebSocketServerConfiguration,
        delegate: any WebSocketServerDelegate,
        loop: ServiceLoop<ServerCommand>,
        ledger: ConnectionLedger
    ) {
        self.configuration = configuration
        self.delegate = delegate
        self.loop = loop
        self.ledger = ledger
        self.protocols = ProtocolTable(
            name: strings.keep("jazz"), callback: serverCallback, bufferSize: LWS.bufferSize)
        self.idlePolicy = IdlePolicy(hangUpAfterSeconds: WebSocketServerConfiguration.wholeSeconds(configuration.idleTimeout) ?? 60)
    }

    /// Starts the ping timer (before the service thread starts, so still single-threaded).
    func attach(to context: OpaquePointer) {
        timers.attach(to: context)
        schedulePing()
        scheduleStallCheck()
    }

    // MARK: ServiceLoopOwner

    func drainCommands() {
        for command in loop.takeCommands() {
            switch command {
            case let .send(id, frame):
                guard let connection = connections[id], !connection.aborting else { continue }
                connection.outgoing.append(frame)
                lws_callback_on_writable(connection.wsi)
            case let .close(id):
                guard let connection = connections[id], !connection.closeRequested else { continue }
                connection.closeRequested = true
                // Flush what is queued, then close; give up waiting for a stuck peer after 5 s.
                lws_set_timeout(connection.wsi, PENDING_TIMEOUT_USER_OK, 5)
                lws_callback_on_writable(connection.wsi)
            case let .abort(id, reason):
                guard let connection = connections[id] else { continue }
                abort(connection, reason: reason)
            case let .receive(id, enabled):
                guard let connection = connections[id], !connection.aborting else { continue }
                lws_rx_flow_control(connection.wsi, enabled ? 1 : 0)
            case .wake:
                continue
            }
        }
    }

    func serviceLoopTurn() -> Bool {
        delegate?.serviceTurn() ?? false
    }

    func serviceLoopWillDestroyContext() {
        timers.cancelAll()
    }

    func serviceLoopDidDestroyContext() {
        // lws reports CLOSED for open connections while the context is destroyed; anything it
        // did not report is reported here so every opened connection gets exactly one close.
        let remaining = connections.values.sorted { $0.id < $1.id }
        connections.removeAll()
        for connection in remaining {
            ledger.close(connection.id)
            delegate?.connectionClosed(connection.id)
        }
    }

    // MARK: Pings

    private func schedulePing() {
        guard let interval = configuration.pingInterval else { return }
        timers.schedule(afterNanoseconds: interval.clampedNanoseconds) { [unowned self] in
            self.sendPings()
            self.schedulePing()
        }
    }

    private func sendPings() {
        guard !connections.isEmpty else { return }
        let ping = "{\"type\":\"ping\",\"time\":\(TransportClock.unixMilliseconds()),"
            + "\"dc\":\(JSONQuote.quoted(configuration.pingDataCenter))}"
        for connection in connections.values where !connection.aborting && !connection.closeRequested {
            let frame = OutgoingFrame(text: ping, batchable: false)
            switch ledger.reserve(frame.accountedBytes, for: connection.id) {
            case .accepted:
                connection.outgoing.append(frame)
                lws_callback_on_writable(connection.wsi)
            case .unknown:
                continue
            case let .overLimit(queued):
                abort(connection, reason: Self.backPressureReason(queued: queued, limit: ledger.hardLimit))
            }
        }
    }

    static func backPressureReason(queued: Int, limit: Int) -> String {
        "more than \(limit) bytes queued (\(queued) waiting): the client reads too slowly"
    }

    // MARK: Stalled connections

    /// Checks a few times per ``WebSocketServerConfiguration/stalledConnectionTimeout`` (at least every
    /// second) for connections above the queue limit that stopped draining, and closes them.
    private func scheduleStallCheck() {
        let timeout = configuration.stalledConnectionTimeout
        let interval = min(timeout / 4, .seconds(1))
        timers.schedule(afterNanoseconds: interval.clampedNanoseconds) { [unowned self] in
            for (id, queued) in ledger.stalled(after: timeout) {
                guard let connection = connections[id] else { continue }
                abort(connection, reason: "\(queued) bytes queued (at least \(ledger.stallThreshold)) and nothing written for \(timeout): the client stopped reading")
            }
            for (id, queued) in ledger.overTotal(after: timeout) {
                guard let connection = connections[id] else { continue }
                abort(connection, reason: "all connections together queue more than \(ledger.totalLimit) bytes and this one "
                    + "(\(queued) bytes queued) wrote nothing for \(timeout): the client stopped reading")
            }
            self.scheduleStallCheck()
        }
    }

    private func abort(_ connection: ServerConnection, reason: String) {
        guard !connection.aborting else { return }
        connection.aborting = true
        let dropped = connection.outgoing.removeAll()
        ledger.close(connection.id)
        TransportLog.log(.warning, "closing \(connection.id): \(reason); \(dropped.messages) queued messages dropped")
        lws_set_timeout(connection.wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC)
        lws_callback_on_writable(connection.wsi)
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

        case LWS_CALLBACK_HTTP:
            let path = LWS.cString(input) ?? ""
            return beginHTTPReply(wsi, path == "/health" ? healthReply() : HTTPReply(status: 404, body: "not found"))

        case LWS_CALLBACK_HTTP_WRITEABLE:
            return finishHTTPReply(wsi)

        case LWS_CALLBACK_CLOSED_HTTP:
            if let raw = LWS.opaqueValue(wsi), httpReplies.removeValue(forKey: raw) != nil {
                lws_set_opaque_user_data(wsi, nil)
            }
            return 0

        case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
            // Like jazz-run: every path upgrades except exactly /health.
            return LWS.header(wsi, WSI_TOKEN_GET_URI) == "/health" ? 1 : 0

        case LWS_CALLBACK_ESTABLISHED:
            lastConnectionNumber += 1
            let id = ConnectionID(rawValue: lastConnectionNumber)
            let connection = ServerConnection(
                id: id, wsi: wsi,
                batchLimit: configuration.batching.limit(peerHasBatched: false),
                maxMessageBytes: configuration.maxMessageBytes)
            connections[id] = connection
            lws_set_opaque_user_data(wsi, LWS.opaque(id.rawValue))
            ledger.open(id)
            let path = LWS.header(wsi, WSI_TOKEN_GET_URI) ?? "/"
            delegate?.connectionOpened(id, remoteAddress: LWS.peerAddress(wsi), path: path)
            return 0

        case LWS_CALLBACK_RECEIVE:
            guard let connection = connection(for: wsi) else { return -1 }
            return receive(connection, input, length)

        case LWS_CALLBACK_SERVER_WRITEABLE:
            guard let connection = connection(for: wsi), !connection.aborting else { return -1 }
            var completed = 0
            let result = connection.outgoing.write(to: wsi, completedBytes: &completed)
            let drained = completed > 0 && ledger.release(completed, for: connection.id)
            if drained { delegate?.connectionDrained(connection.id) }
            switch result {
            case .failed:
                TransportLog.log(.info, "write to \(connection.id) failed; closing it")
                return -1
            case .waiting:
                return 0
            case .drained:
                if connection.closeRequested {
                    lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, nil, 0)
                    return -1
                }
                return 0
            }

        case LWS_CALLBACK_CLOSED, LWS_CALLBACK_WSI_DESTROY:
            // WSI_DESTROY: lws frees the wsi; a connection still known here (lws reported no CLOSED) is closed
            // now, so nothing keeps the freed pointer.
            if reason == LWS_CALLBACK_WSI_DESTROY, let raw = LWS.opaqueValue(wsi), httpReplies.removeValue(forKey: raw) != nil {
                lws_set_opaque_user_data(wsi, nil)
            }
            guard let connection = connection(for: wsi) else { return 0 }
            lws_set_opaque_user_data(wsi, nil)
            connections.removeValue(forKey: connection.id)
            ledger.close(connection.id)
            delegate?.connectionClosed(connection.id)
            return 0

        default:
            return lws_callback_http_dummy(wsi, reason, user, input, length)
        }
    }

    private func connection(for wsi: OpaquePointer) -> ServerConnection? {
        guard let raw = LWS.opaqueValue(wsi) else { return nil }
        return connections[ConnectionID(rawValue: raw)]
    }

    private func receive(
        _ connection: ServerConnection, _ input: UnsafeMutableRawPointer?, _ length: Int
    ) -> Int32 {
        let chunk = UnsafeRawBufferPointer(start: input, count: input == nil ? 0 : length)
        switch connection.incoming.receive(chunk, on: connection.wsi) {
        case .partial:
            return 0
        case let .text(frame):
            if !connection.peerHasBatched, JazzFraming.containsLineFeed(frame) {
                connection.peerHasBatched = true
                connection.outgoing.batchLimit = configuration.batching.limit(peerHasBatched: true)
            }
            delegate?.connection(connection.id, receivedText: frame)
            return 0
        case let .invalidText(count):
            TransportLog.log(.warning, "\(connection.id) sent a \(count)-byte text frame that is not valid UTF-8; ignored")
            return 0
        case let .binary(count):
            TransportLog.log(.warning, "\(connection.id) sent a \(count)-byte binary frame; Jazz uses text frames only, ignored")
            return 0
        case let .tooLarge(count):
            TransportLog.log(.warning, "\(connection.id) sent a message over \(configuration.maxMessageBytes) bytes (\(count) so far); closing it")
            lws_close_reason(connection.wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, nil, 0)
            return -1
        }
    }

    /// `200 ok`, or `503` with the delegate's one-line reason while it reports a problem.
    private func healthReply() -> HTTPReply {
        guard let problem = delegate?.healthProblem else { return HTTPReply(status: 200, body: "ok") }
        let line = problem.split(whereSeparator: \.isNewline).joined(separator: " ")
        return HTTPReply(status: 503, body: String(line.prefix(400)) + "\n")
    }

    private func beginHTTPReply(_ wsi: OpaquePointer, _ reply: HTTPReply) -> Int32 {
        var buffer = [UInt8](repeating: 0, count: Int(caro_lws_pre) + 512)
        return buffer.withUnsafeMutableBufferPointer { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return -1 }
            let start = base + Int(caro_lws_pre)
            let end = base + buffer.count
            var cursor: UnsafeMutablePointer<UInt8>? = start
            let body = reply.body
            if lws_add_http_common_headers(
                wsi, reply.status, "text/plain", lws_filepos_t(body.utf8.count), &cursor, end) != 0 {
                return 1
            }
            let date = Array(HTTPDate.now().utf8)
            if lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_DATE, date, Int32(date.count), &cursor, end) != 0 {
                return 1
            }
            if lws_finalize_write_http_header(wsi, start, &cursor, end) != 0 {
                return 1
            }
            lastHTTPReplyNumber += 1
            httpReplies[lastHTTPReplyNumber] = reply
            lws_set_opaque_user_data(wsi, LWS.opaque(lastHTTPReplyNumber))
            lws_callback_on_writable(wsi)
            return 0
        }
    }

    private func finishHTTPReply(_ wsi: OpaquePointer) -> Int32 {
        guard let raw = LWS.opaqueValue(wsi), let reply = httpReplies.removeValue(forKey: raw) else { return -1 }
        lws_set_opaque_user_data(wsi, nil)
        var frame = OutgoingFrame(text: reply.body)
        let length = frame.payloadCount
        let written = frame.storage.withUnsafeMutableBufferPointer { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return -1 }
            return lws_write(wsi, base + OutgoingFrame.headroom, length, LWS_WRITE_HTTP_FINAL)
        }
        if written < 0 { return -1 }
        return lws_http_transaction_completed(wsi) != 0 ? -1 : 0
    }
}

/// The lws protocol callback of servers; finds the engine through the context's user pointer.
private func serverCallback(
    _ wsi: OpaquePointer?, _ reason: lws_callback_reasons,
    _ user: UnsafeMutableRawPointer?, _ input: UnsafeMutableRawPointer?, _ length: Int
) -> Int32 {
    guard let wsi, let context = lws_get_context(wsi), let owner = lws_context_user(context) else {
        return lws_callback_http_dummy(wsi, reason, user, input, length)
    }
    let engine = Unmanaged<ServerEngine>.fromOpaque(owner).takeUnretainedValue()
    return engine.handle(wsi, reason, user, input, length)
}
