import Foundation

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// A TCP proxy on 127.0.0.1 in front of a relay, for the fault-injection tests: it passes everything the
/// client sends, and what the relay sends until `limit` bytes have gone to the client (all of it when
/// nil); then it stops passing the relay's bytes on, and the connection stays open and silent, as when a
/// relay or the network stalls in the middle of a download. It counts the bytes it passed each way.
final class StallingProxy: @unchecked Sendable {
    let port: Int
    private let upstream: Int
    private let limit: Int?
    private let listener: Int32
    private let lock = NSLock()
    private var sockets: [Int32] = []
    private var stopped = false
    private var passedDown = 0

    init(upstream: Int, limit: Int?) throws {
        self.upstream = upstream
        self.limit = limit
        let (descriptor, port) = try Loopback.listen()
        self.port = port
        listener = descriptor
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    var url: String { "ws://127.0.0.1:\(port)" }

    /// Bytes passed from the relay to clients so far.
    var bytesToClients: Int { lock.withLock { passedDown } }

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
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 { return }
            let relay = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = Loopback.address(port: upstream)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(relay, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            let keep = lock.withLock { () -> Bool in
                guard !stopped, connected == 0 else { return false }
                sockets += [client, relay]
                return true
            }
            guard keep else {
                close(client)
                close(relay)
                continue
            }
            Thread.detachNewThread { [self] in pump(from: client, to: relay, counted: false) }
            Thread.detachNewThread { [self] in pump(from: relay, to: client, counted: true) }
        }
    }

    /// Copies `source` to `destination` until either closes; bytes to the client stop at `limit` (the
    /// rest is read and dropped, so the relay is not held up, and the client hears nothing more).
    private func pump(from source: Int32, to destination: Int32, counted: Bool) {
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = read(source, &buffer, buffer.count)
            if count <= 0 { break }
            var forward = count
            if counted {
                forward = lock.withLock { () -> Int in
                    let allowed = limit.map { max(0, min(count, $0 - passedDown)) } ?? count
                    passedDown += allowed
                    return allowed
                }
            }
            var offset = 0
            while offset < forward {
                let written = buffer[offset..<forward].withUnsafeBytes { send(destination, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if written <= 0 { return }
                offset += written
            }
        }
        shutdown(destination, Int32(SHUT_WR))
    }
}
