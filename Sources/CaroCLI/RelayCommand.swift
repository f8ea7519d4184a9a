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
            clients wait and are accepted as others close. A message may be at most 64 MiB; a client with \
            over 16 MiB waiting to be sent that reads nothing for 10 s is disconnected.
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

    func validate() throws {
        if let maxConnections, maxConnections < 1 {
            throw ValidationError("--max-connections must be at least 1, got \(maxConnections).")
        }
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
        let relay = try Self.failing {
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
