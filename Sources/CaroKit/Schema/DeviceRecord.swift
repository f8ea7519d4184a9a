import JazzProto

/// One device in the devices CoMap (Docs/schema.md, "Devices"), keyed by device ID.
public struct DeviceRecord: Sendable, Equatable {
    public var id: String
    public var name: String
    public var platform: String
    public var caroVersion: String
    public var schemaVersion: Int
    public var account: String
    public var firstSeen: Int64
    public var lastSeen: Int64
    public var active: Bool

    public init(id: String, name: String, platform: String, caroVersion: String = CaroVersion.current,
                schemaVersion: Int = CaroSchema.version, account: String, firstSeen: Int64, lastSeen: Int64, active: Bool = true) {
        self.id = id
        self.name = name
        self.platform = platform
        self.caroVersion = caroVersion
        self.schemaVersion = schemaVersion
        self.account = account
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.active = active
    }

    /// The CoMap value.
    public var json: JSONValue {
        .object(JSONObject([
            ("name", .string(name)), ("platform", .string(platform)), ("caroVersion", .string(caroVersion)),
            ("schemaVersion", .number(Double(schemaVersion))), ("account", .string(account)),
            ("firstSeen", .number(Double(firstSeen))), ("lastSeen", .number(Double(lastSeen))), ("active", .bool(active)),
        ]))
    }

    /// Reads one CoMap value; nil if it is not a device record.
    public init?(id: String, json: JSONValue) {
        guard let name = json["name"]?.stringValue else { return nil }
        self.init(
            id: id, name: name, platform: json["platform"]?.stringValue ?? "unknown",
            caroVersion: json["caroVersion"]?.stringValue ?? "unknown",
            schemaVersion: Int(json["schemaVersion"]?.int64Value ?? 0), account: json["account"]?.stringValue ?? "",
            firstSeen: json["firstSeen"]?.int64Value ?? 0, lastSeen: json["lastSeen"]?.int64Value ?? 0,
            active: json["active"]?.boolValue ?? true)
    }

    /// The key of a device's name given by `caro devices rename` (kept apart from the record, which the
    /// device itself rewrites on every sync, so a rename made elsewhere is never overwritten by it).
    public static func nameKey(_ deviceID: String) -> String { "name:\(deviceID)" }

    /// The key of a device's opt-in usage counters (``UsageCounters/json``), written only by that device.
    public static func metricsKey(_ deviceID: String) -> String { "metrics:\(deviceID)" }

    /// Every device of the devices CoMap `id` in `node`, by first seen, with renames applied.
    public static func all(in node: LocalNode, devices id: CoID) -> [DeviceRecord] {
        guard let object = node.view(of: id)?.objectValue else { return [] }
        return object.compactMap { key, value -> DeviceRecord? in
            guard !key.hasPrefix("name:"), !key.hasPrefix("metrics:"), var record = DeviceRecord(id: key, json: value) else { return nil }
            if let renamed = object[nameKey(key)]?.stringValue { record.name = renamed }
            return record
        }.sorted { ($0.firstSeen, $0.id) < ($1.firstSeen, $1.id) }
    }
}

/// This build of caro.
public enum CaroVersion {
    public static let current = "0.1.0"
}
