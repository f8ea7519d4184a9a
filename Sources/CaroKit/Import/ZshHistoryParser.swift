import Foundation

/// Reads zsh's history file, plain or with `EXTENDED_HISTORY` (`: <epoch>:<seconds>;<command>`).
///
/// zsh writes each newline inside a command as a backslash at the end of the line, and "metafies"
/// bytes it uses internally: 0x83 followed by the byte XOR 32. This parser joins the lines and undoes
/// the metafication before decoding. A malformed time degrades that one entry to an untimed one;
/// binary garbage is reported as unparseable.
public struct ZshHistoryParser: HistoryFileParser {
    static let meta: UInt8 = 0x83

    public init() {}

    public func parse(_ bytes: [UInt8]) -> ImportParseResult {
        bytes.withUnsafeBufferPointer { parse(buffer: $0) }
    }

    private func parse(buffer: UnsafeBufferPointer<UInt8>) -> ImportParseResult {
        var result = ImportParseResult()
        // The unmetafied bytes of the entry being read, and the line it started on.
        var entry: [UInt8] = []
        entry.reserveCapacity(256)
        var entryLine = 0

        func finish() {
            switch entry.withUnsafeBufferPointer({ Self.entry($0, line: entryLine) }) {
            case .empty: break
            case .garbage: result.unparseableLines.append(entryLine)
            case .command(let command): result.entries.append(command)
            }
            entry.removeAll(keepingCapacity: true)
            entryLine = 0
        }

        HistoryBytes.forEachLine(buffer) { range, number in
            if entryLine == 0 { entryLine = number }
            Self.appendUnmetafied(buffer.slice(range), to: &entry)
            if entry.last == HistoryBytes.backslash {
                // An escaped newline: the command goes on on the next line.
                entry[entry.count - 1] = HistoryBytes.newline
            } else {
                finish()
            }
        }
        if entryLine != 0 {
            if entry.last == HistoryBytes.newline { entry.removeLast() }
            finish()
        }
        return result
    }

    /// Copies `line` to `entry`, decoding zsh's metafied bytes.
    @inline(__always)
    private static func appendUnmetafied(_ line: UnsafeBufferPointer<UInt8>, to entry: inout [UInt8]) {
        var index = 0
        let count = line.count
        while index < count {
            let byte = line[index]
            if byte == meta && index + 1 < count {
                entry.append(line[index + 1] ^ 0x20)
                index += 2
            } else {
                entry.append(byte)
                index += 1
            }
        }
    }

    private enum Entry {
        case empty, garbage
        case command(ImportedCommand)
    }

    /// One complete entry, from its unmetafied bytes.
    private static func entry(_ bytes: UnsafeBufferPointer<UInt8>, line: Int) -> Entry {
        var commandStart = 0
        var timestamp: Date?
        var durationMs: Int?
        if let header = extendedHeader(bytes) {
            commandStart = header.commandStart
            timestamp = header.seconds.flatMap { HistoryBytes.date(epochSeconds: $0) }
            durationMs = header.duration.map { $0.multipliedReportingOverflow(by: 1000).overflow ? Int.max : $0 * 1000 }
        }
        let command = bytes.slice(commandStart..<bytes.count)
        if command.isEmpty { return .empty }
        if HistoryBytes.isGarbage(command) { return .garbage }
        return .command(ImportedCommand(command: HistoryBytes.string(command), timestamp: timestamp,
                                        durationMs: durationMs, line: line))
    }

    /// Parses `: <digits>:<digits>;` at the start of `bytes`. Numbers too large to be real are nil but
    /// still mark the header, so the command text stays clean.
    private static func extendedHeader(_ bytes: UnsafeBufferPointer<UInt8>) -> (seconds: Int?, duration: Int?, commandStart: Int)? {
        guard bytes.count >= 6, bytes[0] == HistoryBytes.colon, bytes[1] == HistoryBytes.space else { return nil }
        var index = 2
        let secondsStart = index
        while index < bytes.count && bytes[index] >= HistoryBytes.zero && bytes[index] <= HistoryBytes.nine { index += 1 }
        guard index > secondsStart, index < bytes.count, bytes[index] == HistoryBytes.colon else { return nil }
        let secondsEnd = index
        index += 1
        let durationStart = index
        while index < bytes.count && bytes[index] >= HistoryBytes.zero && bytes[index] <= HistoryBytes.nine { index += 1 }
        guard index > durationStart, index < bytes.count, bytes[index] == HistoryBytes.semicolon else { return nil }
        let seconds = HistoryBytes.decimal(bytes.slice(secondsStart..<secondsEnd))
        let duration = HistoryBytes.decimal(bytes.slice(durationStart..<index))
        return (seconds, duration, index + 1)
    }
}
