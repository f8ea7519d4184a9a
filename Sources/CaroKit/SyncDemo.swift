import CaroStore
import Foundation
import JazzProto

/// The embedded end-to-end demo (`caro demo`): a local relay and two device homes of one identity,
/// syncing encrypted command history through it.
public struct SyncDemo: Sendable {
    /// One line of demo output.
    public typealias Report = @Sendable (String) -> Void

    public init() {}

    /// Runs the demo in `workDirectory` (created if needed): relay on 127.0.0.1 (free port), device A and
    /// device B each with their own SQLite store. Returns the history both devices ended with.
    public func run(workDirectory: String, report: Report) async throws -> (deviceA: [String], deviceB: [String]) {
        try FileManager.default.createDirectory(atPath: workDirectory, withIntermediateDirectories: true)
        let relayStore = try SQLiteCoValueStore(path: workDirectory + "/relay.db")
        let relay = try RelayServer(configuration: WebSocketServerConfiguration(host: "127.0.0.1", port: 0), storage: relayStore)
        defer { relay.shutdown() }
        let url = "ws://127.0.0.1:\(relay.port)"
        report("relay listening on \(url) (storing in \(workDirectory)/relay.db)")

        let identity = try JazzIdentity(secretSeed: SecureRandom.bytes(32))
        report("new identity; recovery phrase (shown once): \(identity.phrase)")
        report("account \(identity.accountID)")

        // Device A: creates the account, a private group, and the history feed referenced from the account root.
        let nodeA = try LocalNode.createAccount(agentSecret: identity.agentSecret)
        let deviceA = try SyncClient(node: nodeA, storage: try SQLiteCoValueStore(path: workDirectory + "/device-a.db"),
                                     configuration: WebSocketClientConfiguration(url: url))
        deviceA.start()
        defer { deviceA.stop() }
        let feedID = try deviceA.write { node -> CoID in
            let group = try node.createGroup()
            let feed = try node.createValue(type: "costream", owner: group)
            let root = try node.createValue(type: "comap", owner: group)
            try node.makeTransaction(in: root, changes: CoMapChanges.set("history", .string(feed.description)), privacy: .private)
            try node.setGroupKey(identity.accountID, key: "root", value: .string(root.description))
            for command in ["ls -la", "git status", "swift build -c release"] {
                try node.makeTransaction(in: feed, changes: CoStreamChanges.push(.string(command)), privacy: .private)
            }
            return feed
        }
        guard await deviceA.waitForSync(timeout: .seconds(20)) else { throw DemoError.timeout("device A uploading") }
        report("device A stored 3 commands and the relay acknowledged them")

        // Device B: only the recovery phrase. It finds the account, its root, and the history.
        let phraseOnB = identity.phrase
        let identityB = try JazzIdentity(phrase: phraseOnB)
        let nodeB = LocalNode(agentSecret: identityB.agentSecret, accountID: identityB.accountID)
        let deviceB = try SyncClient(node: nodeB, storage: try SQLiteCoValueStore(path: workDirectory + "/device-b.db"),
                                     configuration: WebSocketClientConfiguration(url: url))
        deviceB.start()
        defer { deviceB.stop() }
        let started = ContinuousClock.now
        deviceB.load(identityB.accountID)
        guard await deviceB.wait(timeout: .seconds(20), until: { $0.read { $0.isCompletelyLoaded(identityB.accountID) } }) else {
            throw DemoError.timeout("device B loading the account")
        }
        let rootID = try deviceB.read { node -> CoID in
            guard let root = node.view(of: identityB.accountID)?["root"]?.stringValue else { throw DemoError.missing("account root") }
            return try CoID(root)
        }
        deviceB.load(rootID)
        guard await deviceB.wait(timeout: .seconds(20), until: { $0.read { $0.isCompletelyLoaded(rootID) } }) else {
            throw DemoError.timeout("device B loading the root")
        }
        let historyID = try deviceB.read { node -> CoID in
            guard let history = node.view(of: rootID)?["history"]?.stringValue else { throw DemoError.missing("history") }
            return try CoID(history)
        }
        deviceB.load(historyID)
        guard await deviceB.wait(timeout: .seconds(20), until: { $0.read { Self.history($0, historyID).count == 3 } }) else {
            throw DemoError.timeout("device B loading the history")
        }
        report("device B (phrase only) restored the history in \(ContinuousClock.now - started): \(deviceB.read { Self.history($0, historyID) })")

        // Device B adds a command; device A sees it live.
        try deviceB.write { node in
            _ = try? node.makeTransaction(in: historyID, changes: CoStreamChanges.push("caro sync status"), privacy: .private)
        }
        guard await deviceA.wait(timeout: .seconds(20), until: { $0.read { Self.history($0, feedID).count == 4 } }) else {
            throw DemoError.timeout("device A receiving device B's command")
        }
        let finalA = deviceA.read { Self.history($0, feedID) }
        let finalB = deviceB.read { Self.history($0, historyID) }
        report("device A now shows: \(finalA)")
        report(finalA.sorted() == finalB.sorted() ? "both devices agree" : "devices DISAGREE")
        return (finalA, finalB)
    }

    /// All history items of a feed, oldest first.
    static func history(_ node: LocalNode, _ feed: CoID) -> [String] {
        CoStreamState(transactions: node.decodedTransactions(of: feed)).allItems
            .sorted { ($0.madeAt, $0.txID.sessionID, $0.txID.txIndex) < ($1.madeAt, $1.txID.sessionID, $1.txID.txIndex) }
            .compactMap { $0.value.stringValue }
    }
}

/// Why the demo stopped.
public enum DemoError: Error, CustomStringConvertible {
    case timeout(String)
    case missing(String)

    public var description: String {
        switch self {
        case .timeout(let step): return "Timed out while \(step); is something blocking 127.0.0.1?"
        case .missing(let what): return "The synced account has no \(what)."
        }
    }
}
