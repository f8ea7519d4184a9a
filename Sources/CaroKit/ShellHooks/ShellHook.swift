/// The shell code `caro init bash|zsh|fish` prints: once `eval`ed in the rc file, it records every
/// command the user runs (text, exit status, duration, directory) with `caro history add`, in the
/// background and without printing anything.
public enum ShellHook {
    /// The hook for `shell`.
    /// - Parameters:
    ///   - caroPath: the absolute path of the `caro` binary the hook calls (the one that printed it).
    ///   - home: the `--home` directory to pass on every call, or nil for the default home.
    public static func script(for shell: HistoryShell, caroPath: String, home: String?) -> String {
        var words = [caroPath]
        if let home { words += ["--home", home] }
        switch shell {
        case .bash: return BashHook.template.replacingPlaceholder(words.map(posixQuoted).joined(separator: " "))
        case .zsh: return ZshHook.template.replacingPlaceholder(words.map(posixQuoted).joined(separator: " "))
        case .fish: return FishHook.template.replacingPlaceholder(words.map(fishQuoted).joined(separator: " "))
        }
    }

    /// `text` as one word for bash and zsh: single quotes, with each `'` written as `'\''`.
    public static func posixQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }

    /// `text` as one word for fish: single quotes, in which fish reads `\\` and `\'` as escapes.
    public static func fishQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: #"\"#, with: #"\\"#).replacingOccurrences(of: "'", with: #"\'"#) + "'"
    }
}

extension String {
    /// The template with its `@CARO@` placeholder (the quoted `caro` command words) filled in.
    fileprivate func replacingPlaceholder(_ command: String) -> String {
        replacingOccurrences(of: "@CARO@", with: command)
    }
}
