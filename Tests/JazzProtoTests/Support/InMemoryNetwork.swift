@testable import JazzProto

/// Connects sync managers in memory: every sent message is queued and delivered in order by `run()`.
/// Lets protocol tests run deterministically without sockets.
final class InMemoryNetwork {
    struct Envelope {
        let from: String
        let to: String
        let message: SyncMessage
    }

    private(set) var managers: [String: SyncManager] = [:]
    private var queue: [Envelope] = []
    /// Every message delivered, in order (for assertions on the conversation).
    private(set) var transcript: [Envelope] = []
    /// Links that are down: messages over them are dropped.
    var disconnected: Set<Set<String>> = []

    /// Adds a node under a name.
    @discardableResult
    func add(_ name: String, node: LocalNode, storage: (any CoValueStorage)? = nil) -> SyncManager {
        let manager = SyncManager(node: node, storage: storage) { [unowned self] peer, message in
            queue.append(Envelope(from: name, to: peer.value, message: message))
        }
        managers[name] = manager
        return manager
    }

    /// Connects a client to a relay (the client sees a server, the relay a client).
    func connect(client: String, relay: String) {
        disconnected.remove([client, relay])
        managers[relay]?.addPeer(PeerID(client), role: .client)
        managers[client]?.addPeer(PeerID(relay), role: .server)
    }

    /// A relay named `relay` (a node of its own) with every one of `clients` connected to it, settled.
    static func relayed(_ clients: [(String, LocalNode)]) -> InMemoryNetwork {
        let network = InMemoryNetwork()
        network.add("relay", node: LocalNode(agentSecret: .random(), accountID: nil))
        for (name, node) in clients { network.add(name, node: node) }
        for (name, _) in clients { network.connect(client: name, relay: "relay") }
        network.run()
        return network
    }

    /// Tells `name`'s sync manager about `node`'s local writes and delivers everything.
    func sync(_ name: String, _ node: LocalNode) {
        for (id, before) in node.takeLocalChanges() { managers[name]!.localChange(id, persistSince: before) }
        run()
    }

    func disconnect(_ a: String, _ b: String) {
        disconnected.insert([a, b])
        managers[a]?.removePeer(PeerID(b))
        managers[b]?.removePeer(PeerID(a))
        queue.removeAll { Set([$0.from, $0.to]) == Set([a, b]) }
    }

    /// Messages sent but not delivered yet, in order.
    var pending: [Envelope] { queue }

    /// Delivers queued messages until none are left (bounded, so a ping-pong bug fails instead of hanging).
    @discardableResult
    func run(limit: Int = 100_000) -> Int {
        var delivered = 0
        while deliverNext() {
            delivered += 1
            precondition(delivered < limit, "sync did not settle after \(limit) messages")
        }
        return delivered
    }

    /// Delivers the next queued message over a link that is up; false when there is none.
    @discardableResult
    func deliverNext() -> Bool {
        while !queue.isEmpty {
            let envelope = queue.removeFirst()
            guard !disconnected.contains([envelope.from, envelope.to]) else { continue }
            // Every message travels as text, like on the wire.
            let decoded = try! SyncMessage(text: envelope.message.text)
            transcript.append(Envelope(from: envelope.from, to: envelope.to, message: decoded))
            managers[envelope.to]?.handle(decoded, from: PeerID(envelope.from))
            return true
        }
        return false
    }
}
