/// The shell code `caro init bash|zsh|fish` prints: once `eval`ed in the rc file, it records every
/// command the user runs (text, exit status, duration, directory) with `caro history add`, in the
/// background and without printing anything.
public enum ShellHook {
    /// The hook for `shell`.
    /// - Parameters:
    ///   - caroPath: the absolute path of the `caro` binary the hook calls (the one that printed it).
    ///   - home: the `--home` directory to pass on every call, or nil for the default home.
    ///   - ctrlR: whether Ctrl-R opens Caro's interactive search (`caro history search -i`); the
    ///     printed hook also skips the binding when `CARO_NO_CTRL_R` is set in the shell.
    public static func script(for shell: HistoryShell, caroPath: String, home: String?, ctrlR: Bool = true) -> String {
        var words = [caroPath]
        if let home { words += ["--home", home] }
        let binding = ctrlR ? nil : "# Ctrl-R: not bound to Caro's interactive search (--disable-ctrl-r)."
        switch shell {
        case .bash:
            return BashHook.template.replacingPlaceholder(words.map(posixQuoted).joined(separator: " "), ctrlR: binding ?? BashHook.ctrlR)
        case .zsh:
            return ZshHook.template.replacingPlaceholder(words.map(posixQuoted).joined(separator: " "), ctrlR: binding ?? ZshHook.ctrlR)
        case .fish:
            return FishHook.template.replacingPlaceholder(words.map(fishQuoted).joined(separator: " "), ctrlR: binding ?? FishHook.ctrlR)
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
    /// The template with its `@CARO@` placeholder (the quoted `caro` command words) and its `@CTRL_R@`
    /// placeholder (the Ctrl-R binding, whose first line the placeholder's indentation already starts) filled in.
    fileprivate func replacingPlaceholder(_ command: String, ctrlR: String) -> String {
        var binding = Substring(ctrlR).drop { $0 == " " }
        while binding.last == "\n" { binding.removeLast() }
        return replacingOccurrences(of: "@CARO@", with: command).replacingOccurrences(of: "@CTRL_R@", with: String(binding))
    }
}
