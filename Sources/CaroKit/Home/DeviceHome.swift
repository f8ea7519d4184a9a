#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where one device's Caro data and configuration live.
///
/// Resolved from `--home DIR` (data and config both in DIR), else `CARO_HOME`, else
/// `$XDG_DATA_HOME/caro` and `$XDG_CONFIG_HOME/caro` (`~/.local/share/caro` and `~/.config/caro` when
/// those are unset or empty).
public struct DeviceHome: Sendable, Equatable {
    /// Holds the database (`caro.db`).
    public var dataDirectory: String
    /// Holds device-local configuration files.
    public var configDirectory: String

    public init(dataDirectory: String, configDirectory: String) {
        self.dataDirectory = dataDirectory
        self.configDirectory = configDirectory
    }

    /// A whole home in one directory (what `--home DIR` means).
    public init(directory: String) {
        self.init(dataDirectory: directory, configDirectory: directory)
    }

    /// Resolves the home: `home` (from `--home`), then `CARO_HOME`, then the XDG directories.
    /// `environment` looks up a variable (the process environment by default).
    public static func resolve(home: String?, environment: (String) -> String? = DeviceHome.processEnvironment) -> DeviceHome {
        if let home, !home.isEmpty { return DeviceHome(directory: home) }
        if let home = environment("CARO_HOME"), !home.isEmpty { return DeviceHome(directory: home) }
        let userHome = environment("HOME").flatMap { $0.isEmpty ? nil : $0 } ?? "."
        func xdg(_ variable: String, _ fallback: String) -> String {
            // The XDG spec: relative paths are invalid and must be ignored.
            if let value = environment(variable), value.hasPrefix("/") { return value }
            return userHome + "/" + fallback
        }
        return DeviceHome(dataDirectory: xdg("XDG_DATA_HOME", ".local/share") + "/caro",
                          configDirectory: xdg("XDG_CONFIG_HOME", ".config") + "/caro")
    }

    /// Reads a variable of this process's environment.
    public static func processEnvironment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// The home database: history, preferences, and (for sync) the CoValue tables.
    public var databasePath: String { dataDirectory + "/caro.db" }

    /// Creates the data directory (and its parents) if missing. Throws ``CaroError`` when it cannot
    /// (a file in the way, no permission, read-only file system).
    public func createDataDirectory() throws(CaroError) {
        try Self.makeDirectories(dataDirectory)
    }

    static func makeDirectories(_ path: String) throws(CaroError) {
        var info = stat()
        if stat(path, &info) == 0 {
            guard (info.st_mode & S_IFMT) == S_IFDIR else {
                throw .homeUnusable(path: path, reason: "it exists but is not a directory; move it away or choose another --home")
            }
            return
        }
        let parent = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        if !parent.isEmpty && parent != path { try makeDirectories(parent) }
        if mkdir(path, 0o700) != 0 && errno != EEXIST {
            let reason = String(cString: strerror(errno))
            throw .homeUnusable(path: path, reason: "cannot create it (\(reason)); check the permissions of its parent or choose another --home")
        }
    }
}
