import Foundation

/// Finds a shell's usual history file, the way the shell itself would.
public struct HistoryFileLocator: Sendable {
    /// Why no history file was found.
    public enum LocatorError: Error, CustomStringConvertible, Equatable {
        case notFound(shell: HistoryShell, tried: [String])

        public var description: String {
            switch self {
            case .notFound(let shell, let tried):
                return "No \(shell.rawValue) history file found (looked at \(tried.joined(separator: ", "))); "
                    + "pass its path: caro history import \(shell.rawValue) FILE."
            }
        }
    }

    let environment: [String: String]
    let homeDirectory: String
    let fileExists: @Sendable (String) -> Bool

    /// - Parameters:
    ///   - environment: the variables to honour (`HISTFILE`, `ZDOTDIR`, `XDG_DATA_HOME`, `fish_history`).
    ///   - homeDirectory: the user's home (`~`): `HOME`, else the account's home directory.
    ///   - fileExists: whether a regular file exists at a path (injected for tests).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment,
                homeDirectory: String? = nil,
                fileExists: @escaping @Sendable (String) -> Bool = HistoryFileLocator.regularFileExists) {
        self.environment = environment
        self.homeDirectory = homeDirectory ?? environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        self.fileExists = fileExists
    }

    /// The paths the shell may keep its history in, most likely first.
    public func candidates(for shell: HistoryShell) -> [String] {
        let histfile = nonEmpty("HISTFILE")
        switch shell {
        case .bash:
            return [histfile, join(homeDirectory, ".bash_history")].compactMap { $0 }
        case .zsh:
            var paths: [String?] = [histfile]
            if let zdotdir = nonEmpty("ZDOTDIR"), zdotdir != homeDirectory {
                paths += [join(zdotdir, ".zsh_history"), join(zdotdir, ".zhistory"), join(zdotdir, ".histfile")]
            }
            paths += [join(homeDirectory, ".zsh_history"), join(homeDirectory, ".zhistory"), join(homeDirectory, ".histfile")]
            return paths.compactMap { $0 }
        case .fish:
            let data = nonEmpty("XDG_DATA_HOME") ?? join(homeDirectory, ".local/share")
            var session = nonEmpty("fish_history") ?? "fish"
            if session == "default" { session = "fish" }
            return [join(data, "fish/\(session)_history")]
        }
    }

    /// The first candidate that exists.
    public func locate(_ shell: HistoryShell) throws(LocatorError) -> String {
        let paths = candidates(for: shell)
        guard let found = paths.first(where: fileExists) else { throw .notFound(shell: shell, tried: paths) }
        return found
    }

    /// True when `path` names a regular file (or a link to one).
    public static let regularFileExists: @Sendable (String) -> Bool = { path in
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
    }

    private func nonEmpty(_ name: String) -> String? {
        guard let value = environment[name], !value.isEmpty else { return nil }
        return value
    }

    private func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}
