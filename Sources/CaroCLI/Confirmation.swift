#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// Asks a yes/no question on the terminal; false without a terminal.
enum Confirmation {
    static func ask(_ question: String) -> Bool {
        guard isatty(STDIN_FILENO) != 0, isatty(STDERR_FILENO) != 0 else { return false }
        fputs("\(question) [y/N] ", stderr)
        guard let answer = readLine(strippingNewline: true)?.lowercased() else { return false }
        return answer == "y" || answer == "yes"
    }
}
