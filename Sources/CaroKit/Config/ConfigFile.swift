import Foundation

/// Reading and editing `config.toml` in a device home's config directory.
public enum ConfigFile {
    /// The file of `home`.
    public static func path(in home: DeviceHome) -> String { home.configDirectory + "/config.toml" }

    /// Whether `home` has the file.
    public static func exists(in home: DeviceHome) -> Bool { FileManager.default.fileExists(atPath: path(in: home)) }

    /// The configuration of `home`: defaults, overridden by the file's keys. A missing file is all
    /// defaults; a line that is not valid throws ``ConfigError/invalidLine(path:line:message:)``.
    public static func load(_ home: DeviceHome) throws(ConfigError) -> DeviceConfig {
        let path = path(in: home)
        guard let text = try read(path) else { return DeviceConfig() }
        return try parse(text, path: path)
    }

    /// Parses the text of a config file (`path` names it in errors).
    public static func parse(_ text: String, path: String) throws(ConfigError) -> DeviceConfig {
        let lines: [TOMLSubset.Line]
        do {
            lines = try TOMLSubset.parse(text)
        } catch {
            throw .invalidLine(path: path, line: error.line, message: error.message)
        }
        var config = DeviceConfig()
        for line in lines {
            do {
                try config.set(try DeviceConfig.Key.named(line.key), to: line.value)
            } catch {
                throw .invalidLine(path: path, line: line.number, message: error.description)
            }
        }
        return config
    }

    /// Sets `key` to `value` (nil removes it) in the file, keeping every other line and comment as it
    /// is; the whole result is checked before it is written (atomically, mode 0600), so a failed edit
    /// changes nothing. Returns the new configuration.
    @discardableResult
    public static func set(_ key: DeviceConfig.Key, to value: TOMLSubset.Value?, in home: DeviceHome) throws(ConfigError) -> DeviceConfig {
        let path = path(in: home)
        let old = try read(path) ?? ""
        // The file must be valid before it is edited: the user fixes a broken line first.
        _ = try parse(old, path: path)
        var lines = old.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        let parsed = (try? TOMLSubset.parse(old)) ?? []
        let existing = parsed.first { $0.key == key.rawValue }
        let newLine = value.map { "\(key.rawValue) = \($0)" }
        if let existing {
            if let newLine { lines[existing.number - 1] = newLine } else { lines.remove(at: existing.number - 1) }
        } else if let newLine {
            if lines.isEmpty { lines.append("# caro device-local settings (Docs/config.md); never synced.") }
            lines.append(newLine)
        }
        let text = lines.joined(separator: "\n") + "\n"
        let config = try parse(text, path: path)
        do {
            try DeviceHome.makeDirectories(home.configDirectory)
        } catch {
            throw .unusable(path: path, reason: error.description)
        }
        try write(text, to: path)
        return config
    }

    private static func read(_ path: String) throws(ConfigError) -> String? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unusable(path: path, reason: "it cannot be read; check its permissions (chmod 600 \(path))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .unusable(path: path, reason: "it is not UTF-8 text; fix or remove it")
        }
        return text
    }

    private static func write(_ text: String, to path: String) throws(ConfigError) {
        let temporary = path + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw .unusable(path: path, reason: "cannot write \(temporary); check the permissions of \((path as NSString).deletingLastPathComponent)")
        }
        if rename(temporary, path) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw .unusable(path: path, reason: "cannot replace it (\(reason))")
        }
    }
}
