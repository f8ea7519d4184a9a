import Foundation
import Glibc
import Synchronization
@testable import JazzProto

/// Records server events; optionally reacts to text frames.
final class RecordingServerDelegate: WebSocketServerDelegate {
    struct Opened: Sendable {
        let id: ConnectionID
        let remoteAddress: String
        let path: String
    }

    typealias TextHandler = @Sendable (_ server: WebSocketServer, _ id: ConnectionID, _ frame: String) -> Void

    private struct State {
        var server: WebSocketServer?
        var opened: [Opened] = []
        var frames: [(ConnectionID, String)] = []
        var closed: [ConnectionID] = []
    }

    private let state = Mutex(State())
    private let onText: TextHandler?
    private let onOpen: (@Sendable (WebSocketServer, ConnectionID) -> Void)?

    init(onText: TextHandler? = nil, onOpen: (@Sendable (WebSocketServer, ConnectionID) -> Void)? = nil) {
        self.onOpen = onOpen
        self.onText = onText
    }

    /// An echo server: every frame goes back to its sender unchanged.
    static func echo() -> RecordingServerDelegate {
        RecordingServerDelegate { server, id, frame in server.send(frame, to: id) }
    }

    func attach(_ server: WebSocketServer) { state.withLock { $0.server = server } }
    func detach() { state.withLock { $0.server = nil } }

    var opened: [Opened] { state.withLock { $0.opened } }
    var frames: [(ConnectionID, String)] { state.withLock { $0.frames } }
    var closed: [ConnectionID] { state.withLock { $0.closed } }

    func connectionOpened(_ id: ConnectionID, remoteAddress: String, path: String) {
        let server = state.withLock { state in
            state.opened.append(Opened(id: id, remoteAddress: remoteAddress, path: path))
            return state.server
        }
        if let server, let onOpen { onOpen(server, id) }
    }

    func connection(_ id: ConnectionID, receivedText frame: String) {
        let server = state.withLock { state in
            state.frames.append((id, frame))
            return state.server
        }
        if let server, let onText { onText(server, id, frame) }
    }

    func connectionClosed(_ id: ConnectionID) {
        state.withLock { $0.closed.append(id) }
    }
}

/// Records client events.
final class RecordingClientDelegate: WebSocketClientDelegate {
    private struct State {
        var connects = 0
        var frames: [String] = []
        var disconnects: [String] = []
    }

    private let state = Mutex(State())
    private let onConnect: (@Sendable () -> Void)?

    init(onConnect: (@Sendable () -> Void)? = nil) {
        self.onConnect = onConnect
    }

    var connects: Int { state.withLock { $0.connects } }
    var frames: [String] { state.withLock { $0.frames } }
    var disconnects: [String] { state.withLock { $0.disconnects } }
    /// All messages of all frames, split like Jazz does.
    var messages: [String] { frames.flatMap { JazzFraming.split($0).map(String.init) } }

    func clientConnected() {
        state.withLock { $0.connects += 1 }
        onConnect?()
    }

    func client(receivedText frame: String) {
        state.withLock { $0.frames.append(frame) }
    }

    func clientDisconnected(reason: String) {
        state.withLock { $0.disconnects.append(reason) }
    }
}

/// Polls `condition` until it holds or `timeout` passes.
func waitUntil(
    _ timeout: Duration = .seconds(5), _ condition: @Sendable () -> Bool
) async -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(2))
    }
    return condition()
}

/// A test server on 127.0.0.1 with a free port.
func makeServer(
    _ delegate: RecordingServerDelegate,
    pingInterval: Duration? = nil,
    port: Int = 0,
    configure: (inout WebSocketServerConfiguration) -> Void = { _ in }
) throws -> WebSocketServer {
    _ = debugLogInstalled
    var configuration = WebSocketServerConfiguration(host: "127.0.0.1", port: port, pingInterval: pingInterval)
    configure(&configuration)
    let server = try WebSocketServer(configuration: configuration, delegate: delegate)
    delegate.attach(server)
    return server
}

func makeClient(
    _ url: String,
    _ delegate: RecordingClientDelegate,
    configure: (inout WebSocketClientConfiguration) -> Void = { _ in }
) throws -> WebSocketClient {
    _ = debugLogInstalled
    var configuration = WebSocketClientConfiguration(url: url, reconnect: .disabled)
    configure(&configuration)
    return try WebSocketClient(configuration: configuration, delegate: delegate)
}

/// A blocking TCP socket to 127.0.0.1 for raw HTTP / WebSocket tests.
final class RawSocket {
    let fd: Int32

    init(port: Int, address: String = "127.0.0.1", receiveBuffer: Int32? = nil) throws {
        // The descriptor is stored only once connected: deinit runs even when init throws,
        // and closing a descriptor twice could close one another thread just opened.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RawSocketError.failed("socket") }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var socketAddress = sockaddr_in()
        socketAddress.sin_family = sa_family_t(AF_INET)
        socketAddress.sin_port = in_port_t(UInt16(port).bigEndian)
        socketAddress.sin_addr.s_addr = inet_addr(address)
        let result = withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw RawSocketError.failed("connect: \(reason)")
        }
        self.fd = fd
    }

    deinit { close(fd) }

    func send(_ text: String) throws {
        try send(bytes: Array(text.utf8))
    }

    func send(bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) }
            guard written > 0 else { throw RawSocketError.failed("send") }
            offset += written
        }
    }

    /// Reads until the peer closes, `stop` matches, or the 5 s receive timeout.
    func receive(until stop: (String) -> Bool = { _ in false }) -> String {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            data += buffer[0..<count]
            if stop(String(decoding: data, as: UTF8.self)) { break }
        }
        return String(decoding: data, as: UTF8.self)
    }
}

/// A TCP port on 127.0.0.1 that is bound but not listening: connecting to it is refused.
final class ReservedPort {
    let fd: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RawSocketError.failed("socket") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else {
            close(fd)
            throw RawSocketError.failed("bind")
        }
        self.fd = fd
        self.port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(fd) }
}

/// A TCP port on 127.0.0.1 that accepts connections (the kernel completes them) and never answers: a
/// server that hangs before the WebSocket upgrade.
final class SilentListener {
    let fd: Int32
    let port: Int

    init() throws {
        let reserved = try ReservedPort()
        guard listen(reserved.fd, 16) == 0 else { throw RawSocketError.failed("listen") }
        // The listening descriptor moves here; the ReservedPort must not close it.
        fd = dup(reserved.fd)
        port = reserved.port
        guard fd >= 0 else { throw RawSocketError.failed("dup") }
    }

    deinit { close(fd) }
}

enum RawSocketError: Error {
    case failed(String)
}

/// A throwaway CA and a server certificate for localhost / 127.0.0.1, made with the openssl CLI.
struct TestCertificates {
    let directory: URL
    var caPath: String { directory.appendingPathComponent("ca.pem").path }
    var certificatePath: String { directory.appendingPathComponent("server.pem").path }
    var keyPath: String { directory.appendingPathComponent("server.key").path }

    static func make(subjectAltNames: String = "DNS:localhost,IP:127.0.0.1") throws -> TestCertificates {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("jazz-transport-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificates = TestCertificates(directory: directory)
        let extensions = directory.appendingPathComponent("server.ext")
        try """
        basicConstraints=CA:FALSE
        keyUsage=critical,digitalSignature,keyEncipherment
        extendedKeyUsage=serverAuth
        subjectAltName=\(subjectAltNames)
        """.write(to: extensions, atomically: true, encoding: .utf8)
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try openssl(["req", "-x509"] + ec + [
            "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Jazz Transport Test CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ], in: directory)
        try openssl(["req"] + ec + ["-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"],
                    in: directory)
        try openssl([
            "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.pem", "-days", "2", "-extfile", "server.ext",
        ], in: directory)
        return certificates
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }

    private static func openssl(_ arguments: [String], in directory: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw RawSocketError.failed("openssl \(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
        }
    }
}
