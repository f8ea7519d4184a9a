import CaroStore
import Foundation

/// The checks of the device home itself: directories, database, secret files, `config.toml`, pending entries.
public enum HomeChecks {
    public static let all: [DoctorCheck] = [
        DoctorCheck("home", run: directories), DoctorCheck("database", run: database), DoctorCheck("secrets", run: secrets),
        DoctorCheck("config", run: config), DoctorCheck("pending", run: pending),
    ]

    /// The data and config directories: present (or creatable) and writable.
    static func directories(_ context: DoctorContext) -> DoctorResult {
        let home = context.home
        var directories = [home.dataDirectory]
        if home.configDirectory != home.dataDirectory { directories.append(home.configDirectory) }
        var present: [String] = []
        var missing: [String] = []
        for directory in directories {
            var info = stat()
            guard stat(directory, &info) == 0 else {
                missing.append(directory)
                continue
            }
            guard (info.st_mode & S_IFMT) == S_IFDIR else {
                return DoctorResult(check: "home", status: .fail, message: "\(directory) is not a directory",
                                    fix: "Move the file \(directory) away, or use another home (--home DIR or CARO_HOME).")
            }
            guard access(directory, W_OK | X_OK) == 0 else {
                return DoctorResult(check: "home", status: .fail, message: "\(directory) is not writable by you",
                                    fix: "Give yourself access (chmod u+rwx \(directory)), or use another home (--home DIR).")
            }
            present.append(directory)
        }
        var message = present.isEmpty ? "" : present.joined(separator: " and ") + ": present and writable"
        if !missing.isEmpty {
            message += (message.isEmpty ? "" : "; ") + missing.joined(separator: " and ") + ": not created yet (the first command that needs it creates it)"
        }
        return .ok("home", message)
    }

    /// The database: opens, has the current schema, passes `PRAGMA integrity_check`.
    static func database(_ context: DoctorContext) -> DoctorResult {
        let path = context.home.databasePath
        guard let opened = context.database else { return .ok("database", "no database yet (the first command creates \(path))") }
        let damaged = "Move it away (mv \(path) \(path).damaged; caro then starts an empty one) or restore it from a backup; "
            + "or keep every readable entry with caro doctor --repair (the damaged file is kept aside)."
        do {
            let database = try opened.get()
            let version = try database.userVersion()
            let latest = HomeSchema.latestVersion
            if version > latest {
                return DoctorResult(check: "database", status: .fail,
                                    message: "\(path) has schema version \(version); this caro knows only up to \(latest)",
                                    fix: "A newer caro wrote it: use that version (or newer) of caro on this home.")
            }
            let problems = try database.integrityProblems(thorough: true)
            if !problems.isEmpty {
                // integrity_check's first row may start with "*** in database main ***" and a line break.
                let lines = problems.flatMap { $0.split(whereSeparator: \.isNewline).map(String.init) }.filter { !$0.hasPrefix("***") }
                let shown = lines.prefix(3).joined(separator: "; ") + (lines.count > 3 ? "; …" : "")
                return DoctorResult(check: "database", status: .fail,
                                    message: "\(path) fails the integrity check (\(lines.count) problems: \(shown))", fix: damaged)
            }
            if version < latest {
                return DoctorResult(check: "database", status: .warn,
                                    message: "\(path) is sound but has schema version \(version) of \(latest)",
                                    fix: "Run any caro command that writes (e.g. caro prefs list) to upgrade it.")
            }
            return .ok("database", "\(path): schema version \(version) (current), integrity check ok")
        } catch {
            switch error {
            case .notADatabase, .corrupt:
                return DoctorResult(check: "database", status: .fail, message: "\(path) is damaged or not a caro database (\(error.message))",
                                    fix: damaged)
            case .cannotOpen, .readOnly:
                return DoctorResult(check: "database", status: .fail, message: "cannot open \(path) (\(error.message))",
                                    fix: "Check that it is a file you may read and write (ls -l \(path)), in a directory you may write.")
            default:
                return DoctorResult(check: "database", status: .fail, message: "\(path) cannot be read (\(error.message))",
                                    fix: "If another caro process is busy, try again; otherwise: \(damaged)")
            }
        }
    }

    /// The names of the files in the config directory that hold secrets and must be private (0600):
    /// the sync credentials (`sync.json`), `*.secret` and `identity*`.
    static func isSecretFile(_ name: String) -> Bool {
        name == "sync.json" || name.hasSuffix(".secret") || name.hasPrefix("identity")
    }

    /// Secret files in the config directory are readable by their owner only.
    static func secrets(_ context: DoctorContext) -> DoctorResult {
        let directory = context.home.configDirectory
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter(isSecretFile).sorted()
        guard !names.isEmpty else { return .ok("secrets", "no secret files in \(directory) (sync is not set up here)") }
        var open: [String] = []
        for name in names {
            var info = stat()
            let path = directory + "/" + name
            if stat(path, &info) == 0, info.st_mode & 0o077 != 0 {
                open.append(path + " (mode " + String(info.st_mode & 0o777, radix: 8) + ")")
            }
        }
        guard open.isEmpty else {
            let paths = open.map { $0.split(separator: " ").first.map(String.init) ?? $0 }
            return DoctorResult(check: "secrets", status: .fail, message: "other users may read \(open.joined(separator: ", "))",
                                fix: "Make them private: chmod 600 \(paths.joined(separator: " ")).")
        }
        return .ok("secrets", "\(names.joined(separator: ", ")): private (0600)")
    }

    /// `config.toml` parses and every key is known.
    static func config(_ context: DoctorContext) -> DoctorResult {
        let path = ConfigFile.path(in: context.home)
        switch context.config {
        case .success:
            return .ok("config", ConfigFile.exists(in: context.home) ? "\(path) is valid" : "no \(path) (every setting at its default)")
        case .failure(let error):
            let fix = error.line.map { "Fix line \($0) of \(path) (keys and values: Docs/config.md, or caro config set KEY VALUE)." }
                ?? "Fix or remove \(path) (keys and values: Docs/config.md)."
            return DoctorResult(check: "config", status: .fail, message: error.description, fix: fix)
        }
    }

    /// How many entries are waiting to be pushed by sync.
    static func pending(_ context: DoctorContext) -> DoctorResult {
        guard let opened = context.database else { return .ok("pending", "no entries yet") }
        guard case .success(let database) = opened,
            let statement = try? database.prepare("SELECT count(*) FROM history WHERE pending = 1"),
            (try? statement.step()) == true
        else {
            return DoctorResult(check: "pending", status: .warn, message: "not counted: the database cannot be read",
                                fix: "See the database check above.")
        }
        let count = statement.int(at: 0)
        let syncing = context.relay != nil
        let entries = count == 1 ? "1 entry" : "\(count) entries"
        return .ok("pending", syncing ? "\(entries) not yet pushed to the relay" : "\(entries) recorded on this device only (sync is not set up)")
    }
}
