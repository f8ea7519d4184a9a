import Foundation
import JazzProto

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What a device keeps to sync (`sync.json` in the config directory, mode 0600): its own Jazz account's
/// secret and session, and the IDs of Caro's CoValues. Never the 24 words. The relay and its CA file are
/// not in it: `relay` / `relay-ca-file` in `config.toml` are their one source (``load(from:)`` fills them
/// in, and moves them out of a `sync.json` written by an earlier caro).
public struct DeviceCredentials: Codable, Sendable, Equatable {
    /// The device account's agent secret (`sealerSecret_z…/signerSecret_z…`).
    public var agentSecret: String
    /// The device's Jazz account.
    public var account: String
    /// The one session this device writes in, reused by every process (see ``SessionLock``).
    public var session: String
    /// The relay (`relay` in `config.toml`; "" when none is configured). Not written to `sync.json`.
    public var relay: String
    /// The 24-word account (the Caro group's admin).
    public var identity: String
    public var group: String
    public var root: String
    public var history: String
    public var preferences: String
    public var devices: String
    /// True after `caro sync pause`: no sync makes any network traffic until `resume`.
    public var paused: Bool = false
    /// A PEM file of CA certificates to trust for a `wss://` relay instead of the system store (`--ca`;
    /// `relay-ca-file` in `config.toml`). Not written to `sync.json`.
    public var ca: String?

    /// What `sync.json` holds: everything but the relay and its CA file (an earlier caro wrote those too;
    /// they are read once, to move them to `config.toml`).
    enum CodingKeys: String, CodingKey {
        case agentSecret, account, session, identity, group, root, history, preferences, devices, paused
        case relay, ca
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        agentSecret = try container.decode(String.self, forKey: .agentSecret)
        account = try container.decode(String.self, forKey: .account)
        session = try container.decode(String.self, forKey: .session)
        identity = try container.decode(String.self, forKey: .identity)
        group = try container.decode(String.self, forKey: .group)
        root = try container.decode(String.self, forKey: .root)
        history = try container.decode(String.self, forKey: .history)
        preferences = try container.decode(String.self, forKey: .preferences)
        devices = try container.decode(String.self, forKey: .devices)
        paused = try container.decodeIfPresent(Bool.self, forKey: .paused) ?? false
        relay = try container.decodeIfPresent(String.self, forKey: .relay) ?? ""
        ca = try container.decodeIfPresent(String.self, forKey: .ca)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(agentSecret, forKey: .agentSecret)
        try container.encode(account, forKey: .account)
        try container.encode(session, forKey: .session)
        try container.encode(identity, forKey: .identity)
        try container.encode(group, forKey: .group)
        try container.encode(root, forKey: .root)
        try container.encode(history, forKey: .history)
        try container.encode(preferences, forKey: .preferences)
        try container.encode(devices, forKey: .devices)
        try container.encode(paused, forKey: .paused)
    }

    public init(agentSecret: String, account: String, session: String, relay: String, identity: String, group: String,
                root: String, history: String, preferences: String, devices: String) {
        self.agentSecret = agentSecret
        self.account = account
        self.session = session
        self.relay = relay
        self.identity = identity
        self.group = group
        self.root = root
        self.history = history
        self.preferences = preferences
        self.devices = devices
    }

    /// The file in `home`.
    public static func path(in home: DeviceHome) -> String { home.configDirectory + "/sync.json" }

    /// Reads the credentials of `home`, with the relay and CA file of its `config.toml`; nil when sync
    /// was never set up there. A `sync.json` that still holds a relay (written by an earlier caro) has it
    /// moved to `config.toml` (unless that names one already, which wins) and is rewritten without it;
    /// if either file cannot be written, the old values are used as they are.
    public static func load(from home: DeviceHome) throws(CaroError) -> DeviceCredentials? {
        let path = path(in: home)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        var credentials: DeviceCredentials
        do {
            credentials = try JSONDecoder().decode(DeviceCredentials.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw .failed("Cannot read \(path) (\(error.localizedDescription)): it is damaged; run caro sync reset --yes, then join again with the 24 words.")
        }
        let config: DeviceConfig
        do { config = try ConfigFile.load(home) } catch { throw error.caroError }
        let legacy = (relay: credentials.relay, ca: credentials.ca)
        credentials.relay = config.relay ?? legacy.relay
        credentials.ca = config.relay != nil ? config.relayCAFile : (config.relayCAFile ?? legacy.ca)
        if !legacy.relay.isEmpty || legacy.ca != nil {
            credentials.moveRelayToConfig(home, configured: config)
        }
        return credentials
    }

    /// Writes the relay and CA file to `config.toml` where it has none, then `sync.json` without them.
    private func moveRelayToConfig(_ home: DeviceHome, configured: DeviceConfig) {
        do {
            if configured.relay == nil, !relay.isEmpty { try ConfigFile.set(.relay, to: .string(relay), in: home) }
            if configured.relayCAFile == nil, let ca { try ConfigFile.set(.relayCAFile, to: .string(ca), in: home) }
            try save(to: home)
        } catch {
            // A read-only home keeps working with the values as they are.
        }
    }

    /// Records `relay` (and `caFile`, when given) as the relay of `home` in its `config.toml`.
    public static func configure(relay: String, caFile: String?, in home: DeviceHome) throws(CaroError) {
        do {
            try ConfigFile.set(.relay, to: .string(relay), in: home)
            if let caFile { try ConfigFile.set(.relayCAFile, to: .string(caFile), in: home) }
        } catch {
            throw error.caroError
        }
    }

    /// Like ``load(from:)``, but says what to do when sync was never set up.
    public static func required(in home: DeviceHome) throws(CaroError) -> DeviceCredentials {
        guard let credentials = try load(from: home) else {
            throw .failed("Sync is not set up on this device: run caro sync init --relay URL (new identity) or caro sync join --relay URL (with your 24 words).")
        }
        return credentials
    }

    /// Writes the file atomically with mode 0600 (a temporary file renamed over it).
    public func save(to home: DeviceHome) throws(CaroError) {
        try DeviceHome.makeDirectories(home.configDirectory)
        let path = Self.path(in: home)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            try SecretFile.write(try encoder.encode(self), to: path)
        } catch let error as CaroError {
            throw error
        } catch {
            throw .failed("Cannot write \(path): \(error.localizedDescription)")
        }
    }

    public func parsedSecret() throws(CaroError) -> AgentSecret {
        do { return try AgentSecret(agentSecret) } catch { throw .failed("The device secret in sync.json is damaged: \(error)") }
    }

    public func id(_ text: String) throws(CaroError) -> CoID {
        do { return try CoID(text) } catch { throw .failed("sync.json holds a damaged CoValue ID '\(text)': \(error)") }
    }
}

/// Files only their owner may read.
public enum SecretFile {
    /// Writes `data` to `path` with mode 0600, atomically (created 0600 under a temporary name, then renamed).
    public static func write(_ data: Data, to path: String) throws(CaroError) {
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw .failed("Cannot create \(path): \(String(cString: strerror(errno))).") }
        fchmod(fd, 0o600)
        let written = data.withUnsafeBytes { bytes in
            #if canImport(Glibc)
                Glibc.write(fd, bytes.baseAddress, bytes.count)
            #else
                Darwin.write(fd, bytes.baseAddress, bytes.count)
            #endif
        }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == data.count, synced, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw .failed("Cannot write \(path): \(String(cString: strerror(errno))).")
        }
    }
}
