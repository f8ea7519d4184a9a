import Foundation
import Testing

/// `Examples/JazzNotes` (an app that depends on this package by path and uses only JazzProto's public
/// API) is built and run against a `caro relay`, so the library's API cannot break silently.
///
/// The build compiles JazzProto once more in its own scratch folder (`.build-examples/`, kept between
/// runs): about 2 minutes of wall-clock time on a loaded 2-core machine the first time, seconds after.
@Suite("Examples/JazzNotes against a relay", .serialized)
struct LibraryExampleTests {
    static let scratch = CaroBinary.packageRoot.appendingPathComponent(".build-examples").path

    static func build() throws -> String {
        let started = ContinuousClock.now
        let result = try CaroBinary.runExecutable(URL(fileURLWithPath: "/usr/bin/env"), [
            "swift", "build", "--package-path", CaroBinary.packageRoot.appendingPathComponent("Examples/JazzNotes").path,
            "--scratch-path", scratch,
        ])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        print("Examples/JazzNotes built in \(ContinuousClock.now - started)")
        return scratch + "/debug/JazzNotes"
    }

    @Test func theExampleWritesANoteAndReadsItBackOnASecondNode() throws {
        let binary = try Self.build()
        let relay = try RelayProcess(["--in-memory"])
        defer { relay.stop() }
        let keys = try CLITests.fixture("keys.json")
        let account = (keys["accounts"] as! [[String: Any]])[0]
        let words = try CLITests.temporaryFile((account["passphrase"] as! String) + "\n")
        defer { try? FileManager.default.removeItem(atPath: words) }

        let first = try CaroBinary.runExecutable(URL(fileURLWithPath: binary), [relay.url, "buy milk"], environment: ["JAZZ_WORDS_FILE": words])
        #expect(first.status == 0, "\(first.stderr)")
        let lines = first.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "account \(account["accountID"] as! String)")
        #expect(lines.contains("new account: created and pushed to the relay"))
        #expect(lines.contains("read back on a second node: buy milk (log: created)"), "\(first.stdout)")
        #expect(lines.contains("second node saw the edit: buy milk (edited)"))

        // Same words from the environment: the account is now found on the relay (a log-in, not a sign-up).
        let second = try CaroBinary.runExecutable(URL(fileURLWithPath: binary), [relay.url, "call mum"],
                                               environment: ["JAZZ_WORDS": account["passphrase"] as? String, "JAZZ_WORDS_FILE": nil])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("logged in: the relay has the account"))
        #expect(second.stdout.contains("read back on a second node: call mum (log: created)"), "\(second.stdout)")

        let wrong = try CaroBinary.runExecutable(URL(fileURLWithPath: binary), [relay.url, "x"], environment: ["JAZZ_WORDS": "not twenty-four words", "JAZZ_WORDS_FILE": nil])
        #expect(wrong.status == 1)
        #expect(wrong.stderr.hasPrefix("jazz-notes: "))
    }
}
