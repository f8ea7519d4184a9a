import Foundation
import JazzProto

// The relay under a greedy or slow peer (issue 15): `caro-benchmarks relay-limits` (long: ~400 MB of
// uploads). Runs `caro relay` in its own process (release build next to this benchmark).

/// A raw WebSocket connection to a relay (no library): it sends text frames and either never reads
/// (a stalled reader, with a 4 KiB receive buffer) or reads and discards everything on a thread.
final class RawRelaySocket: @unchecked Sendable {
    let descriptor: Int32
    /// Signalled when the reader thread has stopped reading (a socket that reads), so `close()` never
    /// releases the descriptor while `recv` may still use it (the number could be reused by then).
    private let readerDone: DispatchSemaphore?

    init?(port: Int, reads: Bool) {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        readerDone = reads ? DispatchSemaphore(value: 0) : nil
        guard descriptor >= 0 else { return nil }
        if !reads {
            var size: Int32 = 4096
            setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        guard Self.connectLocal(descriptor, port: port), upgrade() else {
            _ = Glibc.close(descriptor)
            return nil
        }
        if let readerDone {
            let descriptor = self.descriptor
            Thread.detachNewThread {
                var buffer = [UInt8](repeating: 0, count: 1 << 16)
                while recv(descriptor, &buffer, buffer.count, 0) > 0 {}
                readerDone.signal()
            }
        }
    }

    /// Sends the WebSocket upgrade and reads the answer's head; false if the relay does not answer.
    private func upgrade() -> Bool {
        let request = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        guard sendAll(Array(request.utf8)) else { return false }
        var answer: [UInt8] = []
        var byte: UInt8 = 0
        while !answer.suffix(4).elementsEqual(Array("\r\n\r\n".utf8)) {
            guard recv(descriptor, &byte, 1, 0) == 1 else { return false }
            answer.append(byte)
        }
        return true
    }

    static func connectLocal(_ descriptor: Int32, port: Int) -> Bool {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    /// Sends one masked text frame (all-zero mask: the payload goes as it is).
    @discardableResult
    func sendText(_ text: String) -> Bool {
        let payload = Array(text.utf8)
        var frame: [UInt8] = [0x81, 0x80 | 127]
        for shift in stride(from: 56, through: 0, by: -8) { frame.append(UInt8((payload.count >> shift) & 0xFF)) }
        frame += [0, 0, 0, 0]
        return sendAll(frame + payload)
    }

    private func sendAll(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { return false }
            offset += sent
        }
        return true
    }

    /// Ends the connection (call once): wakes the reader (its `recv` returns 0), waits for it, then releases the
    /// descriptor.
    func close() {
        _ = shutdown(descriptor, Int32(SHUT_RDWR))
        readerDone?.wait()
        _ = Glibc.close(descriptor)
    }
}

/// How long `GET /health` takes to answer `ok` (nil if it does not within 60 s).
func healthLatency(port: Int) -> Duration? {
    let clock = ContinuousClock()
    let start = clock.now
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(descriptor) }
    var timeout = timeval(tv_sec: 60, tv_usec: 0)
    setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    guard RawRelaySocket.connectLocal(descriptor, port: port) else { return nil }
    let request = Array("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
    guard send(descriptor, request, request.count, Int32(MSG_NOSIGNAL)) == request.count else { return nil }
    var answer: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = recv(descriptor, &buffer, buffer.count, 0)
        if count <= 0 { break }
        answer += buffer[0..<count]
    }
    return String(decoding: answer, as: UTF8.self).hasSuffix("ok") ? clock.now - start : nil
}

func currentRSSMegabytes(_ relay: RelayProcess) -> Int {
    guard let status = try? String(contentsOfFile: "/proc/\(relay.process.processIdentifier)/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
    else { return -1 }
    return (line.split(separator: " ").compactMap { Int($0) }.first ?? 0) / 1024
}

func milliseconds(_ duration: Duration) -> Int {
    Int(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
}

/// A started client of a new account on the relay at `port`, and its identity.
func firstClient(port: Int) -> (JazzIdentity, SyncClient) {
    let identity = try! JazzIdentity(secretSeed: SecureRandom.bytes(32))
    let client = try! SyncClient(node: try! LocalNode.createAccount(agentSecret: identity.agentSecret),
                                 configuration: WebSocketClientConfiguration(url: "ws://127.0.0.1:\(port)"))
    client.start()
    return (identity, client)
}

/// Writes `count` private transactions of `size` bytes into `feed`, as fast as the client takes them.
func writeTransactions(_ client: SyncClient, feed: CoID, count: Int, size: Int) {
    for index in 0..<count {
        let entry = JSONValue.string(String(repeating: "\(index % 10)", count: size))
        _ = try? client.write { node in _ = try? node.makeTransaction(in: feed, changes: [entry], privacy: .private) }
    }
}

func relayLimitsBenchmarks() async {
    let clock = ContinuousClock()
    // LIMITS=rss,health,large picks parts (default: all).
    let parts = ProcessInfo.processInfo.environment["LIMITS"]?.split(separator: ",").map(String.init) ?? ["rss", "health", "large"]

    // Peak RSS while 100 MB (1 000 × 100 KB) is written to a value with 0, 1 and 5 stalled subscribers.
    for readers in [0, 1, 5] where parts.contains("rss") {
        guard let relay = RelayProcess.start() else { print("relay-limits: build caro first"); return }
        let (_, writer) = firstClient(port: relay.port)
        let feed = try! writer.write { node in try node.createValue(type: "costream", owner: try node.createGroup()) }
        _ = await writer.waitForSync(timeout: .seconds(30))
        let stalled = (0..<readers).compactMap { _ in RawRelaySocket(port: relay.port, reads: false) }
        for socket in stalled { socket.sendText(SyncMessage.load(KnownState(id: feed)).text) }
        let start = clock.now
        writeTransactions(writer, feed: feed, count: 1_000, size: 100_000)
        let synced = await writer.waitForSync(timeout: .seconds(600))
        print("relay peak RSS, 100 MB written to a value with \(readers) stalled subscriber\(readers == 1 ? "" : "s"): "
            + "\(relay.peakRSSMegabytes()) MB (upload \(synced ? "acknowledged" : "NOT acknowledged") after \(milliseconds(clock.now - start)) ms)")
        writer.stop()
        stalled.forEach { $0.close() }
        relay.stop()
    }

    // /health and another client's load while one client sends a 25 MB frame of 300 000 loads.
    if parts.contains("health") {
        guard let relay = RelayProcess.start() else { return }
        let (identity, writer) = firstClient(port: relay.port)
        let map = try! writer.write { node -> CoID in
            let map = try node.createValue(type: "comap", owner: try node.createGroup())
            try node.makeTransaction(in: map, changes: CoMapChanges.set("k", "v"), privacy: .private)
            return map
        }
        _ = await writer.waitForSync(timeout: .seconds(30))
        let rssBefore = currentRSSMegabytes(relay)
        var frame = ""
        for _ in 0..<300_000 {
            let id = try! CoID(bytes: SecureRandom.bytes(CoID.byteCount))
            frame += SyncMessage.load(KnownState(id: id)).text + "\n"
        }
        frame.removeLast()
        let text = frame
        let frameMB = frame.utf8.count / 1_000_000
        for reads in [true, false] {
            guard let greedy = RawRelaySocket(port: relay.port, reads: reads) else { return }
            let sent = clock.now
            Thread.detachNewThread { greedy.sendText(text) }
            var latencies: [Duration] = []
            var worst: (latency: Duration, at: Duration) = (.zero, .zero)
            let reader = try! SyncClient(node: LocalNode(agentSecret: identity.agentSecret, accountID: identity.accountID),
                                         configuration: WebSocketClientConfiguration(url: "ws://127.0.0.1:\(relay.port)"))
            reader.start()
            reader.load(map)
            var loadedAfter: Duration?
            while clock.now - sent < .seconds(8) {
                let probeStart = clock.now - sent
                if let latency = healthLatency(port: relay.port) {
                    latencies.append(latency)
                    if latency > worst.latency { worst = (latency, probeStart) }
                }
                if loadedAfter == nil, reader.read({ $0.isCompletelyLoaded(map) }) { loadedAfter = clock.now - sent }
                try? await Task.sleep(for: .milliseconds(20))
            }
            latencies.sort()
            reader.stop()
            greedy.close()
            try? await Task.sleep(for: .seconds(4))
            print("/health while another client sends a \(frameMB) MB frame of 300 000 loads (\(reads ? "and reads the answers" : "and reads nothing")): "
                + "\(latencies.count) probes in 8 s, median \(latencies.isEmpty ? -1 : milliseconds(latencies[latencies.count / 2])) ms, "
                + "max \(latencies.last.map(milliseconds) ?? -1) ms (probe sent \(milliseconds(worst.at)) ms after the frame); another client's load answered after "
                + "\(loadedAfter.map { "\(milliseconds($0)) ms" } ?? "more than 8 s"); relay RSS \(rssBefore) MB before, "
                + "peak \(relay.peakRSSMegabytes()) MB, \(currentRSSMegabytes(relay)) MB 4 s after the sender left")
        }
        writer.stop()
        relay.stop()
    }

    // A 150 MB value (1 500 × 100 KB transactions) loads before and after a restart with --db.
    if parts.contains("large") {
        let directory = NSTemporaryDirectory() + "caro-relay-limits-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let arguments = ["--db", directory + "/relay.db"]
        guard let relay = RelayProcess.start(storage: arguments) else { return }
        let (identity, writer) = firstClient(port: relay.port)
        let feed = try! writer.write { node in try node.createValue(type: "costream", owner: try node.createGroup()) }
        let start = clock.now
        writeTransactions(writer, feed: feed, count: 1_500, size: 100_000)
        let synced = await writer.waitForSync(timeout: .seconds(900))
        let complete = writer.read { $0.knownState(of: feed) }
        print("150 MB value (1 500 × 100 KB private transactions) uploaded to a relay with --db: "
            + "\(synced ? "acknowledged" : "NOT acknowledged") after \(milliseconds(clock.now - start)) ms")
        writer.stop()
        func load(_ port: Int, _ label: String) async {
            let reader = try! SyncClient(node: LocalNode(agentSecret: identity.agentSecret, accountID: identity.accountID),
                                         configuration: WebSocketClientConfiguration(url: "ws://127.0.0.1:\(port)"))
            reader.start()
            let start = clock.now
            reader.load(feed)
            let loaded = await reader.wait(timeout: .seconds(600)) { $0.read { $0.knownState(of: feed) } == complete }
            print("150 MB value loaded \(label): \(loaded ? "complete" : "INCOMPLETE") after \(milliseconds(clock.now - start)) ms"
                + (reader.lastDisconnectReason.map { " (disconnected: \($0))" } ?? ""))
            reader.stop()
        }
        await load(relay.port, "before a restart")
        print("  relay peak RSS \(relay.peakRSSMegabytes()) MB")
        relay.stop()
        guard let restarted = RelayProcess.start(storage: arguments) else { return }
        await load(restarted.port, "after a restart")
        print("  relay peak RSS \(restarted.peakRSSMegabytes()) MB")
        restarted.stop()
    }
}
