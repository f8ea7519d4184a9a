import CaroKit

/// `caro config list --json`: every key, `null` for an unset one; `get`/`set`/`unset --json` print
/// `{"key": …, "value": …}`.
struct ConfigOutput: Encodable {
    var values: [(String, TOMLSubset.Value?)]

    init(_ config: DeviceConfig) {
        values = DeviceConfig.Key.allCases.map { ($0.rawValue, config.value(of: $0)) }
    }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for (name, value) in values.sorted(by: { $0.0 < $1.0 }) {
            try Self.encode(value, for: Key(stringValue: name), in: &container)
        }
    }

    static func encode(_ value: TOMLSubset.Value?, for key: Key, in container: inout KeyedEncodingContainer<Key>) throws {
        switch value {
        case .string(let text): try container.encode(text, forKey: key)
        case .bool(let flag): try container.encode(flag, forKey: key)
        case .integer(let number): try container.encode(number, forKey: key)
        case nil: try container.encodeNil(forKey: key)
        }
    }

    /// One key's value: as text (strings unquoted; nothing when unset), or `{"key", "value"}` under `--json`.
    /// `isResult`: printed even under `--quiet` (`get`), else only a confirmation (`set`, `unset`).
    static func print(_ key: DeviceConfig.Key, _ config: DeviceConfig, _ global: GlobalOptions, isResult: Bool = false) throws {
        let value = config.value(of: key)
        if global.json {
            return try CLIOutput.json(KeyValue(key: key.rawValue, value: value))
        }
        guard isResult || !global.quiet, let value else { return }
        if case .string(let text) = value { CLIOutput.line(text) } else { CLIOutput.line(value.description) }
    }

    struct KeyValue: Encodable {
        var key: String
        var value: TOMLSubset.Value?

        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: ConfigOutput.Key.self)
            try container.encode(key, forKey: Key(stringValue: "key"))
            try ConfigOutput.encode(value, for: Key(stringValue: "value"), in: &container)
        }
    }
}
