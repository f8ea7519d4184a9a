import Foundation
import JazzProto

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What a device keeps to sync (`sync.json` in the config directory, mode 0600): its own Jazz account's
/// secret and session, the relay, and the IDs of Caro's CoValues. Never the 24 words.
public struct DeviceCredentials: Codable, Sendable, Equatable {
    /// The device account's agent secret (`sealerSecret_z…/signerSecret_z…`).
    public var agentSecret: String
    /// The device's Jazz account.
    public var account: String
    /// The one session this device writes in, reused by every process (see ``SessionLock``).
    public var session: String
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
    /// A PEM file of CA certificates to trust for a `wss://` relay instead of the system store (`--ca`).
    public var ca: String?

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

    /// Reads the credentials of `home`; nil when sync was never set up there.
    public static func load(from home: DeviceHome) throws(CaroError) -> DeviceCredentials? {
        let path = path(in: home)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            return try JSONDecoder().decode(DeviceCredentials.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw .failed("Cannot read \(path) (\(error.localizedDescription)): it is damaged; run caro sync reset --yes, then join again with the 24 words.")
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
