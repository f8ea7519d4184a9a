import Foundation
import Testing

/// `caro --help` is the table of contents, and Docs/cli.md documents exactly the commands it lists:
/// every top-level command and, for commands with subcommands, every subcommand, both ways.
@Suite("caro --help and Docs/cli.md")
struct HelpTableOfContentsTests {
    /// The subcommand names in an ArgumentParser help text (lines under every `… SUBCOMMANDS:` header).
    static func subcommands(inHelp text: String) -> [String] {
        var names: [String] = []
        var inList = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasSuffix("SUBCOMMANDS:") {
                inList = true
            } else if line.trimmingCharacters(in: .whitespaces).isEmpty {
                inList = false
            } else if inList, line.hasPrefix("  "), !line.hasPrefix("   "), let name = line.split(separator: " ").first {
                names.append(String(name))
            }
        }
        return names
    }

    /// Every `` `caro WORD [WORD]`` in the document: command → the second words (split on `|`).
    static func documented(_ text: String) throws -> [String: Set<String>] {
        let pattern = try NSRegularExpression(pattern: "`caro ([a-z][a-z-]*)(?: ([a-z][a-z|-]*))?")
        var commands: [String: Set<String>] = [:]
        let range = NSRange(text.startIndex..., in: text)
        for match in pattern.matches(in: text, range: range) {
            guard let first = Range(match.range(at: 1), in: text) else { continue }
            let command = String(text[first])
            var words = commands[command] ?? []
            if let second = Range(match.range(at: 2), in: text) {
                words.formUnion(text[second].split(separator: "|").map(String.init))
            }
            commands[command] = words
        }
        return commands
    }

    @Test func everyDocumentedCommandIsInTheHelpAndViceVersa() throws {
        let help = try CaroBinary.run(["--help"])
        #expect(help.status == 0)
        let listed = Self.subcommands(inHelp: help.stdout)
        #expect(listed.count >= 8, "\(help.stdout)")
        #expect(help.stdout.contains("HISTORY SUBCOMMANDS:"))
        let docs = try Self.documented(String(contentsOf: CaroBinary.packageRoot.appendingPathComponent("Docs/cli.md"), encoding: .utf8))
        #expect(Set(docs.keys) == Set(listed), "only in Docs/cli.md: \(Set(docs.keys).subtracting(listed).sorted()); only in --help: \(Set(listed).subtracting(docs.keys).sorted())")
        for command in listed {
            let commandHelp = try CaroBinary.run([command, "--help"])
            let subcommands = Set(Self.subcommands(inHelp: commandHelp.stdout))
            guard !subcommands.isEmpty else { continue }
            let documented = docs[command] ?? []
            #expect(documented == subcommands,
                    "caro \(command): only in Docs/cli.md: \(documented.subtracting(subcommands).sorted()); only in --help: \(subcommands.subtracting(documented).sorted())")
        }
    }
}
