import CaroStore
import Foundation
import JazzProto
import Synchronization
import Testing

/// The relay under one greedy or slow peer (issue 15, items 3, 4, 5 and 9): work is shared out in turns,
/// content streams as each connection drains, and neither a huge frame nor stalled readers cost the others.
@Suite("Relay pacing and fairness", .serialized)
struct RelayPacingTests {
    /// A relay configuration with small queues, so a few MiB exercise the limits.
    static func smallQueues(port: Int = 0, stallTimeout: Duration = .seconds(60)) -> WebSocketServerConfiguration {
        var configuration = WebSocketServerConfiguration(host: "127.0.0.1", port: port)
        configuration.maxQueuedBytesPerConnection = 256 << 10  // pacing high water 64 KiB, low water 16 KiB
        configuration.hardMaxQueuedBytesPerConnection = 512 << 10
        configuration.stalledConnectionTimeout = stallTimeout
        return configuration
    }

    /// A CoStream of `count` private transactions of ~`size` bytes, written and acknowledged by `client`.
    static func writeLargeValue(_ client: SyncClient, count: Int, size: Int) async throws -> CoID {
        let feed = try client.write { node -> CoID in try node.createValue(type: "costream", owner: try node.createGroup()) }
        for index in 0..<count {
            let entry = JSONValue.string(String(repeating: "\(index % 10)", count: size))
            try client.write { node in try node.makeTransaction(in: feed, changes: [entry], privacy: .private) }
        }
        return feed
    }

    /// The answer to `GET /health` (status line and body), over a plain socket.
    static func health(port: Int) throws -> String {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = connectLoopback(descriptor, port: port)
        guard connected == 0 else { throw StuckReaderError.failed("connect") }
        let request = Array("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        guard send(descriptor, request, request.count, Int32(MSG_NOSIGNAL)) == request.count else { throw StuckReaderError.failed("send") }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count <= 0 { break }
            answer += buffer[0..<count]
        }
        return String(decoding: answer, as: UTF8.self)
    }

    @Test func aHugeFrameOfLoadsDoesNotHoldBackAnotherClientOrHealth() async throws {
        let relay = try RelayServer(configuration: Self.smallQueues(), storage: nil)
        defer { relay.shutdown() }
        let url = "ws://127.0.0.1:\(relay.port)"
        let (identity, writer) = try RelayRobustnessTests.firstDevice(url)
        defer { writer.stop() }
        let map = try writer.write { node -> CoID in
            let map = try node.createValue(type: "comap", owner: try node.createGroup())
            try node.makeTransaction(in: map, changes: CoMapChanges.set("k", .string(String(repeating: "v", count: 2_000))), privacy: .private)
            return map
        }
        #expect(await writer.waitForSync(timeout: .seconds(20)))

        // One frame of 20 000 loads (each answered with the whole value, ~3 KB) from a peer that never reads.
        let loads = 20_000
        let frame = Array(repeating: SyncMessage.load(KnownState(id: map)).text, count: loads).joined(separator: "\n")
        let greedy = try StuckReader(port: relay.port, messages: [frame])
        defer { greedy.close() }
        #expect(await RelayRobustnessTests.wait(.seconds(20)) { relay.waitingMessages > 0 })

        // Another device's load and /health are answered while most of that frame still waits.
        let reader = try RelayRobustnessTests.otherDevice(identity, url)
        defer { reader.stop() }
        reader.load(map)
        #expect(await reader.wait(timeout: .seconds(20)) { $0.read { $0.isCompletelyLoaded(map) } })
        #expect(try Self.health(port: relay.port).hasSuffix("\r\n\r\nok"))
        let waiting = relay.waitingMessages
        #expect(waiting > loads / 2, "the greedy peer's frame was handled before others were served (\(waiting) waiting)")
        // Its replies stay within its queue limit (it reads nothing), and its work is dropped when it goes.
        #expect(relay.queuedBytes < 1 << 20, "\(relay.queuedBytes) bytes queued")
        greedy.close()
        #expect(await RelayRobustnessTests.wait(.seconds(20)) { relay.waitingMessages == 0 && relay.connectionCount == 2 })
    }

    @Test func aPeerThatReadsGetsEveryAnswerToAHugeFrame() async throws {
        let relay = try RelayServer(configuration: Self.smallQueues(), storage: nil)
        defer { relay.shutdown() }
        let url = "ws://127.0.0.1:\(relay.port)"
        // A value the relay does not have: every load of it is answered with its own `known`.
        let missing = try LocalNode.createAccount(agentSecret: .random()).accountID!
        let peer = RawPeer()
        let raw = try WebSocketClient(configuration: WebSocketClientConfiguration(url: url), delegate: peer)
        raw.start()
        defer { raw.stop() }
        #expect(await RelayRobustnessTests.wait { peer.connected.load(ordering: .relaxed) })
        let loads = 20_000
        raw.send(Array(repeating: SyncMessage.load(KnownState(id: missing)).text, count: loads).joined(separator: "\n"))
        func answers() -> Int {
            peer.messages.filter { if case .known(let state, _) = $0 { state.id == missing } else { false } }.count
        }
        #expect(await RelayRobustnessTests.wait(.seconds(60)) { relay.waitingMessages == 0 && answers() >= loads },
                "\(answers()) of \(loads) answered, \(relay.waitingMessages) waiting")
    }

    @Test func aValueLargerThanTheHardQueueCapLoadsBeforeAndAfterARestart() async throws {
        let directory = try RelayIntegrationTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var relay: RelayServer? = try RelayServer(configuration: Self.smallQueues(),
                                                  storage: try SQLiteCoValueStore(path: directory + "/relay.db"))
        let port = relay!.port
        let url = "ws://127.0.0.1:\(port)"
        let (identity, writer) = try RelayRobustnessTests.firstDevice(url)
        defer { writer.stop() }
        // ~3 MB: six times the relay's hard cap on one connection's queue (512 KiB).
        let feed = try await Self.writeLargeValue(writer, count: 30, size: 100_000)
        #expect(await writer.waitForSync(timeout: .seconds(60)))
        let complete = writer.read { $0.knownState(of: feed) }

        let before = try RelayRobustnessTests.otherDevice(identity, url)
        defer { before.stop() }
        before.load(feed)
        #expect(await before.wait(timeout: .seconds(60)) { $0.read { $0.knownState(of: feed) } == complete })
        #expect(before.lastDisconnectReason == nil, "\(before.lastDisconnectReason ?? "")")
        before.stop()

        relay?.shutdown()
        relay = try RelayServer(configuration: Self.smallQueues(port: port), storage: try SQLiteCoValueStore(path: directory + "/relay.db"))
        defer { relay?.shutdown() }
        let after = try RelayRobustnessTests.otherDevice(identity, url)
        defer { after.stop() }
        after.load(feed)
        #expect(await after.wait(timeout: .seconds(60)) { $0.read { $0.knownState(of: feed) } == complete })
        #expect(after.read { $0.view(of: feed)?.objectValue?.values.first?.arrayValue?.count } == 30)
        #expect(after.lastDisconnectReason == nil, "\(after.lastDisconnectReason ?? "")")
    }

    @Test func stalledReadersCostACursorNotACopy() async throws {
        let relay = try RelayServer(configuration: Self.smallQueues(), storage: nil)
        defer { relay.shutdown() }
        let url = "ws://127.0.0.1:\(relay.port)"
        let (identity, writer) = try RelayRobustnessTests.firstDevice(url)
        defer { writer.stop() }
        // 6 MB: more than a stalled reader's socket buffers take (up to 4 MiB here).
        let valueBytes = 60 * 100_000
        let feed = try await Self.writeLargeValue(writer, count: 60, size: 100_000)
        #expect(await writer.waitForSync(timeout: .seconds(60)))

        let readers = 5
        var stuck: [StuckReader] = []
        defer { stuck.forEach { $0.close() } }
        for _ in 0..<readers {
            stuck.append(try StuckReader(port: relay.port, messages: [SyncMessage.load(KnownState(id: feed)).text]))
        }
        #expect(await RelayRobustnessTests.wait { relay.connectionCount == 1 + readers })
        // Each stalled reader gets what its socket takes plus at most the pacing high-water mark and one
        // piece; then the relay waits for it (and keeps it: it has not been stalled for the timeout yet).
        var settled = -1
        _ = await RelayRobustnessTests.wait(.seconds(20)) {
            let now = relay.queuedBytes
            defer { settled = now }
            return now == settled && now > 0
        }
        #expect(relay.queuedBytes > 0)
        #expect(relay.queuedBytes < readers * (300 << 10), "\(relay.queuedBytes) bytes queued for \(readers) stalled readers of a \(valueBytes)-byte value")
        #expect(relay.connectionCount == 1 + readers)

        // A reader that reads still gets the whole value meanwhile.
        let reader = try RelayRobustnessTests.otherDevice(identity, url)
        defer { reader.stop() }
        reader.load(feed)
        #expect(await reader.wait(timeout: .seconds(60)) { client in
            client.read { $0.knownState(of: feed) } == writer.read { $0.knownState(of: feed) }
        })
    }

    @Test func aClientUploadAboveItsQueueLimitCompletes() async throws {
        let relay = try RelayServer(configuration: WebSocketServerConfiguration(host: "127.0.0.1", port: 0), storage: nil)
        defer { relay.shutdown() }
        let identity = try JazzIdentity(secretSeed: SecureRandom.bytes(32))
        var configuration = WebSocketClientConfiguration(url: "ws://127.0.0.1:\(relay.port)")
        // A 1 MiB queue limit (hard cap 8 MiB) for a 4 MB upload written in one go.
        configuration.maxQueuedBytes = 1 << 20
        configuration.hardMaxQueuedBytes = 2 << 20
        let writer = try SyncClient(node: try LocalNode.createAccount(agentSecret: identity.agentSecret), configuration: configuration)
        writer.start()
        defer { writer.stop() }
        #expect(await writer.wait(timeout: .seconds(10)) { $0.isConnected })
        let feed = try writer.write { node -> CoID in
            let feed = try node.createValue(type: "costream", owner: try node.createGroup())
            for index in 0..<40 {
                try node.makeTransaction(in: feed, changes: [.string(String(repeating: "\(index % 10)", count: 100_000))], privacy: .private)
            }
            return feed
        }
        #expect(await writer.waitForSync(timeout: .seconds(60)))
        #expect(writer.lastDisconnectReason == nil, "\(writer.lastDisconnectReason ?? "")")
        #expect(relay.withNode { $0.knownState(of: feed) } == writer.read { $0.knownState(of: feed) })
    }
}
