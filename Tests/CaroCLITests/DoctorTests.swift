import CaroStore
import Foundation
import Testing

/// `caro doctor`, end to end: fresh home, damaged database, broken config, open secrets, a relay that is
/// down and one that is up; colours only where allowed.
@Suite("caro doctor", .serialized)
struct DoctorTests {
    struct Line: Decodable {
        var check: String
        var status: String
        var message: String
        var fix: String?
    }

    static func report(_ home: TemporaryHome, environment: [String: String?] = [:]) throws -> (status: Int32, lines: [String: Line]) {
        let result = try home.caro("doctor", "--json", environment: environment)
        let lines = try JSONDecoder().decode([Line].self, from: Data(result.stdout.utf8))
        #expect(lines.map(\.check) == ["home", "database", "secrets", "config", "pending", "sync", "relay", "clock"])
        for line in lines where line.status != "ok" {
            #expect(line.fix?.isEmpty == false, "every problem says what to do: \(line)")
        }
        return (result.status, Dictionary(uniqueKeysWithValues: lines.map { ($0.check, $0) }))
    }

    @Test func aFreshHomeIsHealthy() throws {
        let home = try TemporaryHome()
        let text = try home.caro("doctor")
        #expect(text.status == 0, "\(text.stdout)\(text.stderr)")
        #expect(text.stdout.split(separator: "\n").count == 8)
        #expect(text.stdout.split(separator: "\n").allSatisfy { $0.hasPrefix("ok ") }, "\(text.stdout)")
        #expect(!text.stdout.contains("\u{1B}["), "not a terminal: no colours")
        #expect(try home.caro("history", "add", "--command", "make test").status == 0)
        let (status, lines) = try Self.report(home)
        #expect(status == 0)
        #expect(lines["database"]?.message.contains("integrity check ok") == true)
        #expect(lines["pending"]?.message.hasPrefix("1 entry") == true)
        #expect(lines["sync"]?.message.hasPrefix("not set up") == true)
    }

    @Test func aDamagedDatabaseFailsWithTheWayOut() throws {
        let home = try TemporaryHome()
        try Data(repeating: 0x5A, count: 8192).write(to: URL(fileURLWithPath: home.path + "/caro.db"))
        let (status, lines) = try Self.report(home)
        #expect(status == 1)
        #expect(lines["database"]?.status == "fail")
        #expect(lines["database"]?.message.contains("damaged") == true)
        #expect(lines["database"]?.fix?.contains("mv \(home.path)/caro.db \(home.path)/caro.db.damaged") == true)
        #expect(lines["pending"]?.status == "warn")
        let text = try home.caro("doctor")
        #expect(text.status == 1)
        #expect(text.stdout.contains("fail  database"), "\(text.stdout)")
        #expect(text.stdout.contains("fix: Move it away"))
        // Nothing was changed.
        #expect(try Data(contentsOf: URL(fileURLWithPath: home.path + "/caro.db")) == Data(repeating: 0x5A, count: 8192))
    }

    @Test func aDatabaseThatFailsTheIntegrityCheckFails() throws {
        let home = try TemporaryHome()
        for index in 1...20 { #expect(try home.caro("history", "add", "--command", "echo \(index) a longer line of text").status == 0) }
        let path = home.path + "/caro.db"
        // Everything into the main file, then one index page emptied: the rows are no longer in the index.
        var page = 0
        var pageSize = 0
        do {
            let database = try SQLiteDatabase(path: path)
            try database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            let root = try database.prepare("SELECT rootpage FROM sqlite_master WHERE name = 'history_by_time'")
            #expect(try root.step())
            page = root.int(at: 0)
            let size = try database.prepare("PRAGMA page_size")
            #expect(try size.step())
            pageSize = size.int(at: 0)
            database.close()
        }
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let start = (page - 1) * pageSize
        bytes.replaceSubrange(start..<(start + pageSize), with: [0x0A] + [UInt8](repeating: 0, count: pageSize - 1))
        try bytes.write(to: URL(fileURLWithPath: path))
        let (status, lines) = try Self.report(home)
        #expect(status == 1)
        #expect(lines["database"]?.status == "fail")
        #expect(lines["database"]?.message.contains("fails the integrity check") == true, "\(String(describing: lines["database"]))")
        #expect(lines["database"]?.message.contains("missing from index history_by_time") == true)
        #expect(lines["database"]?.fix?.hasPrefix("Move it away") == true)
    }

    @Test func aBrokenConfigFailsNamingTheLine() throws {
        let home = try TemporaryHome()
        try "# mine\n\nauto-sync = maybe\n".write(toFile: home.path + "/config.toml", atomically: true, encoding: .utf8)
        let (status, lines) = try Self.report(home)
        #expect(status == 1)
        #expect(lines["config"]?.status == "fail")
        #expect(lines["config"]?.message.contains("config.toml:3: maybe is not a value") == true, "\(String(describing: lines["config"]))")
        #expect(lines["config"]?.fix?.contains("Fix line 3 of") == true)
        #expect(lines["sync"]?.status == "warn")
    }

    @Test func secretFilesMustBePrivate() throws {
        let home = try TemporaryHome()
        let secret = home.path + "/sync.json"
        #expect(FileManager.default.createFile(atPath: secret, contents: Data("{}".utf8), attributes: [.posixPermissions: 0o644]))
        let (status, lines) = try Self.report(home)
        #expect(status == 1)
        #expect(lines["secrets"]?.status == "fail")
        #expect(lines["secrets"]?.fix == "Make them private: chmod 600 \(secret).")
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: secret)
        let (after, fixed) = try Self.report(home)
        #expect(after == 0)
        #expect(fixed["secrets"]?.message.contains("sync.json: private (0600)") == true)
    }

    /// A port nothing listens on (bound, then closed).
    static func closedPort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try withUnsafeMutablePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                guard bind(descriptor, raw, length) == 0, getsockname(descriptor, raw, &length) == 0 else { throw CocoaError(.fileNoSuchFile) }
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    @Test func aRelayThatIsDownIsUnreachable() throws {
        let home = try TemporaryHome()
        let port = try Self.closedPort()
        #expect(try home.caro("config", "set", "relay", "ws://127.0.0.1:\(port)/?key=me@example.com").status == 0)
        let (status, lines) = try Self.report(home)
        #expect(status == 1)
        #expect(lines["sync"]?.message.contains("relay ws://127.0.0.1:\(port)/?…") == true, "the key is not shown")
        #expect(lines["relay"]?.status == "fail")
        #expect(lines["relay"]?.message == "Cannot reach ws://127.0.0.1:\(port)/?…: connection refused")
        #expect(lines["relay"]?.fix?.contains("Is the relay running?") == true)
        #expect(lines["clock"]?.status == "ok")
    }

    @Test func aRunningRelayIsReachableAndTheClockIsChecked() throws {
        let relay = try RelayProcess(["--in-memory"])
        defer { relay.stop() }
        let home = try TemporaryHome()
        #expect(try home.caro("config", "set", "relay", relay.url).status == 0)
        let (status, lines) = try Self.report(home)
        #expect(status == 0, "\(lines)")
        #expect(lines["relay"]?.status == "ok")
        #expect(lines["relay"]?.message.contains("accepts WebSocket connections; GET /health: ok") == true, "\(String(describing: lines["relay"]))")
        #expect(lines["clock"]?.status == "ok")
        #expect(lines["clock"]?.message.contains("in step with the relay") == true, "\(String(describing: lines["clock"]))")
    }

    @Test func afterSyncInitTheRelayOfTheDeviceIsChecked() throws {
        let relay = try RelayProcess(["--in-memory"])
        defer { relay.stop() }
        let home = try TemporaryHome()
        let words = home.path + "/words.txt"
        #expect(try home.caro("sync", "init", "--relay", relay.url, "--words-file", words).status == 0)
        #expect(try home.caro("sync", "pause").status == 0)
        #expect(try home.caro("history", "add", "--command", "make deploy").status == 0)
        // No relay in config.toml: doctor checks the relay `sync init` recorded.
        let (status, lines) = try Self.report(home)
        #expect(status == 0, "\(lines)")
        #expect(lines["sync"]?.message.contains("device co_z") == true, "\(String(describing: lines["sync"]))")
        #expect(lines["sync"]?.message.contains("paused") == true, "\(String(describing: lines["sync"]))")
        #expect(lines["pending"]?.message == "1 entry not yet pushed to the relay", "\(String(describing: lines["pending"]))")
        #expect(lines["relay"]?.message.contains("GET /health: ok") == true, "\(String(describing: lines["relay"]))")
    }

    @Test func aWssRelayNeedsATrustedCertificate() throws {
        let directory = try TemporaryHome()
        let (key, certificate) = (directory.path + "/key.pem", directory.path + "/cert.pem")
        let made = try CaroBinary.runExecutable(URL(fileURLWithPath: "/usr/bin/openssl"), [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", certificate,
        ])
        #expect(made.status == 0, "\(made.stderr)")
        let relay = try RelayProcess(["--in-memory", "--tls-cert", certificate, "--tls-key", key])
        defer { relay.stop() }
        let home = try TemporaryHome()
        #expect(try home.caro("config", "set", "relay", "wss://127.0.0.1:\(relay.port)").status == 0)
        let (untrusted, before) = try Self.report(home)
        #expect(untrusted == 1)
        #expect(before["relay"]?.status == "fail")
        #expect(before["relay"]?.message.contains("certificate is not trusted") == true, "\(String(describing: before["relay"]))")
        #expect(before["relay"]?.fix?.contains("caro config set relay-ca-file") == true)
        #expect(try home.caro("doctor").stderr.isEmpty, "the report says it all; libwebsockets' lines only with -v")
        #expect(try home.caro("config", "set", "relay-ca-file", certificate).status == 0)
        let (trusted, after) = try Self.report(home)
        #expect(trusted == 0)
        #expect(after["relay"]?.message.contains("accepts WebSocket connections (TLS certificate valid)") == true, "\(String(describing: after["relay"]))")
    }

    @Test func coloursFollowTheSettingAndNoColor() throws {
        let home = try TemporaryHome()
        #expect(try home.caro("config", "set", "color", "always").status == 0)
        let always = try home.caro("doctor", environment: ["NO_COLOR": nil])
        #expect(always.stdout.contains("\u{1B}[32mok"), "color = always colours even when piped: \(always.stdout)")
        let noColor = try home.caro("doctor", environment: ["NO_COLOR": "1"])
        #expect(!noColor.stdout.contains("\u{1B}["), "NO_COLOR wins")
        #expect(try !home.caro("doctor", "--json", environment: ["NO_COLOR": nil]).stdout.contains("\u{1B}["), "JSON is never coloured")
        #expect(noColor.stdout == always.stdout.replacingOccurrences(of: "\u{1B}\\[[0-9]+m", with: "", options: .regularExpression))
        #expect(try home.caro("config", "set", "color", "auto").status == 0)
        #expect(try !home.caro("doctor", environment: ["NO_COLOR": nil]).stdout.contains("\u{1B}["), "auto: not a terminal, no colours")
        // On a terminal (util-linux `script` gives the command a pseudo-terminal), auto colours.
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/script") {
            let command = "'\(CaroBinary.url.path)' --home '\(home.path)' doctor"
            let tty = try CaroBinary.runExecutable(URL(fileURLWithPath: "/usr/bin/script"), ["-qec", command, "/dev/null"], environment: ["TERM": "xterm", "NO_COLOR": nil])
            #expect(tty.stdout.contains("\u{1B}[32mok"), "\(tty.stdout)")
            let ttyNoColor = try CaroBinary.runExecutable(URL(fileURLWithPath: "/usr/bin/script"), ["-qec", command, "/dev/null"], environment: ["TERM": "xterm", "NO_COLOR": "1"])
            #expect(ttyNoColor.stdout.contains("ok    home"))
            #expect(!ttyNoColor.stdout.contains("\u{1B}["))
        }
    }
}
