import ArgumentParser
import CaroStore
import Foundation
import JazzProto
import Synchronization

/// `caro relay`: a self-hosted Jazz sync relay, equivalent to `jazz-run sync`.
struct RelayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relay",
        abstract: "Run a Jazz sync relay (like `jazz-run sync`) that caro and real Jazz JS clients can use.",
        discussion: """
            Accepts WebSocket connections on any path (the query, e.g. ?key=…, is ignored) and answers \
            GET /health with "ok". Stores what it receives in SQLite (--db) or only in memory (--in-memory).
            """)

    @Option(help: "Interface to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0 picks a free one).")
    var port = 4200

    @Option(help: "SQLite database file.")
    var db = "sync-db/storage.db"

    @Flag(name: .customLong("in-memory"), help: "Keep everything in memory (nothing survives a restart).")
    var inMemory = false

    @Option(name: .customLong("tls-cert"), help: "PEM certificate chain, to serve wss:// directly.")
    var tlsCertificate: String?

    @Option(name: .customLong("tls-key"), help: "PEM private key of --tls-cert.")
    var tlsKey: String?

    func run() async throws {
        var storage: SQLiteCoValueStore?
        if !inMemory {
            let directory = (db as NSString).deletingLastPathComponent
            if !directory.isEmpty {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
            storage = try CLIErrors.map { try SQLiteCoValueStore(path: db) }
        }
        let configuration = WebSocketServerConfiguration(
            host: host, port: port, tlsCertificatePath: tlsCertificate, tlsPrivateKeyPath: tlsKey)
        let relay = try CLIErrors.map {
            try RelayServer(configuration: configuration, storage: storage) { problem in CLIOutput.error(problem) }
        }
        let scheme = tlsCertificate == nil ? "ws" : "wss"
        // Written unbuffered: scripts and tests read the port from this line.
        CLIOutput.line("caro relay listening on \(scheme)://\(host):\(relay.port) (\(inMemory ? "in memory" : "storing in \(db)"))")
        await SignalWaiter.waitForTermination()
        relay.shutdown()
        CLIOutput.line("caro relay stopped")
    }
}

/// Set by the SIGINT/SIGTERM handler.
let terminationRequested = Atomic<Bool>(false)

/// Waits for SIGINT or SIGTERM.
enum SignalWaiter {
    static func waitForTermination() async {
        signal(SIGINT) { _ in terminationRequested.store(true, ordering: .relaxed) }
        signal(SIGTERM) { _ in terminationRequested.store(true, ordering: .relaxed) }
        while !terminationRequested.load(ordering: .relaxed) {
            try? await Task.sleep(for: .milliseconds(100))
        }
    }
}
