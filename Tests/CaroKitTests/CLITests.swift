import Foundation
import JazzProto
import Testing

/// Runs the built `caro` binary (built by `swift build --build-tests`, like the test bundle).
enum CaroBinary {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The `caro` executable next to the test bundle (same build folder and configuration).
    static var url: URL {
        let bundleDirectory = Bundle.main.bundleURL.deletingLastPathComponent()
        let candidates = [bundleDirectory.appendingPathComponent("caro"),
                          packageRoot.appendingPathComponent(".build/debug/caro")]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }

    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static func run(_ arguments: [String], stdin: String? = nil) throws -> Result {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        let input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }
}

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
