import CWebSockets
import Glibc
import Synchronization

/// Severity of a transport log record.
public enum TransportLogLevel: Int, Sendable, Comparable, CustomStringConvertible {
    case error = 0
    case warning = 1
    case notice = 2
    case info = 3
    case debug = 4

    /// More severe levels sort first (`.error < .debug`).
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The level's name.
    public var description: String {
        switch self {
        case .error: "error"
        case .warning: "warning"
        case .notice: "notice"
        case .info: "info"
        case .debug: "debug"
        }
    }
}

/// One log line from the transport or from libwebsockets itself.
public struct TransportLogRecord: Sendable, CustomStringConvertible {
    /// Who wrote the line.
    public enum Source: Sendable, Equatable {
        /// libwebsockets (TLS failures, for instance, are only explained here).
        case libwebsockets
        /// This Swift transport layer (ignored binary frames, back-pressure closes, ...).
        case transport
    }

    /// How severe the line is.
    public let level: TransportLogLevel
    /// Who wrote it.
    public let source: Source
    /// The text, without a trailing newline.
    public let message: String

    /// `[source level] message`.
    public var description: String {
        "[\(source == .libwebsockets ? "libwebsockets" : "transport") \(level)] \(message)"
    }
}

/// Where transport and libwebsockets log lines go.
///
/// libwebsockets has a single, process-wide logger, so this hook is process-wide too. By default
/// only errors are written to standard error; install a handler to route everything into the
/// application's logger:
///
/// ```swift
/// TransportLog.setHandler(minimumLevel: .info) { record in logger.log("\(record)") }
/// ```
public enum TransportLog {
    /// Receives log records; called on transport service threads, so it must be quick and
    /// must not call back into a server or client synchronously in a way that waits for it.
    public typealias Handler = @Sendable (TransportLogRecord) -> Void

    private struct State {
        var minimumLevel: TransportLogLevel = .error
        var handler: Handler = TransportLog.writeToStandardError
        /// Threads that currently collect libwebsockets' lines (see `beginCapture`).
        var captures: [UInt: CaptureRing] = [:]
        /// Repeats of one libwebsockets line are delivered at most once per second.
        var repeats = RepeatFilter()
    }

    private static let state = Mutex(State())

    /// Routes records at `minimumLevel` or more severe to `handler` (and tells libwebsockets
    /// which levels to produce).
    public static func setHandler(minimumLevel: TransportLogLevel, _ handler: @escaping Handler) {
        state.withLock {
            $0.minimumLevel = minimumLevel
            $0.handler = handler
        }
        installIntoLibwebsockets()
    }

    /// Restores the default: errors only, written to standard error.
    public static func resetToDefault() {
        setHandler(minimumLevel: .error, writeToStandardError)
    }

    /// The least severe level currently delivered.
    public static var minimumLevel: TransportLogLevel {
        state.withLock { $0.minimumLevel }
    }

    /// The default handler: one line on standard error.
    @Sendable public static func writeToStandardError(_ record: TransportLogRecord) {
        let line = "JazzProto \(record)\n"
        let bytes = Array(line.utf8)
        bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(2, base + offset, buffer.count - offset)
                if written <= 0 { break }
                offset += written
            }
        }
    }

    // MARK: - Internal

    /// Logs a transport message; `message` is only built when the level is enabled.
    static func log(_ level: TransportLogLevel, _ message: @autoclosure () -> String) {
        let handler: Handler? = state.withLock { $0.minimumLevel >= level ? $0.handler : nil }
        handler?(TransportLogRecord(level: level, source: .transport, message: message()))
    }

    /// Points libwebsockets' logger at this hook with the matching level mask. Called before
    /// every context is created and whenever the handler changes.
    static func installIntoLibwebsockets() {
        let minimum = minimumLevel
        // Errors, warnings and notices are always produced: they are kept to explain failures
        // (a failed DNS lookup is only a notice) even when the handler does not want them.
        var mask: Int32 = Int32(LLL_ERR) | Int32(LLL_WARN) | Int32(LLL_NOTICE)
        if minimum >= .notice { mask |= Int32(LLL_USER) }
        if minimum >= .info { mask |= Int32(LLL_INFO) | Int32(LLL_CLIENT) }
        if minimum >= .debug { mask |= Int32(LLL_DEBUG) }
        lws_set_log_level(mask) { level, line in
            TransportLog.receiveFromLibwebsockets(level: level, line: line)
        }
    }

    /// Starts keeping the latest libwebsockets notices, warnings and errors written on the
    /// current thread (the last 64), numbered so a caller can ask for "lines since my mark".
    static func beginCapture() {
        let thread = UInt(pthread_self())
        state.withLock { $0.captures[thread] = CaptureRing() }
    }

    /// The number of the next line captured on this thread.
    static func captureMark() -> UInt64 {
        let thread = UInt(pthread_self())
        return state.withLock { $0.captures[thread]?.nextNumber ?? 0 }
    }

    /// Lines captured on this thread from `mark` on (as far as they are still kept).
    static func captured(since mark: UInt64) -> [String] {
        let thread = UInt(pthread_self())
        return state.withLock { $0.captures[thread]?.lines(since: mark) ?? [] }
    }

    /// Stops capturing on the current thread and returns the lines still kept.
    static func endCapture() -> [String] {
        let thread = UInt(pthread_self())
        return state.withLock { $0.captures.removeValue(forKey: thread)?.lines(since: 0) ?? [] }
    }

    private static func receiveFromLibwebsockets(level: Int32, line: UnsafePointer<CChar>?) {
        guard let line else { return }
        var text = String(decoding: UnsafeRawBufferPointer(start: line, count: strlen(line)), as: UTF8.self)
        while let last = text.last, last.isWhitespace { text.removeLast() }
        let mapped: TransportLogLevel
        if level & Int32(LLL_ERR) != 0 {
            mapped = .error
        } else if level & Int32(LLL_WARN) != 0 {
            mapped = .warning
        } else if level & (Int32(LLL_NOTICE) | Int32(LLL_USER)) != 0 {
            mapped = .notice
        } else if level & (Int32(LLL_INFO) | Int32(LLL_CLIENT)) != 0 {
            mapped = .info
        } else {
            mapped = .debug
        }
        let thread = UInt(pthread_self())
        let (handler, suppressed): (Handler?, Int?) = state.withLock { state in
            if mapped <= .notice { state.captures[thread]?.append(text) }
            guard state.minimumLevel >= mapped, let suppressed = state.repeats.admit(text, at: TransportClock.monotonicNanoseconds())
            else { return (nil, nil) }
            return (state.handler, suppressed)
        }
        guard let handler else { return }
        if let suppressed, suppressed > 0 {
            handler(TransportLogRecord(level: mapped, source: .libwebsockets, message: "(the next line was logged \(suppressed) more times in the last second; repeats are shown once per second)"))
        }
        handler(TransportLogRecord(level: mapped, source: .libwebsockets, message: text))
    }
}

/// Lets one line through at most once per second while it repeats (a failing `accept` would otherwise
/// log thousands of identical lines per second).
struct RepeatFilter {
    private var last = ""
    private var lastDelivered: UInt64 = 0
    private var suppressed = 0

    /// nil to drop `line`; otherwise how many repeats of it were dropped since it was last delivered.
    mutating func admit(_ line: String, at now: UInt64) -> Int? {
        if line == last && now &- lastDelivered < 1_000_000_000 {
            suppressed += 1
            return nil
        }
        let dropped = line == last ? suppressed : 0
        last = line
        lastDelivered = now
        suppressed = 0
        return dropped
    }
}

/// The latest lines logged on one thread, numbered from 0.
private struct CaptureRing {
    static let capacity = 64
    private var kept: [String] = []
    private(set) var nextNumber: UInt64 = 0

    mutating func append(_ line: String) {
        if kept.count == Self.capacity { kept.removeFirst() }
        kept.append(line)
        nextNumber += 1
    }

    func lines(since mark: UInt64) -> [String] {
        let first = nextNumber - UInt64(kept.count)
        let skip = mark > first ? Int(min(mark - first, UInt64(kept.count))) : 0
        return Array(kept.dropFirst(skip))
    }
}
