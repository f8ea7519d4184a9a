import CaroKit
import CaroStore

/// The bytes of a `caro export` file (Docs/cli.md, "caro export"): JSON with one record per line, or
/// JSON Lines. Entries are written exactly as `caro history list --json` prints them (``EntryOutput``),
/// devices as `caro devices list --json` does (``DeviceOutput``); the order is fixed, so the same data
/// always gives the same bytes.
enum ExportOutput {
    enum Format: String, CaseIterable {
        case json, jsonl
    }

    struct Deletion: Encodable {
        var id: String
        var deletedAt: String
        init(_ deletion: HistoryBatch.Deletion) {
            id = deletion.id
            deletedAt = Timestamp.iso8601(deletion.deletedAt)
        }
    }

    struct Preference: Encodable {
        var value: String
        var setAt: String?
        init(_ preference: CaroExport.Preference) {
            value = preference.value
            setAt = preference.setAt.map(Timestamp.iso8601)
        }
        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(value, forKey: .value)
            try container.encodeOrNull(setAt, forKey: .setAt)
        }
        enum CodingKeys: String, CodingKey { case value, setAt }
    }

    /// `body`'s fields after a first field `name: value`: a JSON Lines record is
    /// `Tagged(name: "type", value: "entry", body: …)`.
    struct Tagged<Body: Encodable>: Encodable {
        var name = "type"
        var value: String
        var body: Body
        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: AnyKey.self)
            try container.encode(value, forKey: AnyKey(name))
            try body.encode(to: encoder)
        }
    }

    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ key: String) { stringValue = key }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    struct Header: Encodable { var formatVersion: Int; var exportedAt: String }
    struct EntryBody: Encodable { var entry: EntryOutput }
    struct ExclusionBody: Encodable { var pattern: String }
    struct DeviceBody: Encodable { var device: DeviceOutput }
    struct End: Encodable { var records: Int }

    /// The file's bytes; `progress` gets the number of entries written so far.
    static func bytes(_ export: CaroExport, format: Format, exportedAt: Int64, progress: ((Int) -> Void)? = nil) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256 + export.history.count * 300)
        func append(_ value: some Encodable) throws { out += try JSONLineEncoder.encode(value) }
        func newline() { out.append(UInt8(ascii: "\n")) }
        let devices = export.devices.map { DeviceOutput($0, current: export.currentDevice) }
        switch format {
        case .jsonl:
            try append(Tagged(value: "header", body: Header(formatVersion: CaroExport.formatVersion, exportedAt: Timestamp.iso8601(exportedAt))))
            newline()
            for (index, row) in export.history.enumerated() {
                try append(Tagged(value: "entry", body: EntryBody(entry: EntryOutput(row))))
                newline()
                if index % 1_000 == 999 { progress?(index + 1) }
            }
            for deletion in export.deletions { try append(Tagged(value: "deletion", body: Deletion(deletion))); newline() }
            for preference in export.preferences {
                try append(Tagged(value: "preference", body: Tagged(name: "key", value: preference.key, body: Preference(preference))))
                newline()
            }
            for pattern in export.exclusions { try append(Tagged(value: "exclusion", body: ExclusionBody(pattern: pattern))); newline() }
            for device in devices { try append(Tagged(value: "device", body: DeviceBody(device: device))); newline() }
            try append(Tagged(value: "end", body: End(records: export.recordCount)))
            newline()
        case .json:
            out += Array("{\"formatVersion\":\(CaroExport.formatVersion),\"exportedAt\":".utf8)
            try append(Timestamp.iso8601(exportedAt))
            out += Array(",\n\"history\":[".utf8)
            for (index, row) in export.history.enumerated() {
                out += Array((index == 0 ? "\n" : ",\n").utf8)
                try append(EntryOutput(row))
                if index % 1_000 == 999 { progress?(index + 1) }
            }
            out += Array("\n],\n\"deletions\":[".utf8)
            for (index, deletion) in export.deletions.enumerated() {
                out += Array((index == 0 ? "\n" : ",\n").utf8)
                try append(Deletion(deletion))
            }
            out += Array("\n],\n\"preferences\":{".utf8)
            for (index, preference) in export.preferences.enumerated() {
                out += Array((index == 0 ? "\n" : ",\n").utf8)
                try append(preference.key)
                out.append(UInt8(ascii: ":"))
                try append(Preference(preference))
            }
            out += Array("\n},\n\"exclusions\":[".utf8)
            for (index, pattern) in export.exclusions.enumerated() {
                out += Array((index == 0 ? "\n" : ",\n").utf8)
                try append(pattern)
            }
            out += Array("\n],\n\"devices\":[".utf8)
            for (index, device) in devices.enumerated() {
                out += Array((index == 0 ? "\n" : ",\n").utf8)
                try append(device)
            }
            out += Array("\n]}\n".utf8)
        }
        progress?(export.history.count)
        return out
    }
}
