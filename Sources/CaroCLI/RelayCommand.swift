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
            GET /health with "ok" (or 503 and the reason while storing fails). Stores what it receives in \
            SQLite (--db) or only in memory (--in-memory); content is acknowledged only once it is stored.

            Limits: the open-file soft limit is raised to the hard limit at start; at most --max-connections \
            connections are open at once (default: that limit minus \(FileDescriptorLimit.reserved)), further \
            clients wait and are accepted as others close. A frame (one WebSocket message, which may batch \
            several sync messages, one per line) may be up to --max-frame-mb; a larger one closes the \
            connection. A sync message over --max-message-mb is refused alone. A connection must send its \
            HTTP request within --handshake-timeout, and one that answers no WebSocket ping for \
            --idle-timeout is closed (a client that vanished). Content goes to \
            each connection as it reads (a few MiB queued at a time), so a CoValue of any size can be loaded \
            and a reader that stops costs no copy of it. Each connection's messages are handled in turns of \
            32, so one connection cannot hold the others back. The queue options below bound memory when \
            clients stop reading.
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

    @Option(name: .customLong("max-connections"),
            help: "Most connections open at once (default and maximum: the open-file limit minus \(FileDescriptorLimit.reserved)).")
    var maxConnections: Int?

    @Option(name: .customLong("max-frame-mb"),
            help: "Largest frame (one WebSocket message) in MiB; a larger one closes the connection (status 1009).")
    var maxFrameMB = 64

    @Option(name: .customLong("max-message-mb"),
            help: "Largest single sync message (one line of a frame) in MiB; a larger one is refused and logged, the rest of its frame is handled.")
    var maxMessageMB = 64

    @Option(name: .customLong("handshake-timeout"),
            help: "Seconds a new connection may take to send its whole HTTP request (WebSocket upgrade or GET /health) before it is closed.")
    var handshakeTimeout = 10

    @Option(name: .customLong("idle-timeout"),
            help: "Seconds after which a connection that answers no WebSocket ping is closed (it is pinged after half of it).")
    var idleTimeout = 60

    @Option(name: .customLong("queue-limit-mb"),
            help: "Queue size per connection in MiB: content is streamed ahead by a quarter of it at most, and a connection that reads nothing for --stall-timeout with that quarter (or more) queued is disconnected.")
    var queueLimitMB = 16

    @Option(name: .customLong("queue-hard-limit-mb"),
            help: "MiB queued for one connection that is never exceeded (it is disconnected at once).")
    var queueHardLimitMB = 128

    @Option(name: .customLong("total-queue-limit-mb"),
            help: "MiB queued over all connections above which streaming waits for the fullest queues and connections that stopped reading are disconnected, largest first.")
    var totalQueueLimitMB = 256

    @Option(name: .customLong("stall-timeout"), help: "Seconds a connection with a full queue may read nothing before it is disconnected.")
    var stallTimeout = 10

    func validate() throws {
        if let maxConnections, maxConnections < 1 {
            throw ValidationError("--max-connections must be at least 1, got \(maxConnections).")
        }
        for (name, value) in [("--queue-limit-mb", queueLimitMB), ("--queue-hard-limit-mb", queueHardLimitMB),
                              ("--total-queue-limit-mb", totalQueueLimitMB), ("--stall-timeout", stallTimeout)]
        where value <= 0 || value > 1 << 20 {
            throw ValidationError("\(name) must be a whole number from 1 to \(1 << 20), got \(value).")
        }
        for (name, value, range) in [("--max-frame-mb", maxFrameMB, 1...4096), ("--max-message-mb", maxMessageMB, 1...4096),
                                     ("--handshake-timeout", handshakeTimeout, 1...65535), ("--idle-timeout", idleTimeout, 2...65535)]
        where !range.contains(value) {
            throw ValidationError("\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), got \(value).")
        }
        guard queueHardLimitMB >= queueLimitMB else {
            throw ValidationError("--queue-hard-limit-mb (\(queueHardLimitMB)) must be at least --queue-limit-mb (\(queueLimitMB)).")
        }
    }

    /// The transport settings of the size, timeout and queue options.
    func applyLimits(to configuration: inout WebSocketServerConfiguration) {
        configuration.maxMessageBytes = maxFrameMB << 20
        configuration.handshakeTimeout = .seconds(handshakeTimeout)
        configuration.idleTimeout = .seconds(idleTimeout)
        configuration.maxQueuedBytesPerConnection = queueLimitMB << 20
        configuration.hardMaxQueuedBytesPerConnection = queueHardLimitMB << 20
        configuration.maxQueuedBytesTotal = totalQueueLimitMB << 20
        configuration.stalledConnectionTimeout = .seconds(stallTimeout)
    }

    func run() async throws {
        var storage: SQLiteCoValueStore?
        if !inMemory {
            try Self.failing { try RelayDatabasePath.prepareDirectory(of: db) }
            storage = try Self.failing { try SQLiteCoValueStore(path: db) }
        }
        FileDescriptorLimit.raiseSoftLimitToHard()
        var configuration = WebSocketServerConfiguration(
            host: host, port: port, tlsCertificatePath: tlsCertificate, tlsPrivateKeyPath: tlsKey)
        configuration.maxConnections = maxConnections
        applyLimits(to: &configuration)
        let relay = try Self.failing {
            try RelayServer(configuration: configuration, storage: storage, maxSyncMessageBytes: maxMessageMB << 20) { problem in
                CLIOutput.error(problem)
            }
        }
        let scheme = tlsCertificate == nil ? "ws" : "wss"
        // Written unbuffered: scripts and tests read the port from this line.
        CLIOutput.line("caro relay listening on \(scheme)://\(host):\(relay.port) (\(inMemory ? "in memory" : "storing in \(db)"))")
        await SignalWaiter.waitForTermination()
        relay.shutdown()
        CLIOutput.line("caro relay stopped")
    }
}

extension RelayCommand {
    /// Runs `body`; an error is a runtime failure, not a usage error: one line `caro: …` on standard
    /// error and exit status 1 (no usage text).
    static func failing<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            CLIOutput.error("\(error)")
            throw ExitCode.failure
        }
    }
}

/// Why the relay's `--db` path cannot be used.
enum RelayDatabasePath: Error, CustomStringConvertible {
    case notADirectory(path: String, file: String)
    case cannotCreate(directory: String, reason: String)

    var description: String {
        switch self {
        case .notADirectory(let path, let file):
            return "cannot use --db \(path): \(file) is a file, not a directory; choose a database path inside a directory."
        case .cannotCreate(let directory, let reason):
            return "cannot create the directory \(directory) for --db (\(reason)); check that you may write to its parent."
        }
    }

    /// Creates the directory of `path` if needed, with one clear sentence if that is impossible.
    static func prepareDirectory(of path: String) throws(RelayDatabasePath) {
        let directory = (path as NSString).deletingLastPathComponent
        guard !directory.isEmpty else { return }
        // The nearest existing ancestor must be a directory.
        var ancestor = directory
        var isDirectory: ObjCBool = false
        while !FileManager.default.fileExists(atPath: ancestor, isDirectory: &isDirectory) {
            let parent = (ancestor as NSString).deletingLastPathComponent
            if parent.isEmpty || parent == ancestor { break }
            ancestor = parent
        }
        if FileManager.default.fileExists(atPath: ancestor, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw .notADirectory(path: path, file: ancestor)
        }
        if ancestor == directory { return }
        if mkdirParents(directory) != 0 {
            throw .cannotCreate(directory: directory, reason: String(cString: strerror(errno)))
        }
    }

    /// `mkdir -p`; 0 on success, else -1 with `errno` set.
    private static func mkdirParents(_ directory: String) -> Int32 {
        let parent = (directory as NSString).deletingLastPathComponent
        if !parent.isEmpty && parent != directory && !FileManager.default.fileExists(atPath: parent) {
            if mkdirParents(parent) != 0 { return -1 }
        }
        if mkdir(directory, 0o755) == 0 || errno == EEXIST { return 0 }
        return -1
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
