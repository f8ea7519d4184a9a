import Foundation
import JazzProto
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Probes a relay URL for `caro doctor`, with bounded waits: a TCP connection, a WebSocket handshake
/// (through ``WebSocketClient``, so `wss://` certificates are checked as sync checks them), and for
/// `ws://` a plain `GET /health`, whose `Date` header gives the clock difference.
enum RelayProbe {
    struct Outcome: Sendable {
        var url: String
        /// Why the relay could not be reached (TCP or WebSocket), or nil.
        var unreachable: String?
        /// Whether the failure is the TLS handshake (a certificate problem), not the network.
        var tlsProblem = false
        /// `GET /health`: status code and body (nil for `wss://`, or when no HTTP answer came).
        var health: (status: Int, body: String)?
        /// The relay's clock from the `Date` header, Unix seconds.
        var relayTime: Int?
        /// The local clock halfway through the request, Unix seconds.
        var localTime: Double = 0
    }

    static func run(_ url: String, caFile: String?, timeoutMilliseconds: Int32) -> Outcome {
        var outcome = Outcome(url: url)
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "ws" || scheme == "wss", let host = components.host, !host.isEmpty
        else {
            outcome.unreachable = "\(url) is not a ws:// or wss:// URL"
            return outcome
        }
        let port = components.port ?? (scheme == "wss" ? 443 : 80)
        let socket: Int32
        switch connect(host: host, port: port, timeoutMilliseconds: timeoutMilliseconds) {
        case .failure(let reason):
            outcome.unreachable = "Cannot reach \(redacted(url)): \(reason)"
            return outcome
        case .success(let descriptor):
            socket = descriptor
        }
        if scheme == "ws" {
            let hostHeader = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
            let before = Date().timeIntervalSince1970
            if let response = exchange(socket, "GET /health HTTP/1.1\r\nHost: \(hostHeader)\r\nConnection: close\r\nUser-Agent: caro-doctor\r\n\r\n",
                                       timeoutMilliseconds: timeoutMilliseconds) {
                outcome.localTime = (before + Date().timeIntervalSince1970) / 2
                outcome.health = (response.status, response.body)
                outcome.relayTime = response.date
            }
        } else {
            close(socket)
        }
        if let reason = handshake(url, caFile: caFile, timeoutMilliseconds: timeoutMilliseconds) {
            outcome.unreachable = reason
            outcome.tlsProblem = scheme == "wss" && (reason.contains("TLS") || reason.lowercased().contains("certificate"))
        }
        return outcome
    }

    /// `url` without the value of its query (a Jazz Cloud key), for messages.
    static func redacted(_ url: String) -> String {
        guard let question = url.firstIndex(of: "?") else { return url }
        return String(url[..<question]) + "?…"
    }

    private enum Connection {
        case success(Int32)
        case failure(String)
    }

    /// A TCP connection to `host:port` within the timeout.
    private static func connect(host: String, port: Int, timeoutMilliseconds: Int32) -> Connection {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
            hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let resolved = getaddrinfo(host, String(port), &hints, &list)
        guard resolved == 0, let first = list else {
            return .failure("cannot resolve \(host) (\(String(cString: gai_strerror(resolved))))")
        }
        defer { freeaddrinfo(list) }
        var reason = "no address for \(host)"
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let address = entry {
            entry = address.pointee.ai_next
            let descriptor = socket(address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
            guard descriptor >= 0 else { continue }
            _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
            if Glibc.connect(descriptor, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 { return .success(descriptor) }
            if errno == EINPROGRESS {
                var poller = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                if poll(&poller, 1, timeoutMilliseconds) == 1 {
                    var error: Int32 = 0
                    var length = socklen_t(MemoryLayout<Int32>.size)
                    getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &error, &length)
                    if error == 0 { return .success(descriptor) }
                    reason = String(cString: strerror(error)).lowercased()
                } else {
                    reason = "no answer within \(timeoutMilliseconds / 1000) s"
                }
            } else {
                reason = String(cString: strerror(errno)).lowercased()
            }
            close(descriptor)
        }
        return .failure(reason)
    }

    struct Response {
        var status: Int
        var body: String
        var date: Int?
    }

    /// Sends `request` on `socket` (then closes it) and reads the HTTP response, up to 16 KiB.
    private static func exchange(_ socket: Int32, _ request: String, timeoutMilliseconds: Int32) -> Response? {
        defer { close(socket) }
        let bytes = Array(request.utf8)
        var sent = 0
        while sent < bytes.count {
            var poller = pollfd(fd: socket, events: Int16(POLLOUT), revents: 0)
            guard poll(&poller, 1, timeoutMilliseconds) == 1 else { return nil }
            let count = bytes[sent...].withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { return nil }
            sent += count
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while received.count < 16_384 {
            var poller = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, timeoutMilliseconds) == 1 else { break }
            let count = recv(socket, &buffer, buffer.count, 0)
            guard count > 0 else { break }
            received += buffer[0..<count]
        }
        return parse(String(decoding: received, as: UTF8.self))
    }

    /// Status, body and `Date` of an HTTP/1.x response.
    static func parse(_ text: String) -> Response? {
        let parts = text.components(separatedBy: "\r\n\r\n")
        let head = parts[0].components(separatedBy: "\r\n")
        let statusWords = head[0].split(separator: " ")
        guard statusWords.count >= 2, statusWords[0].hasPrefix("HTTP/"), let status = Int(statusWords[1]) else { return nil }
        var date: Int?
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":"), line[..<colon].lowercased() == "date" else { continue }
            date = httpDate(line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        let body = parts.dropFirst().joined(separator: "\r\n\r\n").trimmingCharacters(in: .whitespacesAndNewlines)
        return Response(status: status, body: String(body.prefix(200)), date: date)
    }

    /// Parses an HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`, RFC 9110's preferred form) to Unix seconds.
    static func httpDate(_ text: String) -> Int? {
        let words = text.split(separator: " ")
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard words.count == 6, words[5] == "GMT", let day = Int32(words[1]), let month = months.firstIndex(of: String(words[2])),
            let year = Int32(words[3])
        else { return nil }
        let clock = words[4].split(separator: ":").compactMap { Int32($0) }
        guard clock.count == 3 else { return nil }
        var parts = tm()
        parts.tm_year = year - 1900
        parts.tm_mon = Int32(month)
        parts.tm_mday = day
        parts.tm_hour = clock[0]
        parts.tm_min = clock[1]
        parts.tm_sec = clock[2]
        return Int(timegm(&parts))
    }

    /// Opens a WebSocket to `url` once (no redial) and closes it; nil if it opened, else why not.
    private static func handshake(_ url: String, caFile: String?, timeoutMilliseconds: Int32) -> String? {
        let watcher = HandshakeWatcher()
        let configuration = WebSocketClientConfiguration(
            url: url, caCertificatePath: caFile, pingTimeout: nil,
            connectTimeout: .milliseconds(Int(timeoutMilliseconds)), reconnect: .disabled)
        let client: WebSocketClient
        do {
            client = try WebSocketClient(configuration: configuration, delegate: watcher)
        } catch {
            return "Cannot use \(redacted(url)): \(error)"
        }
        client.start()
        let outcome = watcher.wait(milliseconds: Int(timeoutMilliseconds) + 1_000)
        client.stop()
        switch outcome {
        case .connected: return nil
        case .failed(let reason): return reason
        case nil: return "the WebSocket handshake with \(redacted(url)) did not finish within \(timeoutMilliseconds / 1000) s"
        }
    }

    /// Waits for the first event of a ``WebSocketClient``.
    private final class HandshakeWatcher: WebSocketClientDelegate {
        enum Event: Sendable {
            case connected
            case failed(String)
        }

        private let event = Mutex<Event?>(nil)

        func clientConnected() { event.withLock { $0 = $0 ?? .connected } }
        func client(receivedText frame: String) {}
        func clientDisconnected(reason: String) { event.withLock { $0 = $0 ?? .failed(reason) } }

        func wait(milliseconds: Int) -> Event? {
            var waited = 0
            while waited < milliseconds {
                if let event = event.withLock({ $0 }) { return event }
                usleep(10_000)
                waited += 10
            }
            return nil
        }
    }
}
