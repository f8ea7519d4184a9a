import Synchronization
import JazzProto

/// Connecting a ``SyncClient`` and waiting on it, with failures as ``CaroError``s.
enum RelayConnection {
    /// How long a relay may take to accept the connection before it counts as unreachable.
    static let connectTimeout: Duration = .seconds(5)

    /// A client for `relay` (checked to be a `ws://` or `wss://` URL).
    static func client(node: sending LocalNode, storage: sending (any CoValueStorage)?, relay: String, caFile: String? = nil)
        throws(CaroError) -> SyncClient
    {
        guard !relay.isEmpty else {
            throw .failed("No relay is configured for sync: set one with caro config set relay URL (ws:// or wss://).")
        }
        guard relay.hasPrefix("ws://") || relay.hasPrefix("wss://") else {
            throw .invalidArgument("The relay URL must start with ws:// or wss:// (e.g. wss://cloud.jazz.tools/?key=you@example.com), not '\(relay)'.")
        }
        do {
            let client = try SyncClient(node: node, storage: storage, configuration: WebSocketClientConfiguration(
                url: relay, caCertificatePath: caFile, connectTimeout: connectTimeout))
            // Caro writes in a few large transactions per command: holding a push back until an earlier
            // one is acknowledged only delays it (measured: 115 ms instead of 16 ms per one-entry push).
            client.coalescesPushes = false
            return client
        } catch {
            throw .invalidArgument("Cannot use the relay URL \(relay): \(error)")
        }
    }

    /// Starts `client` and waits until it is connected; stops it and throws ``CaroError/relayUnreachable(_:)``
    /// if it is not within ``connectTimeout``.
    static func connect(_ client: SyncClient, relay: String) async throws(CaroError) {
        client.start()
        guard await client.wait(timeout: connectTimeout, until: { $0.isConnected }) else {
            let reason = client.lastDisconnectReason ?? "no answer"
            client.stop()
            throw .relayUnreachable("Cannot reach the relay \(relay) (\(reason)); check the URL and the network, then try again.")
        }
    }

    /// Waits until `condition` holds, else throws a timeout that names `step`.
    static func wait(_ client: SyncClient, timeout: Duration = .seconds(60), for step: String,
                     until condition: @Sendable @escaping (SyncClient) -> Bool) async throws(CaroError) {
        guard await client.wait(timeout: timeout, until: condition) else { throw waitFailure(client, timeout: timeout, step: step) }
    }

    /// ``wait(_:timeout:for:until:)`` for a thread that must not suspend (one inside a SQLite transaction).
    static func block(_ client: SyncClient, timeout: Duration, for step: String, until condition: (SyncClient) -> Bool) throws(CaroError) {
        guard client.waitBlocking(timeout: timeout, until: condition) else { throw waitFailure(client, timeout: timeout, step: step) }
    }

    /// Why a wait for the relay during `step` ended without its condition: the relay lost, or silent.
    static func waitFailure(_ client: SyncClient, timeout: Duration, step: String) -> CaroError {
        if !client.isConnected {
            return .relayUnreachable("Lost the relay while \(step) (\(client.lastDisconnectReason ?? "disconnected")); try again.")
        }
        return .failed("The relay did not answer within \(timeout.components.seconds) s while \(step); nothing was lost: try again.")
    }

    /// Waits until the relay acknowledged everything the client holds, asking again for what it has not
    /// confirmed (``SyncClient/reloadUnsynced()``).
    static func waitUntilSynced(_ client: SyncClient, step: String) async throws(CaroError) {
        // The condition is checked on every frame that arrives: ask again at most every 10 ms, as before.
        let lastAsked = Mutex(ContinuousClock.now - .seconds(1))
        try await wait(client, for: step) { client in
            if client.isSynced { return true }
            let now = ContinuousClock.now
            if lastAsked.withLock({ last in
                guard now - last >= .milliseconds(10) else { return false }
                last = now
                return true
            }) {
                client.reloadUnsynced()
            }
            return false
        }
    }
}
