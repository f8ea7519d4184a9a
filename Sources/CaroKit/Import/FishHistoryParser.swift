import Foundation

/// Reads fish's `fish_history`, a YAML-like list:
///
///     - cmd: git commit -m "one\ntwo"
///       when: 1639162832
///       paths:
///         - README.md
///
/// `\\` and `\n` in `cmd:` are fish's escapes for a backslash and a newline. A corrupt `when:` leaves
/// that one entry untimed; a record without `cmd:` or a line outside any record is unparseable;
/// unknown indented keys are ignored, as fish does.
public struct FishHistoryParser: HistoryFileParser {
    public init() {}

    public func parse(_ bytes: [UInt8]) -> ImportParseResult {
        bytes.withUnsafeBufferPointer { parse(buffer: $0) }
    }

    private enum Record {
        /// Before the first record, or after a line that ended one badly.
        case none
        /// A record fish did not write (no `cmd:`): its indented lines are skipped.
        case foreign
        case command(ImportedCommand)
    }

    private func parse(buffer: UnsafeBufferPointer<UInt8>) -> ImportParseResult {
        var result = ImportParseResult()
        var record = Record.none
        var scratch: [UInt8] = []

        func finish() {
            if case .command(let command) = record, !command.command.isEmpty { result.entries.append(command) }
            record = .none
        }

        HistoryBytes.forEachLine(buffer) { range, number in
            if range.isEmpty { return }
            let line = buffer.slice(range)
            if HistoryBytes.isGarbage(line) {
                result.unparseableLines.append(number)
                if line[0] != HistoryBytes.space {
                    finish()
                    record = .foreign
                }
                return
            }
            if HistoryBytes.hasPrefix(buffer, range, "- cmd:") {
                finish()
                var start = range.lowerBound + 6
                if start < range.upperBound && buffer[start] == HistoryBytes.space { start += 1 }
                let command = Self.unescape(buffer.slice(start..<range.upperBound), scratch: &scratch)
                record = .command(ImportedCommand(command: command, line: number))
                return
            }
            if line[0] == HistoryBytes.space {
                switch record {
                case .command(var command):
                    if let value = Self.value(of: "  when:", in: buffer, range) {
                        command.timestamp = HistoryBytes.decimal(Self.trimmed(value))
                            .flatMap { HistoryBytes.date(epochSeconds: $0) }
                        record = .command(command)
                    }
                case .foreign:
                    break
                case .none:
                    result.unparseableLines.append(number)
                }
                return
            }
            finish()
            result.unparseableLines.append(number)
            if line[0] == HistoryBytes.dash { record = .foreign }
        }
        finish()
        return result
    }

    /// The bytes after `key` when the line starts with it.
    private static func value(of key: StaticString, in buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>)
        -> UnsafeBufferPointer<UInt8>?
    {
        guard HistoryBytes.hasPrefix(buffer, range, key) else { return nil }
        return buffer.slice(range.lowerBound + key.utf8CodeUnitCount..<range.upperBound)
    }

    /// `bytes` without leading and trailing spaces.
    private static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        var start = 0
        var end = bytes.count
        while start < end && bytes[start] == HistoryBytes.space { start += 1 }
        while end > start && bytes[end - 1] == HistoryBytes.space { end -= 1 }
        return bytes.slice(start..<end)
    }

    /// Decodes fish's escapes left to right: `\\` is a backslash, `\n` a newline; any other backslash
    /// stays as it is.
    private static func unescape(_ bytes: UnsafeBufferPointer<UInt8>, scratch: inout [UInt8]) -> String {
        guard bytes.contains(HistoryBytes.backslash) else { return HistoryBytes.string(bytes) }
        scratch.removeAll(keepingCapacity: true)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == HistoryBytes.backslash && index + 1 < bytes.count {
                let next = bytes[index + 1]
                if next == HistoryBytes.backslash {
                    scratch.append(HistoryBytes.backslash)
                    index += 2
                    continue
                }
                if next == 0x6E {  // n
                    scratch.append(HistoryBytes.newline)
                    index += 2
                    continue
                }
            }
            scratch.append(byte)
            index += 1
        }
        return scratch.withUnsafeBufferPointer { HistoryBytes.string($0) }
    }
}
