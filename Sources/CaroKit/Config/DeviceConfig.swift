import JazzProto

/// The device-local settings in `config.toml` (in ``DeviceHome/configDirectory``): what must differ per
/// device and is never synced. Every key has a default, so a missing file means "all defaults".
public struct DeviceConfig: Sendable, Equatable {
    /// When colours are used: `auto` (on a terminal), `always` (also when piped), `never`. `NO_COLOR` in
    /// the environment always wins.
    public enum ColorMode: String, Sendable, CaseIterable {
        case auto, always, never
    }

    /// The relay to sync through (`ws://` or `wss://`); nil when sync is not configured. May carry a Jazz
    /// Cloud `?key=…`, which is why it lives only here.
    public var relay: String?
    /// A PEM file of certificate authorities to trust for a `wss://` relay (nil: the system's).
    public var relayCAFile: String?
    /// Whether caro syncs by itself once sync is set up (false: only `caro sync now`).
    public var autoSync = true
    public var color = ColorMode.auto
    /// The community CoFeed `caro community contribute` appends to (nil: none; contribute refuses).
    public var communityFeed: String?
    /// The relay that holds the community feed (nil: the sync relay).
    public var communityRelay: String?

    public init() {}

    /// The keys, in the order `caro config list` shows them.
    public enum Key: String, CaseIterable, Sendable {
        case relay
        case relayCAFile = "relay-ca-file"
        case autoSync = "auto-sync"
        case color
        case communityFeed = "community-feed"
        case communityRelay = "community-relay"

        /// What values the key takes, for messages and `Docs/config.md`.
        public var expected: String {
            switch self {
            case .relay: return "a ws:// or wss:// URL in quotes, e.g. \"wss://cloud.jazz.tools/?key=you@example.com\""
            case .relayCAFile: return "a file path in quotes"
            case .autoSync: return "true or false"
            case .color: return "\"auto\", \"always\" or \"never\""
            case .communityFeed: return "a CoValue ID in quotes, e.g. \"co_zAbc…\""
            case .communityRelay: return "a ws:// or wss:// URL in quotes"
            }
        }

        /// Looks a key up by name, with a message listing the known keys.
        public static func named(_ name: String) throws(ConfigError) -> Key {
            guard let key = Key(rawValue: name) else { throw .unknownKey(name) }
            return key
        }

        static let list = Key.allCases.map(\.rawValue).joined(separator: ", ")
    }

    /// The value of `key` (nil for an unset optional).
    public func value(of key: Key) -> TOMLSubset.Value? {
        switch key {
        case .relay: return relay.map(TOMLSubset.Value.string)
        case .relayCAFile: return relayCAFile.map(TOMLSubset.Value.string)
        case .autoSync: return .bool(autoSync)
        case .color: return .string(color.rawValue)
        case .communityFeed: return communityFeed.map(TOMLSubset.Value.string)
        case .communityRelay: return communityRelay.map(TOMLSubset.Value.string)
        }
    }

    /// Sets `key` from a parsed value, checking its type and content.
    public mutating func set(_ key: Key, to value: TOMLSubset.Value) throws(ConfigError) {
        func bad() -> ConfigError { .badValue(key: key.rawValue, value: value.description, expected: key.expected) }
        switch (key, value) {
        case (.relay, .string(let url)), (.communityRelay, .string(let url)):
            guard url.hasPrefix("ws://") || url.hasPrefix("wss://"), url.count > "wss://".count else { throw bad() }
            if key == .relay { relay = url } else { communityRelay = url }
        case (.communityFeed, .string(let id)):
            guard (try? CoID(id)) != nil else { throw bad() }
            communityFeed = id
        case (.relayCAFile, .string(let path)) where !path.isEmpty:
            relayCAFile = path
        case (.autoSync, .bool(let flag)):
            autoSync = flag
        case (.color, .string(let text)):
            guard let mode = ColorMode(rawValue: text) else { throw bad() }
            color = mode
        default:
            throw bad()
        }
    }

    /// Parses a value typed on the command line (`caro config set KEY VALUE`): booleans and numbers as
    /// themselves, anything else as a string, so quotes are not needed.
    public static func commandLineValue(_ text: String, for key: Key) -> TOMLSubset.Value {
        switch key {
        case .autoSync:
            switch text.lowercased() {
            case "true", "on", "yes": return .bool(true)
            case "false", "off", "no": return .bool(false)
            default: return .string(text)
            }
        case .relay, .relayCAFile, .color, .communityFeed, .communityRelay:
            return .string(text)
        }
    }
}

/// A problem with `config.toml` or a config key, in one sentence that says what to do.
public enum ConfigError: Error, CustomStringConvertible, Equatable {
    /// A line of the file is wrong: `path:line: message`.
    case invalidLine(path: String, line: Int, message: String)
    case unknownKey(String)
    case badValue(key: String, value: String, expected: String)
    /// The file cannot be read or written.
    case unusable(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidLine(let path, let line, let message):
            return "\(path):\(line): \(message)."
        case .unknownKey(let name):
            return "unknown key \"\(name)\"; known keys: \(DeviceConfig.Key.list)"
        case .badValue(let key, let value, let expected):
            return "\(value) is not a valid \(key): expected \(expected)"
        case .unusable(let path, let reason):
            return "Cannot use \(path): \(reason)."
        }
    }

    /// The line at fault, if the error is about a line of the file.
    public var line: Int? {
        if case .invalidLine(_, let line, _) = self { return line }
        return nil
    }
}

extension ConfigError {
    /// The error as the CLI reports it: a wrong key or value typed on the command line is a usage error
    /// (exit 2); a broken file or one that cannot be written is an error (exit 1).
    public var caroError: CaroError {
        switch self {
        case .unknownKey, .badValue: return .invalidArgument(description)
        case .invalidLine, .unusable: return .failed(description)
        }
    }
}
