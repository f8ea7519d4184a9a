import ArgumentParser
import CaroKit
import Foundation

/// `caro demo`: a local relay and two device homes of one identity syncing encrypted history.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run a local relay and two device homes of one new identity, syncing encrypted history through it.")

    @Option(help: "Where the relay and the two device homes keep their SQLite files (default: a new temporary folder).")
    var workDirectory: String?

    func run() async throws {
        let directory = workDirectory
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("caro-demo-\(getpid())").path
        print("caro demo — files in \(directory)")
        do {
            _ = try await SyncDemo().run(workDirectory: directory) { line in print("  " + line) }
        } catch let error as CustomStringConvertible & Error {
            throw ValidationError(error.description)
        }
    }
}
