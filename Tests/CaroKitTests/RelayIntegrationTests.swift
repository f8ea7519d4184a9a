import CaroStore
import Foundation
import JazzProto
import Testing

/// Real WebSockets on 127.0.0.1: our relay, our clients, SQLite stores. Each test starts and stops
/// what it uses.
@Suite("Relay and clients over WebSockets", .serialized)
struct RelayIntegrationTests {
    static let timeout = Duration.seconds(15)

    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("caro-it-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func client(_ node: sending LocalNode, port: Int, storage: sending (any CoValueStorage)? = nil) throws -> SyncClient {
        var configuration = WebSocketClientConfiguration(url: "ws://127.0.0.1:\(port)/?key=test@example.com")
        configuration.reconnect = ReconnectPolicy(baseDelay: .milliseconds(50), maxDelay: .milliseconds(300))
        let client = try SyncClient(node: node, storage: storage, configuration: configuration)
        client.start()
        return client
    }

    /// Every CoValue type, created on device A.
    struct Values: Sendable {
        var group: CoID
        var map: CoID
        var list: CoID
        var feed: CoID
        var text: CoID
        var binary: CoID
        var all: [CoID] { [group, map, list, feed, text, binary] }
    }

    static func createEverything(on node: LocalNode) throws -> Values {
        let group = try node.createGroup()
        let map = try node.createValue(type: "comap", owner: group)
        try node.makeTransaction(in: map, changes: CoMapChanges.assign([("title", "hello"), ("n", 1)]), privacy: .private)
        let list = try node.createValue(type: "colist", owner: group)
        try node.makeTransaction(in: list, changes: try CoListChanges.append(["a", "b"], in: CoListState()), privacy: .private)
        let feed = try node.createValue(type: "costream", owner: group)
        try node.makeTransaction(in: feed, changes: CoStreamChanges.push(["cmd": "ls"]), privacy: .private)
        let text = try node.createValue(type: "coplaintext", owner: group)
        for changes in try CoPlainTextChanges.insertAfter(0, "héllo 👋🏽", in: CoPlainTextState(), firstTxID: TransactionID(sessionID: node.sessionID, txIndex: 0), madeAt: 0) {
            try node.makeTransaction(in: text, changes: changes, privacy: .private)
        }
        let binary = try node.createValue(type: "costream", owner: group, meta: ["type": "binary"])
        for changes in BinaryStreamChanges.file(Array(0..<200), mimeType: "application/octet-stream", fileName: "x.bin", chunkSize: 64) {
            try node.makeTransaction(in: binary, changes: changes, privacy: .private)
        }
        return Values(group: group, map: map, list: list, feed: feed, text: text, binary: binary)
    }

    static func views(_ client: SyncClient, _ ids: [CoID]) -> [JSONValue?] {
        client.read { node in ids.map { node.view(of: $0) } }
    }

    @Test func everyTypeSyncsBothWaysBetweenTwoDevices() async throws {
        let relay = try RelayServer(configuration: WebSocketServerConfiguration(host: "127.0.0.1", port: 0), storage: nil)
        defer { relay.shutdown() }
        let identity = try JazzIdentity(secretSeed: SecureRandom.bytes(32))
        let deviceA = try Self.client(try LocalNode.createAccount(agentSecret: identity.agentSecret), port: relay.port)
        defer { deviceA.stop() }
        let values = try deviceA.write { try Self.createEverything(on: $0) }
        #expect(await deviceA.waitForSync(timeout: Self.timeout))

        let deviceB = try Self.client(LocalNode(agentSecret: identity.agentSecret, accountID: identity.accountID), port: relay.port)
        defer { deviceB.stop() }
        for id in values.all { deviceB.load(id) }
        #expect(await deviceB.wait(timeout: Self.timeout) { client in client.read { node in values.all.allSatisfy(node.isCompletelyLoaded) } })
        #expect(Self.views(deviceB, values.all) == Self.views(deviceA, values.all))
        #expect(deviceB.read { $0.view(of: values.text) } == .string("héllo 👋🏽"))

        // B writes to every type; A (subscribed) sees it.
        try deviceB.write { node in
            try node.makeTransaction(in: values.map, changes: CoMapChanges.set("fromB", true), privacy: .private)
            let list = CoListState(transactions: node.decodedTransactions(of: values.list))
            try node.makeTransaction(in: values.list, changes: try CoListChanges.append(["c"], in: list), privacy: .private)
            try node.makeTransaction(in: values.feed, changes: CoStreamChanges.push(["cmd": "pwd"]), privacy: .private)
        }
        #expect(await deviceA.wait(timeout: Self.timeout) { client in
            Self.views(client, values.all) == Self.views(deviceB, values.all)
        })
        #expect(deviceA.read { $0.view(of: values.list) } == ["a", "b", "c"])
    }

    @Test func relayRestartWithDatabaseLosesNothingAndDuplicatesNothing() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var relay: RelayServer? = try RelayServer(
            configuration: WebSocketServerConfiguration(host: "127.0.0.1", port: 0),
            storage: try SQLiteCoValueStore(path: directory + "/relay.db"))
        let port = relay!.port
        let identity = try JazzIdentity(secretSeed: SecureRandom.bytes(32))
        let deviceA = try Self.client(try LocalNode.createAccount(agentSecret: identity.agentSecret), port: port)
        defer { deviceA.stop() }
        let values = try deviceA.write { try Self.createEverything(on: $0) }
        #expect(await deviceA.waitForSync(timeout: Self.timeout))

        relay?.shutdown()
        relay = nil
        // While the relay is down, A keeps writing.
        try deviceA.write { node in
            try node.makeTransaction(in: values.map, changes: CoMapChanges.set("offline", "yes"), privacy: .private)
        }
        relay = try RelayServer(configuration: WebSocketServerConfiguration(host: "127.0.0.1", port: port),
                                storage: try SQLiteCoValueStore(path: directory + "/relay.db"))
        defer { relay?.shutdown() }
        #expect(await deviceA.wait(timeout: Self.timeout) { $0.isConnected && $0.isSynced })
        let relayCounts = relay!.withNode { node in values.all.map { node.knownState(of: $0) } }
        let deviceCounts = deviceA.read { node in values.all.map { node.knownState(of: $0) } }
        #expect(relayCounts.map(\.sessions) == deviceCounts.map(\.sessions))

        // A fresh device gets exactly the same data from the restarted relay.
        let deviceB = try Self.client(LocalNode(agentSecret: identity.agentSecret, accountID: identity.accountID), port: port)
        defer { deviceB.stop() }
        for id in values.all { deviceB.load(id) }
        #expect(await deviceB.wait(timeout: Self.timeout) { client in client.read { node in values.all.allSatisfy(node.isCompletelyLoaded) } })
        #expect(Self.views(deviceB, values.all) == Self.views(deviceA, values.all))
        #expect(deviceB.read { $0.view(of: values.map)?["offline"] } == "yes")
    }

    @Test func aClientStoppedMidSyncResumesFromItsStore() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let relay = try RelayServer(configuration: WebSocketServerConfiguration(host: "127.0.0.1", port: 0), storage: nil)
        defer { relay.shutdown() }
        let identity = try JazzIdentity(secretSeed: SecureRandom.bytes(32))

        // First run: the device writes while the relay is unreachable (wrong port), then "dies".
        var values: Values?
        do {
            let offline = try Self.client(try LocalNode.createAccount(agentSecret: identity.agentSecret), port: 1,
                                          storage: try SQLiteCoValueStore(path: directory + "/device.db"))
            values = try offline.write { try Self.createEverything(on: $0) }
            offline.stop()
        }
        // Second run: a new process (new node, new session) resumes from the store and uploads everything.
        let resumed = try Self.client(LocalNode(agentSecret: identity.agentSecret, accountID: identity.accountID),
                                      port: relay.port, storage: try SQLiteCoValueStore(path: directory + "/device.db"))
        defer { resumed.stop() }
        let ids = try #require(values).all
        #expect(resumed.read { node in ids.allSatisfy(node.hasContent) })
        #expect(await resumed.waitForSync(timeout: Self.timeout))
        let relayViews = relay.withNode { node in ids.map { node.knownState(of: $0) } }
        #expect(relayViews == resumed.read { node in ids.map { node.knownState(of: $0) } })
    }
}
