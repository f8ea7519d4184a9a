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
    static func wait(_ timeout: Duration = .seconds(10), _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }

    @Test func badInputFromOnePeerDoesNotDisturbOthers() async throws {
        let problems = Mutex<[String]>([])
        let relay = try RelayServer(configuration: WebSocketServerConfiguration(host: "127.0.0.1", port: 0), storage: nil) { problem in
            problems.withLock { $0.append(problem) }
        }
        defer { relay.shutdown() }
        let url = "ws://127.0.0.1:\(relay.port)"
        let identity = try JazzIdentity(secretSeed: SecureRandom.bytes(32))
        let deviceA = try SyncClient(node: try LocalNode.createAccount(agentSecret: identity.agentSecret),
                                     configuration: WebSocketClientConfiguration(url: url))
        deviceA.start()
        defer { deviceA.stop() }
        let (mapID, genuine, session) = try deviceA.write { node -> (CoID, ContentPiece, SessionID) in
            let group = try node.createGroup()
            let map = try node.createValue(type: "comap", owner: group)
            try node.makeTransaction(in: map, changes: CoMapChanges.set("k", "genuine"), privacy: .trusting)
            return (map, node.core(map)!.newContentSince(nil)[0], node.sessionID)
        }
        #expect(await deviceA.waitForSync(timeout: .seconds(10)))

        let attacker = RawPeer()
        // Every message in its own frame: a batched frame with one bad line is dropped whole (as in cojson).
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
        let deviceB = try SyncClient(node: LocalNode(agentSecret: identity.agentSecret, accountID: identity.accountID),
                                     configuration: WebSocketClientConfiguration(url: url))
        deviceB.start()
        defer { deviceB.stop() }
        deviceB.load(mapID)
        #expect(await deviceB.wait(timeout: .seconds(10)) { $0.read { $0.isCompletelyLoaded(mapID) } })
        #expect(deviceB.read { $0.view(of: mapID) } == ["k": "genuine"])
        #expect(relay.withNode { $0.knownState(of: mapID) } == deviceA.read { $0.knownState(of: mapID) })
        #expect(problems.withLock { $0 }.contains { $0.contains("malformed frame") })
        #expect(problems.withLock { $0 }.contains { $0.contains("does not verify") })
    }
}
