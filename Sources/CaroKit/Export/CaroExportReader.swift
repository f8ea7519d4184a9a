import CaroStore
import JazzProto

/// Reads a `caro export` file, JSON or JSON Lines (told apart by its first line), into a ``CaroExport``,
/// checking every record before anything is written: a truncated, foreign or newer file is refused with
/// one sentence (``CaroError/invalidArgument(_:)``) that names the file.
public enum CaroExportReader {
    /// Parses `bytes` (the content of `file`, named in errors).
    public static func read(_ bytes: [UInt8], file: String) throws(CaroError) -> CaroExport {
        guard bytes.contains(where: { !isSpace($0) }) else {
            throw .invalidArgument("\(file) is empty, not a Caro export: nothing was imported.")
        }
        let whole: JSONValue
        do {
            whole = try JSONValue(parsing: bytes)
        } catch {
            // Not one JSON value: JSON Lines if its first line is an export header, else broken.
            let firstLine = Array(bytes.prefix { $0 != UInt8(ascii: "\n") })
            if let header = try? JSONValue(parsing: firstLine), header["type"]?.stringValue == "header" {
                return try readLines(bytes, file: file)
            }
            if case .unexpectedEndOfInput = error {
                throw .invalidArgument("\(file) ends in the middle of its JSON (truncated?): nothing was imported.")
            }
            throw .invalidArgument("\(file) is not valid JSON (\(error)): nothing was imported.")
        }
        if whole["type"]?.stringValue == "header" { return try readLines(bytes, file: file) }
        guard whole.objectValue != nil else {
            throw .invalidArgument("\(file) is JSON but not a Caro export (not an object with formatVersion): nothing was imported.")
        }
        try checkVersion(whole, file: file)
        var records = Records(file: file)
        for (index, value) in (try array(whole, "history", file: file)).enumerated() {
            records.export.history.append(try records.entry(value, at: "history entry \(index + 1)"))
        }
        for (index, value) in (try array(whole, "deletions", file: file)).enumerated() {
            records.export.deletions.append(try records.deletion(value, at: "deletion \(index + 1)"))
        }
        guard let preferences = whole["preferences"]?.objectValue else {
            throw .invalidArgument("\(file) has no \"preferences\" object, so it is not a complete Caro export: nothing was imported.")
        }
        for (key, value) in preferences { try records.preference(key: key, value, at: "preference \(key)") }
        for (index, value) in (whole["exclusions"]?.arrayValue ?? []).enumerated() {
            try records.exclusion(value, at: "exclusion \(index + 1)")
        }
        return records.export
    }

    /// JSON Lines: a header, one record per line with its `type`, and an `end` line with the count.
    static func readLines(_ bytes: [UInt8], file: String) throws(CaroError) -> CaroExport {
        var records = Records(file: file)
        var count = 0
        var ended = false
        for (index, line) in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true).enumerated() {
            let place = "line \(index + 1)"
            guard !ended else { throw .invalidArgument("\(file) has records after its end line (\(place)): nothing was imported.") }
            let value: JSONValue
            do {
                value = try JSONValue(parsing: Array(line))
            } catch {
                throw .invalidArgument("\(file), \(place), is not a complete JSON record (truncated?): nothing was imported.")
            }
            switch value["type"]?.stringValue {
            case "header" where index == 0: try checkVersion(value, file: file)
            case "entry": records.export.history.append(try records.entry(value["entry"] ?? .null, at: place))
            case "deletion": records.export.deletions.append(try records.deletion(value, at: place))
            case "preference":
                guard let key = value["key"]?.stringValue else { throw records.bad(place, "has no key") }
                try records.preference(key: key, value, at: place)
            case "exclusion": try records.exclusion(value["pattern"] ?? .null, at: place)
            case "device": break  // Informational: devices are the identity's, never imported.
            case "end":
                guard value["records"]?.int64Value == Int64(count) else {
                    throw .invalidArgument("\(file) says it holds \(value["records"]?.int64Value.map(String.init) ?? "?") records but has \(count): nothing was imported.")
                }
                ended = true
                continue
            default:
                throw records.bad(place, "is not a record of a Caro export (unknown type)")
            }
            if index > 0 { count += 1 }
        }
        guard ended else { throw .invalidArgument("\(file) stops before its end line (truncated?): nothing was imported.") }
        return records.export
    }

    static func checkVersion(_ header: JSONValue, file: String) throws(CaroError) {
        guard let version = header["formatVersion"]?.int64Value else {
            throw .invalidArgument("\(file) is JSON but not a Caro export (no formatVersion): nothing was imported.")
        }
        guard version == Int64(CaroExport.formatVersion) else {
            throw .invalidArgument(
                "\(file) is a Caro export of format version \(version), but this caro reads version \(CaroExport.formatVersion): nothing was imported.")
        }
    }

    static func array(_ object: JSONValue, _ key: String, file: String) throws(CaroError) -> [JSONValue] {
        guard let array = object[key]?.arrayValue else {
            throw .invalidArgument("\(file) has no \"\(key)\" array, so it is not a complete Caro export: nothing was imported.")
        }
        return array
    }

    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 }

    /// Checks and collects records; every error names the file and the record.
    struct Records {
        let file: String
        var export = CaroExport()
        var seenPreferences = Set<String>()

        func bad(_ place: String, _ what: String) -> CaroError {
            .invalidArgument("\(file): \(place) \(what): nothing was imported.")
        }

        func time(_ value: JSONValue?, _ place: String, _ field: String) throws(CaroError) -> Int64 {
            guard let text = value?.stringValue, let time = Timestamp.parseISO8601(text) else {
                throw bad(place, "has no valid \(field) (an ISO 8601 time)")
            }
            return time
        }

        /// A string or null field.
        func optional(_ value: JSONValue, _ key: String, _ place: String) throws(CaroError) -> String? {
            guard let field = value[key], !field.isNull else { return nil }
            guard let text = field.stringValue else { throw bad(place, "has a \(key) that is not a string") }
            return text
        }

        func optionalInteger(_ value: JSONValue, _ key: String, _ place: String) throws(CaroError) -> Int64? {
            guard let field = value[key], !field.isNull else { return nil }
            guard let number = field.int64Value else { throw bad(place, "has a \(key) that is not a whole number") }
            return number
        }

        func entry(_ value: JSONValue, at place: String) throws(CaroError) -> HistoryRow {
            guard let id = value["id"]?.stringValue, !id.isEmpty else { throw bad(place, "has no id") }
            guard let command = value["command"]?.stringValue else { throw bad(place, "has no command") }
            guard let executed = value["executed"]?.boolValue else { throw bad(place, "has no executed (true or false)") }
            var tags: [String] = []
            if let field = value["tags"], !field.isNull {
                guard let array = field.arrayValue else { throw bad(place, "has tags that are not an array of strings") }
                for tag in array {
                    guard let text = tag.stringValue else { throw bad(place, "has tags that are not an array of strings") }
                    tags.append(text)
                }
            }
            return HistoryRow(
                id: id, createdAt: try time(value["createdAt"], place, "createdAt"), command: command,
                prompt: try optional(value, "prompt", place), explanation: try optional(value, "explanation", place),
                executed: executed, exitCode: try optionalInteger(value, "exitCode", place).map { Int(clamping: $0) },
                durationMs: try optionalInteger(value, "durationMs", place), cwd: try optional(value, "cwd", place),
                shell: try optional(value, "shell", place), hostname: try optional(value, "hostname", place),
                deviceID: try optional(value, "deviceID", place), platform: try optional(value, "platform", place),
                safetyLevel: try optional(value, "safetyLevel", place), tags: tags)
        }

        func deletion(_ value: JSONValue, at place: String) throws(CaroError) -> HistoryBatch.Deletion {
            guard let id = value["id"]?.stringValue, !id.isEmpty else { throw bad(place, "has no id") }
            return HistoryBatch.Deletion(id: id, deletedAt: try time(value["deletedAt"], place, "deletedAt"))
        }

        /// `{"value": "<text>", "setAt": "<ISO 8601>" | null}`; unknown keys are skipped (a newer caro's).
        mutating func preference(key: String, _ value: JSONValue, at place: String) throws(CaroError) {
            guard let text = value["value"]?.stringValue else { throw bad(place, "has no value (a string)") }
            let setAt: Int64? = value["setAt"].map(\.isNull) ?? true ? nil : try time(value["setAt"], place, "setAt")
            if key == Preferences.clearedBeforeKey {
                guard let watermark = Int64(text), watermark > 0 else { throw bad(place, "is not a time in milliseconds") }
            } else if let known = Preferences.Key(rawValue: key) {
                var check = Preferences()
                do { try check.set(known, from: text) } catch { throw bad(place, "has a value caro cannot use (\(error))") }
            } else {
                return
            }
            guard seenPreferences.insert(key).inserted else { throw bad(place, "appears twice") }
            export.preferences.append(CaroExport.Preference(key: key, value: text, setAt: setAt))
        }

        mutating func exclusion(_ value: JSONValue, at place: String) throws(CaroError) {
            guard let pattern = value.stringValue else { throw bad(place, "is not a string") }
            do { _ = try Exclusions.compile(pattern) } catch { throw bad(place, "is not a usable pattern (\(error))") }
            export.exclusions.append(pattern)
        }
    }
}
