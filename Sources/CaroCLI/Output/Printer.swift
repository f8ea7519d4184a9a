import CaroKit
import CaroStore
import Foundation

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

extension CLIOutput {
    /// `value` as one line of JSON on stdout (keys sorted, slashes unescaped).
    static func json<T: Encodable>(_ value: T) throws {
        line(try encode(value))
    }

    /// An error object as one line of JSON on stderr.
    static func errorJSON(_ value: ErrorOutput) {
        let text = (try? encode(value)) ?? #"{"error":"unprintable error"}"#
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
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
        let status = row.exitCode.map(String.init) ?? (row.executed ? "-" : "not run")
        var line = localTime(row.createdAt) + "  " + status.padding(toLength: 3, withPad: " ", startingAt: 0) + "  "
            + row.command.replacing("\n", with: " ↵ ")
        if let prompt = row.prompt { line += "  # " + prompt }
        if verbose { line = row.id + "  " + line + (row.cwd.map { "  (in \($0))" } ?? "") }
        return line
    }

    /// `YYYY-MM-DD HH:MM:SS` in local time.
    static func localTime(_ milliseconds: Int64) -> String {
        var seconds = time_t(milliseconds / 1_000)
        var parts = tm()
        localtime_r(&seconds, &parts)
        func pad(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)-\(pad(parts.tm_mon + 1))-\(pad(parts.tm_mday)) "
            + "\(pad(parts.tm_hour)):\(pad(parts.tm_min)):\(pad(parts.tm_sec))"
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
