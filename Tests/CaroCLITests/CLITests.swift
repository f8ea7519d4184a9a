import Foundation
import JazzProto
import Testing

@Suite("caro command line", .serialized)
struct CLITests {
    static func fixture(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: CaroBinary.packageRoot.appendingPathComponent("Fixtures/jazz/\(name)"))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    static func temporaryFile(_ contents: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("caro-cli-\(UUID().uuidString)").path
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func identityFromAWordsFile() throws {
        let keys = try Self.fixture("keys.json")
        let account = (keys["accounts"] as! [[String: Any]])[0]
        let file = try Self.temporaryFile((account["passphrase"] as! String) + "\n")
        defer { try? FileManager.default.removeItem(atPath: file) }
        let result = try CaroBinary.run(["jazz", "identity", "--words-file", file])
        #expect(result.status == 0, "\(result.stderr)")
        let output = try JSONValue(parsing: result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(output["accountID"]?.stringValue == (account["accountID"] as? String))
        #expect(output["agentID"]?.stringValue == (account["agentID"] as? String))
    }

    @Test func identityReadsTheWordsFromTheTerminalPrompt() throws {
        let keys = try Self.fixture("keys.json")
        let account = (keys["accounts"] as! [[String: Any]])[1]
        let result = try CaroBinary.run(["jazz", "identity"], stdin: (account["passphrase"] as! String) + "\n")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("Recovery phrase"))
        #expect(!result.stdout.contains(account["passphrase"] as! String))  // the words are never echoed
        let output = try JSONValue(parsing: result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(output["accountID"]?.stringValue == (account["accountID"] as? String))
    }

    @Test func identityRejectsAMistypedWordClearly() throws {
        let keys = try Self.fixture("keys.json")
        var words = ((keys["accounts"] as! [[String: Any]])[0]["passphrase"] as! String).split(separator: " ").map(String.init)
        words[4] = String(words[4].dropLast())
        let file = try Self.temporaryFile(words.joined(separator: " "))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let result = try CaroBinary.run(["jazz", "identity", "--words-file", file])
        #expect(result.status != 0)
        #expect(result.stderr.contains("word 5"))
        #expect(result.stdout.isEmpty)
    }

    @Test func replayPrintsTheExpectedViews() throws {
        let transcript = try Self.fixture("sync-transcript.json")
        let phases = transcript["phases"] as! [String: Any]
        let frames = ((phases["load"] as! [String: Any])["frames"] as! [[String: Any]])
            .filter { ($0["dir"] as? String) == "server->client" }.map { $0["frame"] as! String }
        let file = try Self.temporaryFile(frames.joined(separator: "\n"))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let secret = (transcript["account"] as! [String: Any])["accountSecret"] as! String
        let result = try CaroBinary.run(["jazz", "replay", file, "--secret", secret])
        #expect(result.status == 0, "\(result.stderr)")
        let views = try JSONValue(parsing: result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        let values = transcript["values"] as! [String: [String: Any]]
        for (name, expected) in transcript["expectedViews"] as! [String: Any] {
            let id = values[name]!["id"] as! String
            let expectedData = try JSONSerialization.data(withJSONObject: expected, options: [.fragmentsAllowed])
            #expect(views[id] == (try JSONValue(parsing: [UInt8](expectedData))), "\(name)")
        }
        // From standard input, too.
        let piped = try CaroBinary.run(["jazz", "replay", "-", "--secret", secret], stdin: frames.joined(separator: "\n"))
        #expect(piped.stdout == result.stdout)
    }

    @Test func replayReportsRejectedContentAndFailsWithoutCrashing() throws {
        let transcript = try Self.fixture("sync-transcript.json")
        let phases = transcript["phases"] as! [String: Any]
        var frames = ((phases["load"] as! [String: Any])["frames"] as! [[String: Any]])
            .filter { ($0["dir"] as? String) == "server->client" }.map { $0["frame"] as! String }
        // Corrupt one signature and add a line that is not JSON.
        let index = try #require(frames.firstIndex { $0.contains("lastSignature") })
        frames[index] = frames[index].replacingOccurrences(of: "\"lastSignature\":\"signature_z", with: "\"lastSignature\":\"signature_z2")
        frames.append("{not json")
        let file = try Self.temporaryFile(frames.joined(separator: "\n"))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let result = try CaroBinary.run(["jazz", "replay", file])
        #expect(result.status == 1)
        #expect(result.stderr.contains("co_z"))
        #expect(result.stderr.contains("not valid JSON") || result.stderr.contains("JSON"))
        #expect(!result.stdout.isEmpty)
    }

    @Test func inspectLoadsFromARelay() async throws {
        let relay = try RelayServer(configuration: WebSocketServerConfiguration(host: "127.0.0.1", port: 0), storage: nil)
        defer { relay.shutdown() }
        let identity = try JazzIdentity(secretSeed: SecureRandom.bytes(32))
        let device = try SyncClient(node: try LocalNode.createAccount(agentSecret: identity.agentSecret),
                                    configuration: WebSocketClientConfiguration(url: "ws://127.0.0.1:\(relay.port)"))
        device.start()
        defer { device.stop() }
        let (mapID, listID) = try device.write { node -> (CoID, CoID) in
            let group = try node.createGroup()
            let list = try node.createValue(type: "colist", owner: group)
            try node.makeTransaction(in: list, changes: try CoListChanges.append(["x"], in: CoListState()), privacy: .private)
            let map = try node.createValue(type: "comap", owner: group)
            try node.makeTransaction(in: map, changes: CoMapChanges.assign([("name", "inspected"), ("items", .string(list.description))]), privacy: .private)
            return (map, list)
        }
        #expect(await device.waitForSync(timeout: .seconds(10)))
        let words = try Self.temporaryFile(identity.phrase)
        defer { try? FileManager.default.removeItem(atPath: words) }
        let result = try CaroBinary.run(["jazz", "inspect", "--relay", "ws://127.0.0.1:\(relay.port)", "--words-file", words,
                                         mapID.description, "--depth", "1"])
        #expect(result.status == 0, "\(result.stderr)")
        let views = try JSONValue(parsing: result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(views[mapID.description]?["name"] == "inspected")
        #expect(views[listID.description] == ["x"])

        let missing = try CaroBinary.run(["jazz", "inspect", "--relay", "ws://127.0.0.1:\(relay.port)", "--timeout", "3",
                                          "co_z2FJRyvFHwknMMuuks1bt3i8MCS"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("not found"))
    }
}

@Suite("caro relay process", .serialized)
struct RelayProcessTests {
    /// Starts `caro relay` and returns the process and its port (read from its first line).
    static func startRelay(_ extra: [String]) throws -> (Process, Int, Pipe) {
        let process = Process()
        process.executableURL = CaroBinary.url
        process.arguments = ["relay", "--host", "127.0.0.1", "--port", "0"] + extra
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        return (process, try RelayProcess.port(announcedBy: process, on: out), out)
    }

    /// A raw HTTP GET over TCP.
    static func httpGet(port: Int, path: String) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        let connected = connectLoopback(fd, port: port)
        guard connected == 0 else { throw CocoaError(.fileReadUnknown) }
        let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        _ = request.withCString { send(fd, $0, strlen($0), 0) }
        var response = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { break }
            response += buffer[0..<count]
        }
        return String(decoding: response, as: UTF8.self)
    }

    @Test func relayServesHealthAndSyncsWithADatabaseAcrossRestarts() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("caro-relay-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let db = directory + "/storage.db"
        var (process, port, _) = try Self.startRelay(["--db", db])
        let health = try Self.httpGet(port: port, path: "/health")
        #expect(health.hasPrefix("HTTP/1.1 200"))
        #expect(health.hasSuffix("ok"))

        let identity = try JazzIdentity(secretSeed: SecureRandom.bytes(32))
        let device = try SyncClient(node: try LocalNode.createAccount(agentSecret: identity.agentSecret),
                                    configuration: WebSocketClientConfiguration(url: "ws://127.0.0.1:\(port)/?key=a@b.c"))
        device.start()
        let mapID = try device.write { node -> CoID in
            let group = try node.createGroup()
            let map = try node.createValue(type: "comap", owner: group)
            try node.makeTransaction(in: map, changes: CoMapChanges.set("survives", "restart"), privacy: .private)
            return map
        }
        #expect(await device.waitForSync(timeout: .seconds(15)))
        device.stop()
        process.terminate()  // SIGTERM: a clean stop
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)

        (process, port, _) = try Self.startRelay(["--db", db])
        defer { process.terminate() }
        let reader = try SyncClient(node: LocalNode(agentSecret: identity.agentSecret, accountID: identity.accountID),
                                    configuration: WebSocketClientConfiguration(url: "ws://127.0.0.1:\(port)"))
        reader.start()
        defer { reader.stop() }
        reader.load(mapID)
        #expect(await reader.wait(timeout: .seconds(15)) { $0.read { $0.isCompletelyLoaded(mapID) } })
        #expect(reader.read { $0.view(of: mapID) } == ["survives": "restart"])
    }
}
