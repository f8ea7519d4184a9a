import Foundation

/// Runs a program other than `caro` (a shell, `script`, `caro` under another `argv[0]`) and returns its exit
/// status and standard output (standard error is dropped).
enum ExternalProcess {
    static func run(_ executable: String, _ arguments: [String], argv0: String? = nil, environment: [String: String?] = [:],
                    currentDirectory: String? = nil) throws -> (status: Int32, stdout: String) {
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        let process = Process()
        // bash's `exec -a` sets argv[0].
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", #"name=$1; shift; exec -a "$name" "$@""#, "bash", argv0 ?? executable, executable] + arguments
        process.environment = env
        if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
