/// The `import_key` of an imported command: what makes importing the same file twice add nothing.
///
/// For a command with a time it is the shell, the second, the command's occurrence among identical
/// (second, command) pairs of the file, and a 64-bit FNV-1a hash of the text; for one without a time
/// the line number takes the second's place (so untimed files are de-duplicated line by line).
enum ImportKey {
    static func timed(shell: HistoryShell, seconds: Int64, occurrence: Int, command: String) -> String {
        "\(shell.rawValue):t\(seconds).\(occurrence):\(hash(command))"
    }

    static func untimed(shell: HistoryShell, line: Int, command: String) -> String {
        "\(shell.rawValue):l\(line):\(hash(command))"
    }

    /// FNV-1a over the UTF-8 bytes, as 16 hex digits.
    static func hash(_ text: String) -> String {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            value ^= UInt64(byte)
            value &*= 0x0000_0100_0000_01B3
        }
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
