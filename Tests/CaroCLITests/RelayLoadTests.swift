import Foundation
import Glibc
import JazzProto
import Synchronization
import Testing

/// Raw WebSocket connections to a relay, held by one test: idle ones, slow readers (a 4 KiB receive buffer,
/// read a little at a time on one thread) and ones that vanish (reset without a WebSocket close).
final class RawConnections: @unchecked Sendable {
    private let descriptors = Mutex<[Int32]>([])
    private let slow = Mutex<[Int32]>([])
    private let reading = Atomic<Bool>(false)
    /// Bytes the slow readers read so far.
    let slowBytesRead = Atomic<Int>(0)

    static let upgrade = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"

    /// A connected, upgraded socket that sent `text` (if any) as one masked frame; nil if the relay refused.
    func open(port: Int, receiveBuffer: Int32? = nil, sending text: String? = nil) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        if var size = receiveBuffer { setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size)) }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = connectLoopback(fd, port: port)
        var answer: [UInt8] = []
        var byte: UInt8 = 0
        var ok = connected == 0 && Self.sendAll(fd, Array(Self.upgrade.utf8))
        while ok && !answer.suffix(4).elementsEqual(Array("\r\n\r\n".utf8)) {
            ok = recv(fd, &byte, 1, 0) == 1
            answer.append(byte)
        }
        if ok, let text {
            let payload = Array(text.utf8)
            var frame: [UInt8] = [0x81, 0x80 | 127]
            for shift in stride(from: 56, through: 0, by: -8) { frame.append(UInt8((payload.count >> shift) & 0xFF)) }
            ok = Self.sendAll(fd, frame + [0, 0, 0, 0] + payload)
        }
        guard ok, String(decoding: answer, as: UTF8.self).hasPrefix("HTTP/1.1 101") else {
            close(fd)
            return nil
        }
        descriptors.withLock { $0.append(fd) }
        return fd
    }

    private static func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { return false }
            offset += sent
        }
        return true
    }

    /// Reads 1 KiB from each slow reader every 50 ms on one thread until ``closeAll()``.
    func startSlowReading(_ fds: [Int32]) {
        slow.withLock { $0 = fds }
        reading.store(true, ordering: .relaxed)
        Thread.detachNewThread { [self] in
            var buffer = [UInt8](repeating: 0, count: 1024)
            while reading.load(ordering: .relaxed) {
                for fd in slow.withLock({ $0 }) {
                    let count = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
                    if count > 0 { slowBytesRead.add(count, ordering: .relaxed) }
                }
                usleep(50_000)
            }
            slow.withLock { $0 = [] }
        }
    }

    /// Resets a connection without a WebSocket close (the peer vanished); it is no longer held.
    func vanish(_ fd: Int32) {
        guard descriptors.withLock({ list in list.firstIndex(of: fd).map { list.remove(at: $0) } }) != nil else { return }
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        close(fd)
    }

    /// Stops the slow readers and closes every connection still held (once each).
    func closeAll() {
        reading.store(false, ordering: .relaxed)
        while !slow.withLock({ $0.isEmpty }) { usleep(10_000) }
        let open = descriptors.withLock { list in defer { list = [] }; return list }
        open.forEach { close($0) }
    }
}

/// Issue 16, "Load": a relay process with 1 000 connections at once — idle ones, slow readers and ones that
/// vanish without a close — while writers push and subscribers read. Every writer's data reaches the relay
/// and every subscriber, and the relay's memory stays bounded. Sizes from the environment for the long run
/// (`LOAD_WRITERS`, `LOAD_SUBSCRIBERS`, `LOAD_SLOW`, `LOAD_VANISHING`, `LOAD_CONNECTIONS`, `LOAD_WRITES`; see
/// Docs/benchmarks.md).
@Suite("caro relay under load", .serialized)
struct RelayLoadTests {
    static func size(_ name: String, _ standard: Int) -> Int {
        ProcessInfo.processInfo.environment[name].flatMap(Int.init) ?? standard
    }

    /// The relay's peak and current resident memory in MB (`VmHWM`, `VmRSS`).
    static func memory(of process: Process) -> (peak: Int, now: Int) {
        let status = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)) ?? ""
        func field(_ name: String) -> Int {
            let line = status.split(separator: "\n").first { $0.hasPrefix(name + ":") } ?? ""
            return (line.split(separator: " ").compactMap { Int($0) }.first ?? 0) / 1024
        }
        return (field("VmHWM"), field("VmRSS"))
    }

    @Test func aThousandConnectionsWithSlowReadersAndVanishingClients() async throws {
        let writerCount = Self.size("LOAD_WRITERS", 20)
        let subscriberCount = Self.size("LOAD_SUBSCRIBERS", 20)
        let slowCount = Self.size("LOAD_SLOW", 200)
        let vanishingCount = Self.size("LOAD_VANISHING", 100)
        let total = Self.size("LOAD_CONNECTIONS", 1_000)
        let writes = Self.size("LOAD_WRITES", 10)
        let idleCount = total - writerCount - subscriberCount - slowCount - vanishingCount
        try #require(FileDescriptorLimit.raiseSoftLimitToHard() >= total + 200, "needs \(total + 200) descriptors")
        let clock = ContinuousClock()
        let start = clock.now

        let relay = try RelayProcess(["--in-memory"])
        defer { relay.stop() }
        let url = relay.url
        let raw = RawConnections()
        defer { raw.closeAll() }

        // Writers: one account and one map each, written in bursts while everything else goes on.
        var writers: [(client: SyncClient, map: CoID)] = []
        defer { writers.forEach { $0.client.stop() } }
        for _ in 0..<writerCount {
            let client = try SyncClient(node: try LocalNode.createAccount(agentSecret: .random()),
                                        configuration: WebSocketClientConfiguration(url: url))
            client.start()
            let map = try client.write { node -> CoID in
                try node.createValue(type: "comap", owner: try node.createGroup())
            }
            writers.append((client, map))
        }
        let maps = writers.map(\.map)
        for writer in writers { #expect(await writer.client.waitForSync(timeout: .seconds(60))) }
        let loadFrame = maps.map { SyncMessage.load(KnownState(id: $0)).text }.joined(separator: "\n")

        // Subscribers load every map before the writes, so they get the writes as they come
        // (before the raw connections: libwebsockets' client table is sized by the open-file limit at its start).
        var subscribers: [SyncClient] = []
        defer { subscribers.forEach { $0.stop() } }
        for _ in 0..<subscriberCount {
            let client = try SyncClient(node: try LocalNode.createAccount(agentSecret: .random()),
                                        configuration: WebSocketClientConfiguration(url: url))
            client.start()
            maps.forEach(client.load)
            subscribers.append(client)
        }

        // Idle connections, slow readers of every map, and connections that vanish.
        for _ in 0..<idleCount { _ = raw.open(port: relay.port) }
        // Each slow reader loads one map (the readers spread over all of them), so they stay slow without
        // making the relay stream 200 copies of everything.
        let slow = (0..<slowCount).compactMap { index in
            raw.open(port: relay.port, receiveBuffer: 4096, sending: SyncMessage.load(KnownState(id: maps[index % maps.count])).text)
        }
        raw.startSlowReading(slow)
        let vanishing = (0..<vanishingCount).compactMap { _ in raw.open(port: relay.port, sending: loadFrame) }
        #expect(slow.count == slowCount && vanishing.count == vanishingCount, "\(slow.count) slow, \(vanishing.count) vanishing opened")


        let entry = JSONValue.string(String(repeating: "history entry ", count: 150))  // ~2 KB
        for round in 0..<writes {
            for writer in writers {
                try writer.client.write { node in
                    try node.makeTransaction(in: writer.map, changes: CoMapChanges.set("k\(round)", entry), privacy: .trusting)
                }
            }
            // Half the vanishing connections go after the first round, the rest half-way.
            if round == 0 { vanishing.prefix(vanishing.count / 2).forEach(raw.vanish) }
            if round == writes / 2 { vanishing.forEach(raw.vanish) }
        }

        for writer in writers { #expect(await writer.client.waitForSync(timeout: .seconds(60))) }
        let expected = writers.map { writer in writer.client.read { $0.knownState(of: writer.map) } }
        for subscriber in subscribers {
            let complete = await subscriber.wait(timeout: .seconds(60)) { client in
                client.read { node in zip(maps, expected).allSatisfy { node.knownState(of: $0) == $1 } }
            }
            #expect(complete, "a subscriber is missing data")
        }
        let memory = Self.memory(of: relay.process)
        let health = try RelayProcessTests.httpGet(port: relay.port, path: "/health")
        print("relay under load: \(total) connections (\(idleCount) idle, \(slowCount) slow readers, \(vanishingCount) vanishing, "
            + "\(writerCount) writers × \(writes) writes, \(subscriberCount) subscribers): all data delivered after "
            + "\(clock.now - start); relay peak RSS \(memory.peak) MB, now \(memory.now) MB; slow readers read "
            + "\(raw.slowBytesRead.load(ordering: .relaxed)) bytes")
        #expect(health.hasPrefix("HTTP/1.1 200"), "\(health)")
        #expect(relay.process.isRunning)
        // Bounded: 1 000 connections' buffers and a few MB of data, not a copy per slow reader.
        #expect(memory.peak > 0 && memory.peak < 400, "relay peak RSS \(memory.peak) MB")
    }
}
