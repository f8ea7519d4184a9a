import Foundation

/// The shells whose history files `caro history import` reads (and `caro init` hooks into).
public enum HistoryShell: String, Sendable, CaseIterable, Codable {
    case bash, zsh, fish

    /// The parser of this shell's history file format.
    public var historyParser: any HistoryFileParser {
        switch self {
        case .bash: BashHistoryParser()
        case .zsh: ZshHistoryParser()
        case .fish: FishHistoryParser()
        }
    }
}

/// One command read from a shell's history file, before exclusions, retention and de-duplication.
public struct ImportedCommand: Sendable, Equatable {
    /// The command line, as the shell would run it (multi-line commands keep their newlines).
    public var command: String
    /// When it ran, if the file says (bash `#<epoch>` lines, zsh extended history, fish `when:`).
    public var timestamp: Date?
    /// How long it ran in milliseconds, if the file says (zsh extended history).
    public var durationMs: Int?
    /// The directory it ran in, if the file says.
    public var cwd: String?
    /// The 1-based line of the file where the entry starts (for messages and for de-duplicating
    /// entries of files without times).
    public var line: Int

    public init(command: String, timestamp: Date? = nil, durationMs: Int? = nil, cwd: String? = nil, line: Int) {
        self.command = command
        self.timestamp = timestamp
        self.durationMs = durationMs
        self.cwd = cwd
        self.line = line
    }
}

/// What a history parser made of a file: the commands in file order, and the lines it could not read.
public struct ImportParseResult: Sendable, Equatable {
    public var entries: [ImportedCommand]
    /// 1-based line numbers of lines that could not be parsed (reported with `--verbose`).
    public var unparseableLines: [Int]

    public init(entries: [ImportedCommand] = [], unparseableLines: [Int] = []) {
        self.entries = entries
        self.unparseableLines = unparseableLines
    }
}

/// A pure parser of one shell's history format: bytes in, commands out. Never throws and never traps:
/// what it cannot read becomes an unparseable line; invalid UTF-8 becomes U+FFFD.
public protocol HistoryFileParser: Sendable {
    func parse(_ bytes: [UInt8]) -> ImportParseResult
}
