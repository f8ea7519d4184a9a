import CaroKit
import CaroStore
import Foundation

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

extension CLIOutput {
    /// `value` as one line of JSON on stdout (keys in the order the value encodes them).
    static func json<T: Encodable>(_ value: T) throws {
        line(try encode(value))
    }

    /// An error object as one line of JSON on stderr.
    static func errorJSON(_ value: ErrorOutput) {
        let text = (try? encode(value)) ?? #"{"error":"unprintable error"}"#
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    static func encode<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try JSONLineEncoder.encode(value), as: UTF8.self)
    }

    /// Entries as text, one per line: local time, exit status, command (and `# prompt`); with
    /// `verbose`, the ID and directory too.
    static func entries(_ rows: [HistoryRow], verbose: Bool) {
        var text = ""
        for row in rows {
            text += entryLine(row, verbose: verbose)
            text += "\n"
        }
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func entryLine(_ row: HistoryRow, verbose: Bool) -> String {
        var status = row.exitCode.map(String.init) ?? (row.executed ? "-" : "not run")
        while status.utf8.count < 3 { status += " " }
        let command = row.command.utf8.contains(UInt8(ascii: "\n")) ? row.command.split(separator: "\n", omittingEmptySubsequences: false)
            .joined(separator: " ↵ ") : row.command
        var line = localTime(row.createdAt) + "  " + status + "  " + command
        if let prompt = row.prompt { line += "  # " + prompt }
        if verbose { line = row.id + "  " + line + (row.cwd.map { "  (in \($0))" } ?? "") }
        return line
    }

    /// `YYYY-MM-DD HH:MM:SS` in local time.
    static func localTime(_ milliseconds: Int64) -> String {
        var seconds = time_t(milliseconds / 1_000)
        var parts = tm()
        localtime_r(&seconds, &parts)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(19)
        func append(_ value: Int32, digits: Int) {
            var divisor: Int32 = 1
            for _ in 1..<digits { divisor *= 10 }
            var rest = value
            while divisor > 0 {
                bytes.append(UInt8(48 + (rest / divisor) % 10))
                rest %= divisor
                divisor /= 10
            }
        }
        append(parts.tm_year + 1900, digits: 4)
        bytes.append(UInt8(ascii: "-"))
        append(parts.tm_mon + 1, digits: 2)
        bytes.append(UInt8(ascii: "-"))
        append(parts.tm_mday, digits: 2)
        bytes.append(UInt8(ascii: " "))
        append(parts.tm_hour, digits: 2)
        bytes.append(UInt8(ascii: ":"))
        append(parts.tm_min, digits: 2)
        bytes.append(UInt8(ascii: ":"))
        append(parts.tm_sec, digits: 2)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// One entry as `field: value` lines.
    static func entryDetails(_ row: HistoryRow) {
        var lines = ["id: \(row.id)", "createdAt: \(Timestamp.iso8601(row.createdAt))", "command: \(row.command)"]
        let optional: [(String, String?)] = [
            ("prompt", row.prompt), ("explanation", row.explanation), ("executed", row.executed ? "yes" : "no"),
            ("exitCode", row.exitCode.map(String.init)), ("durationMs", row.durationMs.map(String.init)), ("cwd", row.cwd),
            ("shell", row.shell), ("hostname", row.hostname), ("deviceID", row.deviceID), ("platform", row.platform),
            ("safetyLevel", row.safetyLevel), ("tags", row.tags.isEmpty ? nil : row.tags.joined(separator: ", ")),
        ]
        for (name, value) in optional { if let value { lines.append("\(name): \(value)") } }
        line(lines.joined(separator: "\n"))
    }
}
