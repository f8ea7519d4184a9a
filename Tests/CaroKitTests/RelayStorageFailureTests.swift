import CaroStore
import Foundation
import JazzProto
import Synchronization
import Testing

/// A switch a test flips while a store it handed over is in use.
final class FailureSwitch: Sendable {
    let failing = Atomic<Bool>(false)
}

/// SQLite storage whose appends fail (as on a full disk) while the switch is on.
final class SwitchableStorage: CoValueStorage {
    struct DiskFull: Error, CustomStringConvertible {
        var description: String { "disk is full (test)" }
    }

    let inner: SQLiteCoValueStore
    let failure: FailureSwitch

    init(path: String, failure: FailureSwitch) throws {
        inner = try SQLiteCoValueStore(path: path)
        self.failure = failure
    }

    func storedIDs() throws -> [CoID] { try inner.storedIDs() }
    func load(_ id: CoID) throws -> StoredCoValue? { try inner.load(id) }
    func knownState(of id: CoID) throws -> KnownState? { try inner.knownState(of: id) }
    func append(_ id: CoID, header: CoValueHeader?, sessions: [StoredSessionAppend]) throws {
        if failure.failing.load(ordering: .relaxed) { throw DiskFull() }
        try inner.append(id, header: header, sessions: sessions)
    }
}

/// Issue 15, item 1: nothing is acknowledged (by the relay) or pushed (by a client) that is not stored.
@Suite("Storage failures", .serialized)
struct RelayStorageFailureTests {
    static func databasePath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("caro-fail-\(UUID().uuidString).db").path
    }

    static func transactions(in id: CoID, of node: LocalNode) -> Int {
        node.knownState(of: id).sessions.values.reduce(0, +)
    }

    @Test func theRelayAcknowledgesOnlyWhatItStoredAndRecovers() async throws {
        let path = Self.databasePath()
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let failure = FailureSwitch()
        let problems = Mutex<[String]>([])
        let relay = try RelayServer(configuration: WebSocketServerConfiguration(host: "127.0.0.1", port: 0),
                                    storage: try SwitchableStorage(path: path, failure: failure)) { problem in
            problems.withLock { $0.append(problem) }
        }
        defer { relay.shutdown() }
        let (_, client) = try RelayRobustnessTests.firstDevice("ws://127.0.0.1:\(relay.port)")
        defer { client.stop() }
        let map = try client.write { node -> CoID in
            let map = try node.createValue(type: "comap", owner: try node.createGroup())
            try node.makeTransaction(in: map, changes: CoMapChanges.set("n", 1), privacy: .trusting)
            return map
        }
        #expect(await client.waitForSync(timeout: .seconds(10)))
        #expect(relay.healthProblem == nil)

        failure.failing.store(true, ordering: .relaxed)
        try client.write { node in _ = try node.makeTransaction(in: map, changes: CoMapChanges.set("n", 2), privacy: .trusting) }
        #expect(await RelayRobustnessTests.wait { relay.healthProblem != nil })
        #expect(relay.healthProblem?.contains("disk is full") == true)
        #expect(problems.withLock { $0 }.contains { $0.contains("cannot store \(map)") })
        // Not acknowledged: the client still waits; the relay holds only what its store holds.
        #expect(await client.waitForSync(timeout: .milliseconds(800)) == false)
        let stored = try SQLiteCoValueStore(path: path)
        #expect(relay.withNode { Self.transactions(in: map, of: $0) } == 1)
        #expect(try stored.knownState(of: map)?.sessions.values.reduce(0, +) == 1)

        // Storage works again: the next write brings the refused one with it.
        failure.failing.store(false, ordering: .relaxed)
        try client.write { node in _ = try node.makeTransaction(in: map, changes: CoMapChanges.set("n", 3), privacy: .trusting) }
        #expect(await client.waitForSync(timeout: .seconds(10)))
        #expect(relay.healthProblem == nil)
        #expect(try stored.knownState(of: map)?.sessions.values.reduce(0, +) == 3)
    }

    @Test func onceStorageWorksAgainRefusedPeersAreAskedToResend() async throws {
        let path = Self.databasePath()
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let failure = FailureSwitch()
        let relay = try RelayServer(configuration: WebSocketServerConfiguration(host: "127.0.0.1", port: 0),
                                    storage: try SwitchableStorage(path: path, failure: failure))
        defer { relay.shutdown() }
        let url = "ws://127.0.0.1:\(relay.port)"
        let (_, refused) = try RelayRobustnessTests.firstDevice(url)
        defer { refused.stop() }
        let (_, other) = try RelayRobustnessTests.firstDevice(url)
        defer { other.stop() }
        let otherMap = try other.write { node in try node.createValue(type: "comap", owner: try node.createGroup()) }
        #expect(await other.waitForSync(timeout: .seconds(10)))

        failure.failing.store(true, ordering: .relaxed)
        // Two writes while the disk is full: one correction, then plain acknowledgements of what is stored.
        let map = try refused.write { node -> CoID in
            let map = try node.createValue(type: "comap", owner: try node.createGroup())
            try node.makeTransaction(in: map, changes: CoMapChanges.set("n", 1), privacy: .trusting)
            return map
        }
        #expect(await RelayRobustnessTests.wait { relay.healthProblem != nil })
        try? await Task.sleep(for: .milliseconds(300))
        try refused.write { node in _ = try node.makeTransaction(in: map, changes: CoMapChanges.set("n", 2), privacy: .trusting) }
        #expect(await refused.waitForSync(timeout: .milliseconds(800)) == false)
        #expect(relay.withNode { $0.hasContent(map) } == false)

        // Another client's write succeeds: the refused client is asked to resend, without writing again.
        failure.failing.store(false, ordering: .relaxed)
        try other.write { node in _ = try node.makeTransaction(in: otherMap, changes: CoMapChanges.set("x", 1), privacy: .trusting) }
        #expect(await refused.waitForSync(timeout: .seconds(10)))
        #expect(relay.healthProblem == nil)
        #expect(try SQLiteCoValueStore(path: path).knownState(of: map)?.sessions.values.reduce(0, +) == 2)
    }

    @Test func aClientWriteThatCannotBeStoredIsReportedAndNeverSent() async throws {
        let path = Self.databasePath()
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let relay = try RelayServer(configuration: WebSocketServerConfiguration(host: "127.0.0.1", port: 0), storage: nil)
        defer { relay.shutdown() }
        let failure = FailureSwitch()
        let identity = try JazzIdentity(secretSeed: SecureRandom.bytes(32))
        let client = try SyncClient(node: try LocalNode.createAccount(agentSecret: identity.agentSecret),
                                    storage: try SwitchableStorage(path: path, failure: failure),
                                    configuration: WebSocketClientConfiguration(url: "ws://127.0.0.1:\(relay.port)"))
        client.start()
        defer { client.stop() }
        let map = try client.write { node -> CoID in
            let map = try node.createValue(type: "comap", owner: try node.createGroup())
            try node.makeTransaction(in: map, changes: CoMapChanges.set("n", 1), privacy: .trusting)
            return map
        }
        #expect(await client.waitForSync(timeout: .seconds(10)))

        failure.failing.store(true, ordering: .relaxed)
        #expect(throws: LocalChangeNotStored.self) {
            try client.write { node in _ = try node.makeTransaction(in: map, changes: CoMapChanges.set("n", 2), privacy: .trusting) }
        }
        // Dropped from the node (it holds what its store holds) and never sent.
        #expect(client.read { Self.transactions(in: map, of: $0) } == 1)
        try? await Task.sleep(for: .milliseconds(300))
        #expect(relay.withNode { Self.transactions(in: map, of: $0) } == 1)
        #expect(client.isSynced)

        failure.failing.store(false, ordering: .relaxed)
        try client.write { node in _ = try node.makeTransaction(in: map, changes: CoMapChanges.set("n", 3), privacy: .trusting) }
        #expect(await client.waitForSync(timeout: .seconds(10)))
        #expect(relay.withNode { Self.transactions(in: map, of: $0) } == 2)
    }
}
