import Foundation

/// Reads bash's `~/.bash_history`.
///
/// Without `HISTTIMEFORMAT` every line is a command. With it, bash writes a `#<epoch>` line before each
/// command; when the file starts with such a line, bash reads every line up to the next `#<epoch>` as one
/// multi-line command (`lithist`), and so does this parser. A `#<epoch>` line in an untimed file dates
/// the next command only. Lines of binary garbage, and `#<digit>…` lines that are not a valid time, are
/// reported as unparseable.
public struct BashHistoryParser: HistoryFileParser {
    public init() {}

    public func parse(_ bytes: [UInt8]) -> ImportParseResult {
        bytes.withUnsafeBufferPointer { parse(buffer: $0) }
    }

    private func parse(buffer: UnsafeBufferPointer<UInt8>) -> ImportParseResult {
        var result = ImportParseResult()
        let timed = Self.startsWithTimestamp(buffer)
        var pendingTime: Date?
        // True after a timestamp line, until the command it dates starts.
        var separated = true
        // The lines of the command being read (timed files only), and where it started.
        var current: [Range<Int>] = []
        var currentLine = 0
        var currentTime: Date?
        var scratch: [UInt8] = []

        func finish() {
            defer { current.removeAll(keepingCapacity: true) }
            while let last = current.last, last.isEmpty { current.removeLast() }
            guard !current.isEmpty else { return }
            let command: String
            if current.count == 1 {
                command = HistoryBytes.string(buffer.slice(current[0]))
            } else {
                scratch.removeAll(keepingCapacity: true)
                for (index, range) in current.enumerated() {
                    if index > 0 { scratch.append(HistoryBytes.newline) }
                    scratch.append(contentsOf: buffer.slice(range))
                }
                command = scratch.withUnsafeBufferPointer { HistoryBytes.string($0) }
            }
            result.entries.append(ImportedCommand(command: command, timestamp: currentTime, line: currentLine))
        }

        HistoryBytes.forEachLine(buffer) { range, number in
            let line = buffer.slice(range)
            if Self.isTimestampLine(line) {
                if timed { finish() }
                let digits = buffer.slice(range.lowerBound + 1..<range.upperBound)
                pendingTime = HistoryBytes.decimal(digits).flatMap { HistoryBytes.date(epochSeconds: $0) }
                if pendingTime == nil { result.unparseableLines.append(number) }
                separated = true
                return
            }
            if HistoryBytes.isGarbage(line) {
                result.unparseableLines.append(number)
                return
            }
            if timed && !current.isEmpty && !separated {
                // A continuation line of a multi-line command (blank lines of here-documents included).
                current.append(range)
                return
            }
            if range.isEmpty { return }
            if timed { finish() }
            current = [range]
            currentLine = number
            currentTime = pendingTime
            pendingTime = nil
            separated = false
            if !timed { finish() }
        }
        finish()
        return result
    }

    /// Bash's own test: a line starting with `#` and a digit is a timestamp line.
    @inline(__always)
    private static func isTimestampLine(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        line.count >= 2 && line[0] == HistoryBytes.hash && line[1] >= HistoryBytes.zero && line[1] <= HistoryBytes.nine
    }

    /// True when the first non-empty line of the file is a timestamp line (bash's multi-line mode).
    private static func startsWithTimestamp(_ buffer: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        while index < buffer.count && (buffer[index] == HistoryBytes.newline || buffer[index] == HistoryBytes.carriageReturn) {
            index += 1
        }
        return isTimestampLine(buffer.slice(index..<min(index + 2, buffer.count)))
    }
}
