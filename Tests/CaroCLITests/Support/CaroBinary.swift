import Foundation

/// Runs the built `caro` binary (built by `swift build --build-tests`, like the test bundle), as a user would.
enum CaroBinary {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The `caro` executable next to the test bundle (same build folder and configuration).
    static var url: URL {
        let bundleDirectory = Bundle.main.bundleURL.deletingLastPathComponent()
        let candidates = [bundleDirectory.appendingPathComponent("caro"),
                          packageRoot.appendingPathComponent(".build/debug/caro")]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }

    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// Runs `caro arguments…` with `environment` added to (or, for a nil value, removed from) this
    /// process's environment, feeding `stdin` (empty when nil), and waits for it.
    static func run(_ arguments: [String], stdin: String? = nil, environment: [String: String?] = [:],
                    currentDirectory: String? = nil) throws -> Result {
        try runProgram(url.path, arguments, stdin: stdin, environment: environment, currentDirectory: currentDirectory)
    }

    /// Runs any program the same way (a shell loading completions, `script` for a terminal).
    static func runProgram(_ executable: String, _ arguments: [String], stdin: String? = nil, environment: [String: String?] = [:],
                           currentDirectory: String? = nil) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        let out = Pipe()
        let err = Pipe()
        let input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        // Read both pipes while the process runs, so a large output cannot fill a pipe and stall it.
        let group = DispatchGroup()
        nonisolated(unsafe) var outData = Data()
        nonisolated(unsafe) var errData = Data()
        DispatchQueue.global().async(group: group) { outData = out.fileHandleForReading.readDataToEndOfFile() }
        DispatchQueue.global().async(group: group) { errData = err.fileHandleForReading.readDataToEndOfFile() }
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        group.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }
}

/// A fresh, empty device home for one test (`--home DIR`), removed when the test drops it.
final class TemporaryHome {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("caro-home-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Runs `caro --home <this home> arguments…`.
    func caro(_ arguments: String..., stdin: String? = nil, environment: [String: String?] = [:],
              currentDirectory: String? = nil) throws -> CaroBinary.Result {
        try CaroBinary.run(["--home", path] + arguments, stdin: stdin, environment: environment,
                           currentDirectory: currentDirectory)
    }

    /// Runs `caro --home <this home>` with an argument array (for built-up argument lists).
    func caro(arguments: [String], stdin: String? = nil, environment: [String: String?] = [:],
              currentDirectory: String? = nil) throws -> CaroBinary.Result {
        try CaroBinary.run(["--home", path] + arguments, stdin: stdin, environment: environment,
                           currentDirectory: currentDirectory)
    }
}
