import CaroStore
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What `caro history import` did.
public struct ImportSummary: Sendable, Equatable {
    /// Commands stored.
    public var imported = 0
    /// Commands already stored by an earlier import (same import key).
    public var duplicates = 0
    /// Commands an exclusion rule dropped.
    public var excluded = 0
    /// 1-based numbers of the lines that could not be read.
    public var unparseableLines: [Int] = []
    /// Commands not imported because retention (max entries, max days) would remove them at once.
    public var beyondRetention = 0

    public var unparseable: Int { unparseableLines.count }

    public init() {}
}

/// Why a history file could not be imported.
public enum ImportError: Error, CustomStringConvertible, Equatable {
    case fileNotFound(path: String, shell: HistoryShell)
    case isDirectory(path: String, shell: HistoryShell)
    case unreadable(path: String, reason: String)
    /// Most lines could not be read: binary data, or text in another encoding.
    case notAHistoryFile(path: String, shell: HistoryShell, utf16: Bool)
    /// The file starts in another shell's format (a zsh extended line, a fish record, a bash `#<epoch>`).
    case otherShell(path: String, shell: HistoryShell, looksLike: HistoryShell)
    /// A device (like /dev/zero), or more than ``ImportService/maximumFileSize`` bytes.
    case notAFile(path: String)
    case tooLarge(path: String, limit: Int)

    public var description: String {
        switch self {
        case .fileNotFound(let path, let shell):
            return "No file at \(path): give the path of your \(shell.rawValue) history file (caro history import \(shell.rawValue) FILE)."
        case .isDirectory(let path, let shell):
            return "\(path) is a directory, not a history file: give the path of your \(shell.rawValue) history file."
        case .unreadable(let path, let reason):
            return "Cannot read \(path) (\(reason)): check its permissions."
        case .notAHistoryFile(let path, let shell, let utf16):
            if utf16 {
                return "\(path) is UTF-16 text, not a \(shell.rawValue) history file: convert it first "
                    + "(iconv -f UTF-16 -t UTF-8 \(path) > history.txt) and import that; nothing was imported."
            }
            return "\(path) does not look like a \(shell.rawValue) history file (binary data or another encoding; "
                + "caro reads UTF-8): nothing was imported."
        case .notAFile(let path):
            return "\(path) is a device, not a history file: give the path of a history file."
        case .tooLarge(let path, let limit):
            return "\(path) is larger than \(limit >> 20) MiB, too large for a history file: check the path, or split "
                + "the file and import the parts."
        case .otherShell(let path, let shell, let other):
            return "\(path) looks like a \(other.rawValue) history file, not \(shell.rawValue): import it with "
                + "caro history import \(other.rawValue) \(path); nothing was imported."
        }
    }
}

/// Imports a shell's history file: parse, screen with the exclusions, skip what retention would drop,
/// de-duplicate through import keys, store in one bulk insert.
public struct ImportService {
    let history: HistoryService
    let clock: () -> Int64

    public init(history: HistoryService, clock: @escaping () -> Int64 = Timestamp.now) {
        self.history = history
        self.clock = clock
    }

    /// Imports `path` as `shell`'s history. `progress` gets (entries stored so far, entries to store).
    public func importFile(_ path: String, shell: HistoryShell, progress: ((Int, Int) -> Void)? = nil) throws -> ImportSummary {
        let bytes = try Self.readFile(path, shell: shell)
        if let other = HistoryFormatSniffer.distinctiveShell(of: bytes), other != shell {
            throw ImportError.otherShell(path: path, shell: shell, looksLike: other)
        }
        let parsed = shell.historyParser.parse(bytes)
        // Mostly unreadable: binary data or another encoding, where a few random bytes may pass as a line.
        if parsed.unparseableLines.count > parsed.entries.count {
            let utf16 = bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF])
            throw ImportError.notAHistoryFile(path: path, shell: shell, utf16: utf16)
        }
        var summary = ImportSummary()
        summary.unparseableLines = parsed.unparseableLines
        let now = clock()
        let all = Self.entries(parsed.entries, shell: shell, now: now)
        let retention = try history.preferences().retention
        let existing = retention.maxEntries > 0
            ? try CaroError.storage { try history.store.newestLiveTimes(limit: retention.maxEntries) } : []
        let kept = Self.withinRetention(all, retention, existing: existing, now: now)
        summary.beyondRetention = all.count - kept.count
        let total = kept.count
        let result = try history.add(batch: kept, progress: progress.map { report in { report($0, total) } })
        summary.imported = result.imported
        summary.duplicates = result.duplicates
        summary.excluded = result.excluded
        return summary
    }

    /// The entries to store, in file order. Times: the file's, with commands of the same second spread
    /// 1 ms apart to keep their order; a command without a time is placed 1 ms after the one before
    /// it (before the first dated one: 1 ms apart leading up to it; in a file without any time:
    /// leading up to `now`).
    static func entries(_ commands: [ImportedCommand], shell: HistoryShell, now: Int64) -> [NewHistoryEntry] {
        let firstTimed = commands.firstIndex { $0.timestamp != nil }
        var previous: Int64
        if let firstTimed, let first = commands[firstTimed].timestamp {
            previous = Self.milliseconds(first) - Int64(firstTimed) - 1
        } else {
            previous = now - Int64(commands.count) - 1
        }
        // How often each (second, command) pair was seen; keyed by the command's hash (no copy of the text).
        var occurrences: [SecondAndHash: Int] = [:]
        var lastSecond: Int64 = .min
        var sameSecond: Int64 = 0
        var result: [NewHistoryEntry] = []
        result.reserveCapacity(commands.count)
        for command in commands {
            let createdAt: Int64
            let key: String
            let hash = ImportKey.hash(command.command)
            if let timestamp = command.timestamp {
                let seconds = Self.milliseconds(timestamp) / 1_000
                sameSecond = seconds == lastSecond ? min(sameSecond + 1, 999) : 0
                lastSecond = seconds
                createdAt = seconds * 1_000 + sameSecond
                let pair = SecondAndHash(second: seconds, hash: hash)
                let occurrence = occurrences[pair, default: 0]
                occurrences[pair] = occurrence + 1
                key = ImportKey.timed(shell: shell, seconds: seconds, occurrence: occurrence, hash: hash)
            } else {
                createdAt = previous + 1
                key = ImportKey.untimed(shell: shell, line: command.line, hash: hash)
            }
            previous = createdAt
            result.append(NewHistoryEntry(
                command: command.command, executed: true, durationMs: command.durationMs.map(Int64.init), cwd: command.cwd,
                shell: shell.rawValue, createdAt: createdAt, importKey: key))
        }
        return result
    }

    private struct SecondAndHash: Hashable {
        let second: Int64
        let hash: UInt64
    }

    /// The entries retention would keep: none created up to a delete-all watermark, none older than its
    /// days, and only those among the newest max
    /// entries once stored beside `existing` (the newest live entries, newest first). An entry whose
    /// import key is already stored is kept (the insert counts it as a duplicate) without taking a place.
    /// Between equal times the one stored later counts as newer, as retention sees it.
    static func withinRetention(_ entries: [NewHistoryEntry], _ retention: HistoryRetention,
                                existing: [(createdAt: Int64, importKey: String?)] = [], now: Int64) -> [NewHistoryEntry] {
        var candidates = Array(entries.indices)
        if retention.clearedBefore > 0 {
            // A delete --all removed everything up to its time, for good.
            candidates.removeAll { (entries[$0].createdAt ?? now) <= retention.clearedBefore }
        }
        if retention.maxAgeDays > 0 {
            let cutoff = now - Int64(retention.maxAgeDays) * 86_400_000
            candidates.removeAll { (entries[$0].createdAt ?? now) < cutoff }
        }
        guard retention.maxEntries > 0 else { return candidates.map { entries[$0] } }
        let storedKeys = Set(existing.compactMap(\.importKey))
        // Newest first: later time, then later in the file (stored later).
        let order = candidates.sorted { (entries[$0].createdAt ?? now, $0) > (entries[$1].createdAt ?? now, $1) }
        var keep = Set<Int>()
        var newer = 0  // entries that will be newer than the current one
        var existingIndex = 0
        for index in order {
            if let key = entries[index].importKey, storedKeys.contains(key) {
                keep.insert(index)
                continue
            }
            let time = entries[index].createdAt ?? now
            while existingIndex < existing.count && existing[existingIndex].createdAt > time {
                existingIndex += 1
            }
            guard existingIndex + newer < retention.maxEntries else { continue }
            keep.insert(index)
            newer += 1
        }
        return candidates.filter(keep.contains).map { entries[$0] }
    }

    private static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1_000).rounded(.down)) }

    /// The largest history file an import reads (a million-line history is ~50 MiB).
    public static let maximumFileSize = 512 << 20

    /// The whole file, or an ``ImportError`` that says what is wrong with the path.
    static func readFile(_ path: String, shell: HistoryShell) throws(ImportError) -> [UInt8] {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT || errno == ENOTDIR { throw .fileNotFound(path: path, shell: shell) }
            throw .unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        let kind = info.st_mode & S_IFMT
        if kind == S_IFDIR { throw .isDirectory(path: path, shell: shell) }
        // Regular files, and pipes (`<(…)`) read up to the limit; never a device that has no end.
        guard kind == S_IFREG || kind == S_IFIFO else { throw .notAFile(path: path) }
        if Int(info.st_size) > maximumFileSize { throw .tooLarge(path: path, limit: maximumFileSize) }
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw .unreadable(path: path, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(max(info.st_size, 0)) + 1)
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .unreadable(path: path, reason: String(cString: strerror(errno)))
            }
            if count == 0 { break }
            guard bytes.count + count <= maximumFileSize else { throw .tooLarge(path: path, limit: maximumFileSize) }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return bytes
    }
}
