import CaroStore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What the checks of one `caro doctor` run share: the home, and what was read from it, each read once.
/// Nothing here writes to the home: the database is opened read-only and never migrated.
public final class DoctorContext {
    public let home: DeviceHome
    public let options: DoctorOptions

    init(home: DeviceHome, options: DoctorOptions) {
        self.home = home
        self.options = options
    }

    /// `config.toml`, parsed (all defaults when there is no file).
    public private(set) lazy var config: Result<DeviceConfig, ConfigError> = Result(catching: { () throws(ConfigError) -> DeviceConfig in
        try ConfigFile.load(home)
    })

    /// The home database opened read-only: nil when there is no database file yet; a failure when it
    /// cannot be opened or read.
    public private(set) lazy var database: Result<SQLiteDatabase, SQLiteError>? = {
        var info = stat()
        guard stat(home.databasePath, &info) == 0 else { return nil }
        return Result(catching: { () throws(SQLiteError) -> SQLiteDatabase in
            let database = try SQLiteDatabase(path: home.databasePath, options: .init(create: false, readOnly: true))
            _ = try database.userVersion()  // reads the header: a file that is not a database fails here
            return database
        })
    }()

    /// What `caro sync init|join` recorded (`sync.json`): nil when sync was never set up here, or when the
    /// file cannot be read (the secrets check and `caro sync status` report that).
    public private(set) lazy var credentials: DeviceCredentials? = try? DeviceCredentials.load(from: home)

    /// The relay sync talks to, and the CA file for it: `relay` / `relay-ca-file` in `config.toml` (where
    /// `caro sync init|join` records them), else what an earlier caro recorded in `sync.json`.
    lazy var relay: (url: String, caFile: String?)? = {
        let configured = try? config.get()
        if let url = configured?.relay { return (url, configured?.relayCAFile) }
        if let credentials, !credentials.relay.isEmpty { return (credentials.relay, configured?.relayCAFile ?? credentials.ca) }
        return nil
    }()

    /// The relay probe's result (run once, by the first check that needs it), nil without a relay.
    lazy var relayProbe: RelayProbe.Outcome? = {
        guard let relay else { return nil }
        return RelayProbe.run(relay.url, caFile: relay.caFile, timeoutMilliseconds: options.networkTimeoutMilliseconds)
    }()
}
