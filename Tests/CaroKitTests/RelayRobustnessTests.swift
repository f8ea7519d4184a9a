import Foundation
import JazzProto
import Synchronization
import Testing

/// A raw WebSocket peer that records what it receives.
final class RawPeer: WebSocketClientDelegate {
    let frames = Mutex<[String]>([])
    let connected = Atomic<Bool>(false)
    func clientConnected() { connected.store(true, ordering: .relaxed) }
    func client(receivedText frame: String) { frames.withLock { $0.append(frame) } }
    func clientDisconnected(reason: String) { connected.store(false, ordering: .relaxed) }

    /// Every sync message received so far (pings skipped).
    var messages: [SyncMessage] {
        frames.withLock { $0 }.flatMap { JazzFraming.split($0) }.compactMap { try? SyncMessage(text: $0) }
    }
}

/// Malformed frames, unknown actions and forged content from one peer: that peer gets nothing for it,
/// the relay keeps serving everyone, and stores nothing invalid.
@Suite("Relay robustness", .serialized)
struct RelayRobustnessTests {
    /// A first device on `url` with a map `{"k": "v"}` (trusting) that the relay acknowledged; stop it when done.
    static func deviceWithMap(_ url: String) async throws -> (SyncClient, CoID) {
        let (_, device) = try firstDevice(url)
        let mapID = try device.write { node -> CoID in
            let map = try node.createValue(type: "comap", owner: try node.createGroup())
            try node.makeTransaction(in: map, changes: CoMapChanges.set("k", "v"), privacy: .trusting)
            return map
        }
        #expect(await device.waitForSync(timeout: .seconds(10)))
        return (device, mapID)
    }

    static func wait(_ timeout: Duration = .seconds(10), _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }

    /// A new identity, and a started client of its new account on the relay at `url` (the first device).
    static func firstDevice(_ url: String) throws -> (JazzIdentity, SyncClient) {
        let identity = try JazzIdentity(secretSeed: SecureRandom.bytes(32))
        let client = try SyncClient(node: try LocalNode.createAccount(agentSecret: identity.agentSecret),
                                    configuration: WebSocketClientConfiguration(url: url))
        client.start()
        return (identity, client)
    }

    /// A started client of `identity` on a fresh node (another device, which has only the secret).
    static func otherDevice(_ identity: JazzIdentity, _ url: String) throws -> SyncClient {
        let client = try SyncClient(node: LocalNode(agentSecret: identity.agentSecret, accountID: identity.accountID),
                                    configuration: WebSocketClientConfiguration(url: url))
        client.start()
        return client
    }

    @Test func badInputFromOnePeerDoesNotDisturbOthers() async throws {
        let problems = Mutex<[String]>([])
        let relay = try RelayServer(configuration: WebSocketServerConfiguration(host: "127.0.0.1", port: 0), storage: nil) { problem in
            problems.withLock { $0.append(problem) }
        }
        defer { relay.shutdown() }
        let url = "ws://127.0.0.1:\(relay.port)"
        let (identity, deviceA) = try Self.firstDevice(url)
        defer { deviceA.stop() }
        let (mapID, genuine, session) = try deviceA.write { node -> (CoID, ContentPiece, SessionID) in
            let group = try node.createGroup()
            let map = try node.createValue(type: "comap", owner: group)
            try node.makeTransaction(in: map, changes: CoMapChanges.set("k", "genuine"), privacy: .trusting)
            return (map, node.core(map)!.newContentSince(nil)[0], node.sessionID)
        }
        #expect(await deviceA.waitForSync(timeout: .seconds(10)))

        let attacker = RawPeer()
        // Every message in its own frame: a frame with a line that is not JSON is dropped whole (as in cojson).
        var rawConfiguration = WebSocketClientConfiguration(url: url)
        rawConfiguration.batching = .never
        let raw = try WebSocketClient(configuration: rawConfiguration, delegate: attacker)
        raw.start()
        defer { raw.stop() }
        #expect(await Self.wait { attacker.connected.load(ordering: .relaxed) })
        // Garbage, an unknown action, a forged transaction in A's session, a header that is not the ID's.
        raw.send("this is not json")
        raw.send(#"{"action":"bogus","id":"\#(mapID)"}"#)
        var forged = genuine
        forged.header = nil
        // A transaction appended to A's session (index 1) under A's last signature: it cannot verify.
        var entry = try #require(forged.new.first { $0.0 == session })
        entry.1.after = 1
        entry.1.newTransactions = [.trusting(madeAt: entry.1.newTransactions[0].madeAt + 1,
                                             changes: #"[{"op":"set","key":"k","value":"forged"}]"#, meta: nil)]
        forged.new = [entry]
        raw.send(SyncMessage.content(forged).text)
        var badHeader = genuine
        badHeader.header?.uniqueness = "tampered"
        raw.send(SyncMessage.content(badHeader).text)
        // Then an honest request from the same peer is still answered.
        raw.send(SyncMessage.load(KnownState(id: mapID)).text)
        let answered = await Self.wait { attacker.messages.contains { if case .content(let p) = $0 { return p.id == mapID } else { return false } } }
        #expect(answered, "attacker received: \(attacker.frames.withLock { $0 }.map { String($0.prefix(120)) })")

        // Others are still served, and see only genuine data.
        let deviceB = try Self.otherDevice(identity, url)
        defer { deviceB.stop() }
        deviceB.load(mapID)
        #expect(await deviceB.wait(timeout: .seconds(10)) { $0.read { $0.isCompletelyLoaded(mapID) } })
        #expect(deviceB.read { $0.view(of: mapID) } == ["k": "genuine"])
        #expect(relay.withNode { $0.knownState(of: mapID) } == deviceA.read { $0.knownState(of: mapID) })
        #expect(problems.withLock { $0 }.contains { $0.contains("frame dropped: line 1 is not JSON") })
        #expect(problems.withLock { $0 }.contains { $0.contains("refused") && $0.contains("is not a known action") })
        #expect(problems.withLock { $0 }.contains { $0.contains("does not verify") })
    }

    /// Issue 15, item 7: a batch with an unknown action and an ID that is not 19 bytes still gets its valid
    /// `load` answered; the short ID is treated as cojson does (not found), and nothing is stored for it.
    @Test func aBadLineInABatchDoesNotDropTheValidLoad() async throws {
        let relay = try RelayServer(configuration: WebSocketServerConfiguration(host: "127.0.0.1", port: 0), storage: nil)
        defer { relay.shutdown() }
        let url = "ws://127.0.0.1:\(relay.port)"
        let (device, mapID) = try await Self.deviceWithMap(url)
        defer { device.stop() }

        let peer = RawPeer()
        let raw = try WebSocketClient(configuration: WebSocketClientConfiguration(url: url), delegate: peer)
        raw.start()
        defer { raw.stop() }
        #expect(await Self.wait { peer.connected.load(ordering: .relaxed) })
        raw.send([
            SyncMessage.load(KnownState(id: mapID)).text,
            #"{"action":"bogus","id":"\#(mapID)"}"#,
            #"{"action":"load","id":"co_zShort","header":false,"sessions":{}}"#,
        ].joined(separator: "\n"))
        let answered = await Self.wait {
            peer.messages.contains { if case .content(let piece) = $0 { piece.id == mapID } else { false } }
        }
        #expect(answered)
        let notFound = await Self.wait {
            peer.messages.contains { if case .known(let state, _) = $0 { state.id.description == "co_zShort" && !state.header } else { false } }
        }
        #expect(notFound)
        #expect(relay.withNode { $0.coValueIDs.allSatisfy(\.isDecodable) })
    }
}

/// `RelayServer`'s own limit on one sync message (`caro relay --max-message-mb`).
@Suite("Relay message limit")
struct RelayMessageLimitTests {
    @Test func aSyncMessageOverTheLimitIsRefusedAloneAndLogged() async throws {
        let problems = Mutex<[String]>([])
        let relay = try RelayServer(configuration: WebSocketServerConfiguration(host: "127.0.0.1", port: 0), storage: nil,
                                    maxSyncMessageBytes: 32 << 10) { problem in problems.withLock { $0.append(problem) } }
        defer { relay.shutdown() }
        let url = "ws://127.0.0.1:\(relay.port)"
        let (device, mapID) = try await RelayRobustnessTests.deviceWithMap(url)
        defer { device.stop() }
        // A load of a value the relay does not have would be answered with `known`: padded over the limit,
        // it is not answered; the valid load after it in the same frame is.
        let missing = try LocalNode.createAccount(agentSecret: .random()).accountID!
        let padded = #"{"action":"load","id":"\#(missing)","header":false,"sessions":{},"pad":"\#(String(repeating: "x", count: 40_000))"}"#
        let peer = RawPeer()
        let raw = try WebSocketClient(configuration: WebSocketClientConfiguration(url: url), delegate: peer)
        raw.start()
        defer { raw.stop() }
        #expect(await RelayRobustnessTests.wait { peer.connected.load(ordering: .relaxed) })
        raw.send([padded, SyncMessage.load(KnownState(id: mapID)).text].joined(separator: "\n"))
        #expect(await RelayRobustnessTests.wait {
            peer.messages.contains { if case .content(let piece) = $0 { piece.id == mapID } else { false } }
        })
        #expect(!peer.messages.contains { if case .known(let state, _) = $0 { state.id == missing } else { false } })
        #expect(problems.withLock { $0 }.contains { $0.contains("line 1 refused") && $0.contains("over the limit of \(32 << 10)") },
                "\(problems.withLock { $0 })")
    }
}

/// A WebSocket client on a raw socket with a tiny receive buffer: it sends its messages, then never
/// reads again (a stuck or very slow reader).
///
/// ``close()`` closes the socket once, however often it is called (a test may close it early and again in a
/// `defer`): a second `close(2)` of the same number would close whatever descriptor the process opened
/// since, e.g. a libwebsockets context's socket or event pipe in another test running in parallel.
final class StuckReader: Sendable {
    /// The socket while open; nil once closed.
    private let socketDescriptor: Mutex<Int32?>
    /// The socket's number (it may belong to something else once the reader is closed).
    let descriptor: Int32

    init(port: Int, messages: [String]) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        socketDescriptor = Mutex(descriptor >= 0 ? descriptor : nil)
        guard descriptor >= 0 else { throw StuckReaderError.failed("socket") }
        var size: Int32 = 4096
        setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        let connected = connectLoopback(descriptor, port: port)
        guard connected == 0 else { throw StuckReaderError.failed("connect") }
        try write(Array(("GET / HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").utf8))
        // Read the handshake answer byte by byte, so nothing after it is consumed.
        var answer: [UInt8] = []
        var byte: UInt8 = 0
        while !answer.suffix(4).elementsEqual(Array("\r\n\r\n".utf8)) {
            guard recv(descriptor, &byte, 1, 0) == 1 else { throw StuckReaderError.failed("handshake") }
            answer.append(byte)
        }
        guard String(decoding: answer, as: UTF8.self).hasPrefix("HTTP/1.1 101") else { throw StuckReaderError.failed("upgrade") }
        for message in messages { try write(Self.maskedTextFrame(message)) }
    }

    /// A masked client frame with any opcode and payload (FIN set unless `final` is false).
    static func frame(opcode: UInt8, payload: [UInt8], final: Bool = true, mask: [UInt8] = [1, 2, 3, 4]) -> [UInt8] {
        var frame: [UInt8] = [(final ? 0x80 : 0) | (opcode & 0x0F)]
        if payload.count < 126 {
            frame.append(0x80 | UInt8(payload.count))
        } else if payload.count < 65_536 {
            frame += [0x80 | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        } else {
            frame.append(0x80 | 127)
            for shift in stride(from: 56, through: 0, by: -8) { frame.append(UInt8((payload.count >> shift) & 0xFF)) }
        }
        frame += mask
        for (index, byte) in payload.enumerated() { frame.append(byte ^ mask[index % 4]) }
        return frame
    }

    /// A client text frame (clients must mask; an all-zero mask leaves the payload as it is).
    static func maskedTextFrame(_ text: String) -> [UInt8] {
        frame(opcode: 0x1, payload: Array(text.utf8), mask: [0, 0, 0, 0])
    }

    /// Sends raw bytes (frames or anything else) on the connection.
    func write(_ bytes: [UInt8]) throws {
        guard socketDescriptor.withLock({ $0 }) != nil else { throw StuckReaderError.failed("send after close") }
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw StuckReaderError.failed("send") }
            offset += sent
        }
    }

    /// Closes the socket; later calls do nothing.
    func close() {
        guard let open = socketDescriptor.withLock({ $0.take() }) else { return }
        _ = Glibc.close(open)
    }

    deinit { close() }
}

enum StuckReaderError: Error, CustomStringConvertible {
    case failed(String)
    var description: String {
        switch self {
        case .failed(let step): return "the raw WebSocket client failed at \(step)"
        }
    }
}

/// SplitMix64: a small deterministic generator for reproducible random input.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("Relay against raw garbage")
struct RelayRawGarbageTests {
    @Test func randomFramesAndBytesFromManyConnectionsLeaveTheRelayServing() async throws {
        let relay = try RelayServer(configuration: WebSocketServerConfiguration(host: "127.0.0.1", port: 0), storage: nil)
        defer { relay.shutdown() }
        // Seeded (SplitMix64 in the generator below) so a failure reproduces.
        var random = SplitMix(state: 0xC0FFEE)
        for connection in 0..<24 {
            let raw = try StuckReader(port: relay.port, messages: [])
            defer { raw.close() }
            for _ in 0..<8 {
                let length = [0, 1, 5, 125, 126, 300, 70_000][Int.random(in: 0..<7, using: &random)]
                var payload = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
                if Bool.random(using: &random) {
                    // Text that is almost a sync message, or invalid UTF-8 inside JSON.
                    payload = Array(#"{"action":"content","id":"co_z1","new":{"x":{"after":-1}},"\#u{FF}":1}"#.utf8) + [0xC3, 0x28]
                }
                let opcode: UInt8 = [0x1, 0x1, 0x2, 0x0, 0x3, 0x8, 0x9, 0xA, 0xF][Int.random(in: 0..<9, using: &random)]
                let bytes = connection % 6 == 5
                    ? payload  // not even a frame
                    : StuckReader.frame(opcode: opcode, payload: payload, final: Bool.random(using: &random))
                if (try? raw.write(bytes)) == nil { break }
            }
        }
        // The relay still serves: one device writes, another loads it.
        let url = "ws://127.0.0.1:\(relay.port)"
        let (identity, writer) = try RelayRobustnessTests.firstDevice(url)
        defer { writer.stop() }
        let map = try writer.write { node -> CoID in
            let map = try node.createValue(type: "comap", owner: try node.createGroup())
            try node.makeTransaction(in: map, changes: CoMapChanges.set("still", "serving"), privacy: .private)
            return map
        }
        #expect(await writer.waitForSync(timeout: .seconds(20)))
        let reader = try RelayRobustnessTests.otherDevice(identity, url)
        defer { reader.stop() }
        reader.load(map)
        #expect(await reader.wait(timeout: .seconds(20)) { $0.read { $0.view(of: map) } == ["still": "serving"] })
        // Garbage connections are gone; the two devices remain.
        #expect(await RelayRobustnessTests.wait(.seconds(20)) { relay.connectionCount == 2 })
    }
}

@Suite("Relay backpressure", .serialized)
struct RelayBackpressureTests {
    @Test func aStuckReaderIsDisconnectedWhileEveryoneElseGetsEverything() async throws {
        var configuration = WebSocketServerConfiguration(host: "127.0.0.1", port: 0)
        // A small queue limit with a short stall timeout; the hard limit above any burst of this test.
        configuration.maxQueuedBytesPerConnection = 256 << 10
        configuration.stalledConnectionTimeout = .seconds(3)
        configuration.hardMaxQueuedBytesPerConnection = 64 << 20
        let relay = try RelayServer(configuration: configuration, storage: nil)
        defer { relay.shutdown() }
        let url = "ws://127.0.0.1:\(relay.port)"
        let (identity, writer) = try RelayRobustnessTests.firstDevice(url)
        defer { writer.stop() }
        let feed = try writer.write { node -> CoID in
            try node.createValue(type: "costream", owner: try node.createGroup())
        }
        #expect(await writer.waitForSync(timeout: .seconds(10)))

        let reader = try RelayRobustnessTests.otherDevice(identity, url)
        defer { reader.stop() }
        reader.load(feed)
        #expect(await reader.wait(timeout: .seconds(10)) { $0.read { $0.isCompletelyLoaded(feed) } })
        let stuck = try StuckReader(port: relay.port, messages: [SyncMessage.load(KnownState(id: feed)).text])
        defer { stuck.close() }
        #expect(await RelayRobustnessTests.wait { relay.connectionCount == 3 })

        // About 6 MiB of new content: more than the stuck reader's socket buffers (up to 4 MiB here)
        // and its queue limit hold.
        let entry = JSONValue.string(String(repeating: "history entry ", count: 4_000))
        for _ in 0..<110 {
            try writer.write { node in try node.makeTransaction(in: feed, changes: [entry], privacy: .private) }
        }
        #expect(await writer.waitForSync(timeout: .seconds(60)))
        #expect(await reader.wait(timeout: .seconds(60)) { client in
            client.read { $0.knownState(of: feed) } == writer.read { $0.knownState(of: feed) }
        })
        #expect(reader.read { $0.view(of: feed)?.objectValue?.values.first?.arrayValue?.count } == 110)
        // The stuck reader was cut off instead of its queue growing without limit; the others stay
        // (a reader above the limit that keeps reading is not cut off).
        #expect(await RelayRobustnessTests.wait(.seconds(20)) { relay.connectionCount == 2 })
        #expect(reader.isConnected && reader.lastDisconnectReason == nil,
                "reader: \(reader.lastDisconnectReason ?? "-"), writer: \(writer.lastDisconnectReason ?? "-"), relay connections: \(relay.connectionCount)")
    }
}

@Suite("Stuck reader sockets")
struct StuckReaderTests {
    /// Closing a stuck reader again must not close a descriptor opened since (the cause of issue 15's
    /// intermittent transport crash: a test closed its reader early and again in a `defer`, and the second
    /// close hit descriptors of relays in tests running alongside, e.g. a libwebsockets context's).
    @Test func closingTwiceLeavesADescriptorOpenedInBetweenAlone() throws {
        let relay = try RelayServer(configuration: WebSocketServerConfiguration(host: "127.0.0.1", port: 0), storage: nil)
        defer { relay.shutdown() }
        // The kernel hands out the lowest free number, so a file opened right after the close usually gets
        // the socket's number; tests running in parallel may take it first, so this tries a few times.
        for _ in 0..<50 {
            let reader = try StuckReader(port: relay.port, messages: [])
            reader.close()
            let file = open("/dev/null", O_RDONLY)
            try #require(file >= 0)
            var opened = stat()
            fstat(file, &opened)
            guard file == reader.descriptor else {
                close(file)
                continue
            }
            reader.close()
            var now = stat()
            let stillOurs = fstat(file, &now) == 0 && now.st_ino == opened.st_ino && now.st_dev == opened.st_dev
            #expect(stillOurs, "closing the reader again closed descriptor \(file), opened after its first close")
            if stillOurs { close(file) }
            return
        }
        Issue.record("no closed socket's number was handed out again in 50 tries")
    }
}
