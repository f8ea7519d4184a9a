import Foundation

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// A TCP proxy on 127.0.0.1 in front of a relay, for the fault-injection tests. It passes everything the
/// client sends, and what the relay sends until its ``Fault`` strikes: then either it stops passing the
/// relay's bytes on, the connection staying open and silent (a relay or network that stalls in the middle of
/// a download), or it cuts the first connection (the client reconnects, and later connections pass
/// everything). It counts the bytes it passed to clients.
final class StallingProxy: @unchecked Sendable {
    enum Fault: Sendable {
        /// Pass everything.
        case none
        /// Pass the relay's first `bytes` bytes (over all connections), then nothing more.
        case stall(afterBytes: Int)
        /// Close the first connection once the relay has sent `bytes` bytes on it; the next one is taken
        /// but put through to the relay only a second later (a relay coming back, a network healing).
        case cutFirstConnection(afterBytes: Int)
    }

    let port: Int
    private let upstream: Int
    private let fault: Fault
    private let listener: Int32
    private let lock = NSLock()
    private var sockets: [Int32] = []
    private var stopped = false
    private var passedDown = 0
    private var connections = 0

    init(upstream: Int, fault: Fault) throws {
        self.upstream = upstream
        self.fault = fault
        let (descriptor, port) = try Loopback.listen()
        self.port = port
        listener = descriptor
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    var url: String { "ws://127.0.0.1:\(port)" }

    /// Bytes passed from the relay to clients so far.
    var bytesToClients: Int { lock.withLock { passedDown } }

    /// Connections accepted so far.
    var connectionCount: Int { lock.withLock { connections } }

    /// Closes the listener and every connection.
    func stop() {
        let open = lock.withLock { () -> [Int32]? in
            guard !stopped else { return nil }
            stopped = true
            return sockets
        }
        guard let open else { return }
        for socket in open { shutdown(socket, Int32(SHUT_RDWR)) }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    deinit { stop() }

    private func acceptLoop() {
        var accepted = 0
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 { return }
            accepted += 1
            if case .cutFirstConnection = fault, accepted > 1 { Thread.sleep(forTimeInterval: 1) }
            let relay = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = Loopback.address(port: upstream)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(relay, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            let number = lock.withLock { () -> Int? in
                guard !stopped, connected == 0 else { return nil }
                sockets += [client, relay]
                connections += 1
                return connections
            }
            guard let number else {
                close(client)
                close(relay)
                continue
            }
            Thread.detachNewThread { [self] in pump(from: client, to: relay, connection: nil) }
            Thread.detachNewThread { [self] in pump(from: relay, to: client, connection: number) }
        }
    }

    /// Copies `source` to `destination` until either closes. For the relay's side (`connection`: which
    /// connection it is), the fault decides how much goes on.
    private func pump(from source: Int32, to destination: Int32, connection: Int?) {
        var buffer = [UInt8](repeating: 0, count: 16_384)
        var sentOnThisConnection = 0
        while true {
            let count = read(source, &buffer, buffer.count)
            if count <= 0 { break }
            var forward = count
            var cut = false
            if let connection {
                forward = lock.withLock { () -> Int in
                    var allowed = count
                    switch fault {
                    case .none:
                        break
                    case .stall(let limit):
                        allowed = max(0, min(count, limit - passedDown))
                    case .cutFirstConnection(let limit):
                        if connection == 1 {
                            allowed = max(0, min(count, limit - sentOnThisConnection))
                            cut = sentOnThisConnection + allowed >= limit
                        }
                    }
                    passedDown += allowed
                    return allowed
                }
                sentOnThisConnection += forward
            }
            var offset = 0
            while offset < forward {
                let written = buffer[offset..<forward].withUnsafeBytes { send(destination, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if written <= 0 { return }
                offset += written
            }
            if cut {
                // Both ends go: the client sees the connection drop.
                shutdown(source, Int32(SHUT_RDWR))
                shutdown(destination, Int32(SHUT_RDWR))
                return
            }
        }
        shutdown(destination, Int32(SHUT_WR))
    }
}
