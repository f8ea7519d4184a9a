import Foundation
import Testing

/// `config.toml` and `caro config …`, through the binary.
@Suite("caro config", .serialized)
struct ConfigTests {
    static func write(_ text: String, in home: TemporaryHome) throws {
        try text.write(toFile: home.path + "/config.toml", atomically: true, encoding: .utf8)
    }

    static func read(_ home: TemporaryHome) -> String {
        (try? String(contentsOfFile: home.path + "/config.toml", encoding: .utf8)) ?? ""
    }

    @Test func defaultsWithoutAFile() throws {
        let home = try TemporaryHome()
        let list = try home.caro("config", "list", "--json")
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdout == #"{"auto-sync":true,"color":"auto","community-feed":null,"community-relay":null,"relay":null,"relay-ca-file":null}"# + "\n")
        let path = try home.caro("config", "path")
        #expect(path.stdout == home.path + "/config.toml\n")
        #expect(!FileManager.default.fileExists(atPath: home.path + "/config.toml"))
    }

    @Test func withoutAHomeTheFileIsInTheXDGConfigDirectory() throws {
        let scratch = try TemporaryHome()
        let environment: [String: String?] = ["CARO_HOME": nil, "HOME": scratch.path, "XDG_CONFIG_HOME": scratch.path + "/xdg-config",
                                              "XDG_DATA_HOME": scratch.path + "/xdg-data"]
        let path = try CaroBinary.run(["config", "path"], environment: environment)
        #expect(path.stdout == scratch.path + "/xdg-config/caro/config.toml\n")
        #expect(try CaroBinary.run(["config", "set", "color", "never"], environment: environment).status == 0)
        #expect(FileManager.default.fileExists(atPath: scratch.path + "/xdg-config/caro/config.toml"))
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/xdg-data/caro"), "config never creates the data directory")
        let unset = try CaroBinary.run(["config", "path"], environment: ["CARO_HOME": nil, "HOME": scratch.path, "XDG_CONFIG_HOME": nil])
        #expect(unset.stdout == scratch.path + "/.config/caro/config.toml\n")
    }

    @Test func setWritesTheFileKeepingCommentsAndGetReadsIt() throws {
        let home = try TemporaryHome()
        try Self.write("# my settings\ncolor = \"never\"  # no colours here\n\n", in: home)
        let relay = "wss://cloud.jazz.tools/?key=me@example.com"
        let set = try home.caro("config", "set", "relay", relay)
        #expect(set.status == 0, "\(set.stderr)")
        #expect(try home.caro("config", "set", "auto-sync", "off").status == 0)
        #expect(try home.caro("config", "set", "color", "always").status == 0)
        #expect(Self.read(home) == "# my settings\ncolor = \"always\"\n\nrelay = \"\(relay)\"\nauto-sync = false\n")
        #expect(try home.caro("config", "get", "relay").stdout == relay + "\n")
        #expect(try home.caro("config", "get", "auto-sync", "--json").stdout == #"{"key":"auto-sync","value":false}"# + "\n")
        let attributes = try FileManager.default.attributesOfItem(atPath: home.path + "/config.toml")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(try home.caro("config", "unset", "relay").status == 0)
        #expect(try home.caro("config", "get", "relay").stdout == "")
        #expect(!Self.read(home).contains("relay"))
    }

    @Test func anUnknownKeyInTheFileNamesTheLine() throws {
        let home = try TemporaryHome()
        try Self.write("# caro\nauto-sync = true\ncolour = \"never\"\n", in: home)
        let result = try home.caro("config", "list")
        #expect(result.status == 1)
        #expect(result.stderr.contains(#"config.toml:3: unknown key "colour"; known keys: relay, relay-ca-file, auto-sync, color"#), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test func badValuesAndSyntaxNameTheLine() throws {
        let cases: [(String, String)] = [
            ("auto-sync = \"yes\"\n", "config.toml:1: \"yes\" is not a valid auto-sync: expected true or false"),
            ("\n\ncolor = \"purple\"\n", "config.toml:3: \"purple\" is not a valid color"),
            ("relay = \"http://example.com\"\n", "config.toml:1: \"http://example.com\" is not a valid relay"),
            ("color = \"never\n", "config.toml:1: the string has no closing \""),
            ("[sync]\n", "config.toml:1: tables"),
            ("color = never\n", "config.toml:1: never is not a value"),
            ("color = \"never\"\ncolor = \"auto\"\n", "config.toml:2: \"color\" is already set on line 1"),
        ]
        for (text, message) in cases {
            let home = try TemporaryHome()
            try Self.write(text, in: home)
            let result = try home.caro("config", "get", "color")
            #expect(result.status == 1, "\(text)")
            #expect(result.stderr.contains(message), "\(text): \(result.stderr)")
            let json = try home.caro("config", "get", "color", "--json")
            #expect(json.status == 1)
            #expect(json.stderr.hasPrefix("{\"error\":\""), "--json errors are JSON: \(json.stderr)")
        }
    }

    @Test func badKeysAndValuesOnTheCommandLineAreUsageErrorsAndChangeNothing() throws {
        let home = try TemporaryHome()
        try Self.write("color = \"never\"\n", in: home)
        let unknown = try home.caro("config", "set", "colour", "always")
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains(#"unknown key "colour"; known keys:"#))
        let bad = try home.caro("config", "set", "color", "purple")
        #expect(bad.status == 2)
        #expect(bad.stderr.contains(#""purple" is not a valid color: expected "auto", "always" or "never""#), "\(bad.stderr)")
        #expect(Self.read(home) == "color = \"never\"\n")
    }

    @Test func escapesAndLiteralStringsRoundTrip() throws {
        let home = try TemporaryHome()
        try Self.write("relay-ca-file = 'C:\\certs\\ca.pem' # literal\nrelay = \"ws://h\\u00e9st:1/\\\"x\\\"\"\n", in: home)
        let list = try home.caro("config", "list", "--json")
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdout.contains(#""relay-ca-file":"C:\\certs\\ca.pem""#), "\(list.stdout)")
        #expect(list.stdout.contains(#""relay":"ws://hést:1/\"x\"""#), "\(list.stdout)")
    }
}
