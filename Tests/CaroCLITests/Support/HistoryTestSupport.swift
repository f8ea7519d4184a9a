import Foundation
import JazzProto
import Testing

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// Helpers for the history end-to-end tests: JSON decoding of `caro` output, entry shortcuts, files of a home.
extension CaroBinary.Result {
    /// Standard output parsed as JSON (the whole output is one JSON value).
    func json(sourceLocation: SourceLocation = #_sourceLocation) throws -> JSONValue {
        do {
            return try JSONValue(parsing: stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        } catch {
            Issue.record("stdout is not JSON: \(stdout.prefix(500)) (stderr: \(stderr.prefix(500)))", sourceLocation: sourceLocation)
            throw error
        }
    }

    /// Standard output parsed as a JSON array of entries.
    func entries(sourceLocation: SourceLocation = #_sourceLocation) throws -> [JSONValue] {
        let value = try json(sourceLocation: sourceLocation)
        return try #require(value.arrayValue, "expected a JSON array, got \(stdout.prefix(300))", sourceLocation: sourceLocation)
    }

    /// The `command` of each entry of a JSON array output, in order.
    func commands(sourceLocation: SourceLocation = #_sourceLocation) throws -> [String] {
        try entries(sourceLocation: sourceLocation).map { $0["command"]?.stringValue ?? "<no command>" }
    }

    /// The non-empty lines of standard error.
    var errorLines: [String] {
        stderr.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
    }

    /// True when this output shows a crash rather than a handled error.
    var looksLikeACrash: Bool {
        let markers = ["Fatal error", "Stack dump", "Segmentation fault", "Illegal instruction", "Current stack trace",
                       "💣", "Unexpectedly found nil", "SIGILL", "SIGSEGV", "SIGTRAP"]
        return status >= 128 || markers.contains { stderr.contains($0) || stdout.contains($0) }
    }
}

/// Assertions shared by the bad-input tests.
enum Expect {
    /// A handled failure: non-zero exit, no crash, nothing on stdout, a short clear message on stderr
    /// (`singleLine`: exactly one non-empty line, as runtime errors must be; usage errors may add usage lines).
    static func cleanFailure(_ result: CaroBinary.Result, singleLine: Bool = true, mentioning words: [String] = [],
                             sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status != 0, "expected a failure, got exit 0: \(result.stdout.prefix(300))", sourceLocation: sourceLocation)
        #expect(!result.looksLikeACrash, "crashed (status \(result.status)): \(result.stderr.prefix(800))", sourceLocation: sourceLocation)
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty,
                "stdout must carry only results, got: \(result.stdout.prefix(300))", sourceLocation: sourceLocation)
        let lines = result.errorLines
        #expect(!lines.isEmpty, "no message on stderr", sourceLocation: sourceLocation)
        if let first = lines.first {
            #expect(first.count >= 15 && first.count <= 400, "not one clear sentence: \(first)", sourceLocation: sourceLocation)
        }
        if singleLine {
            #expect(lines.count == 1, "expected one line on stderr, got \(lines.count): \(result.stderr.prefix(800))",
                    sourceLocation: sourceLocation)
        }
        for word in words {
            #expect(result.stderr.localizedCaseInsensitiveContains(word), "stderr should mention \"\(word)\": \(result.stderr.prefix(500))",
                    sourceLocation: sourceLocation)
        }
    }

    /// A successful run (exit 0), with stderr shown when it is not.
    static func success(_ result: CaroBinary.Result, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == 0, "exit \(result.status): \(result.stderr.prefix(800))", sourceLocation: sourceLocation)
    }
}

/// UUID and timestamp formats the entry JSON promises.
enum Formats {
    static let uuid = #"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"#
    static let createdAt = #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"#

    static func matches(_ text: String, _ pattern: String) -> Bool {
        text.range(of: pattern, options: .regularExpression) != nil
    }

    /// The Unix time in milliseconds a UUIDv7 carries in its first 48 bits.
    static func uuidV7Milliseconds(_ id: String) -> Int64? {
        let hex = id.replacingOccurrences(of: "-", with: "").prefix(12)
        return Int64(hex, radix: 16)
    }

    /// ISO 8601 with milliseconds, UTC (`2026-01-02T03:04:05.678Z`), as `--at` takes it.
    static func iso(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}

extension TemporaryHome {
    /// `caro history add --command C extra…`, expecting success; returns the printed ID.
    @discardableResult
    func add(_ command: String, _ extra: String..., sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let result = try caro(arguments: ["history", "add", "--command", command] + extra)
        Expect.success(result, sourceLocation: sourceLocation)
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `caro history add … --json`, expecting success; returns the entry.
    func addJSON(_ command: String, _ extra: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) throws -> JSONValue {
        let result = try caro(arguments: ["history", "add", "--command", command, "--json"] + extra)
        Expect.success(result, sourceLocation: sourceLocation)
        return try result.json(sourceLocation: sourceLocation)
    }

    /// The commands `caro history search --json args…` returns, in order (expects success).
    func searchCommands(_ arguments: String..., environment: [String: String?] = [:], currentDirectory: String? = nil,
                        sourceLocation: SourceLocation = #_sourceLocation) throws -> [String] {
        let result = try caro(arguments: ["history", "search", "--json"] + arguments, environment: environment,
                              currentDirectory: currentDirectory)
        Expect.success(result, sourceLocation: sourceLocation)
        #expect(result.errorLines.isEmpty, "search printed to stderr: \(result.stderr.prefix(300))", sourceLocation: sourceLocation)
        return try result.commands(sourceLocation: sourceLocation)
    }

    /// Every live entry's command, newest first (`history list --json` with a large limit).
    func allCommands(sourceLocation: SourceLocation = #_sourceLocation) throws -> [String] {
        let result = try caro("history", "list", "--json", "--limit", "100000")
        Expect.success(result, sourceLocation: sourceLocation)
        return try result.commands(sourceLocation: sourceLocation)
    }

    /// Every regular file under the home (database, WAL, config…), as paths.
    func files() -> [String] {
        Files.regularFiles(under: path)
    }

    /// The home's SQLite database (the file starting with "SQLite format 3"), after at least one write.
    func databaseFile(sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let candidates = files().filter { Files.isSQLite($0) }
        return try #require(candidates.first, "no SQLite file under \(path): \(files())", sourceLocation: sourceLocation)
    }
}

/// File-system helpers.
enum Files {
    static func regularFiles(under root: String) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: root) else { return [] }
        var result: [String] = []
        while let relative = enumerator.nextObject() as? String {
            let full = root + "/" + relative
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue {
                result.append(full)
            }
        }
        return result.sorted()
    }

    static func isSQLite(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let header = (try? handle.read(upToCount: 16)) ?? Data()
        return header == Data("SQLite format 3\0".utf8)
    }

    /// True when `needle`'s bytes occur in any file under `root`.
    static func anyFile(under root: String, contains needle: String) -> [String] {
        let bytes = Data(needle.utf8)
        return regularFiles(under: root).filter { path in
            guard let data = FileManager.default.contents(atPath: path) else { return false }
            return data.range(of: bytes) != nil
        }
    }

    static func temporaryDirectory(_ prefix: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

/// Runs other programs (sqlite3, git, mount, sh) for the tests.
enum Tool {
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], currentDirectory: String? = nil) throws -> CaroBinary.Result {
        try CaroBinary.runExecutable(URL(fileURLWithPath: executable), arguments, currentDirectory: currentDirectory)
    }

    /// `sqlite3 FILE "PRAGMA integrity_check"` says "ok".
    static func integrityIsOK(_ database: String) throws -> Bool {
        let result = try run("/usr/bin/sqlite3", [database, "PRAGMA integrity_check;"])
        return result.status == 0 && result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "ok"
    }
}

/// Small file systems mounted for a test (needs root; tests using them are skipped where mounting is refused).
enum Mounts {
    /// Whether this process may mount a tmpfs (tried once).
    static let tmpfsAvailable: Bool = {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/mount"),
            let directory = try? Files.temporaryDirectory("caro-mount-probe")
        else { return false }
        defer { try? FileManager.default.removeItem(atPath: directory) }
        guard (try? Tool.run("/usr/bin/mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", directory]))?.status == 0 else {
            return false
        }
        _ = try? Tool.run("/usr/bin/umount", [directory])
        return true
    }()

    /// Mounts a tmpfs of `size` (e.g. "1m") on a new temporary directory and returns it.
    static func tmpfs(size: String) throws -> String {
        let directory = try Files.temporaryDirectory("caro-tmpfs")
        let result = try Tool.run("/usr/bin/mount", ["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", directory])
        guard result.status == 0 else { throw MountError.refused(result.stderr) }
        return directory
    }

    /// A home on a new tmpfs of `size` holding two entries ("second", "first"); call ``unmount(_:)`` on the mount.
    static func homeOnTmpfs(size: String) throws -> (mount: String, home: TemporaryHome) {
        let mount = try tmpfs(size: size)
        do {
            let home = try TemporaryHome(at: mount + "/home")
            try home.add("first", "--at", "2026-01-01T00:00:00Z")
            try home.add("second", "--at", "2026-01-02T00:00:00Z")
            return (mount, home)
        } catch {
            unmount(mount)
            throw error
        }
    }

    static func remount(_ directory: String, readOnly: Bool) throws {
        let result = try Tool.run("/usr/bin/mount", ["-o", readOnly ? "remount,ro" : "remount,rw", directory])
        guard result.status == 0 else { throw MountError.refused(result.stderr) }
    }

    /// Grows (or shrinks) a mounted tmpfs in place: "disk space freed" for a test.
    static func remount(_ directory: String, size: String) throws {
        let result = try Tool.run("/usr/bin/mount", ["-o", "remount,size=\(size)", directory])
        guard result.status == 0 else { throw MountError.refused(result.stderr) }
    }

    /// Unmounts (lazily if busy) and removes the mount point.
    static func unmount(_ directory: String) {
        if (try? Tool.run("/usr/bin/umount", [directory]))?.status != 0 {
            _ = try? Tool.run("/usr/bin/umount", ["-l", directory])
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    enum MountError: Error, CustomStringConvertible {
        case refused(String)
        var description: String {
            switch self {
            case .refused(let message): return "mount was refused: \(message)"
            }
        }
    }
}
