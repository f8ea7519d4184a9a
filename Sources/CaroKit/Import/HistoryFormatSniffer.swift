/// Recognises which shell wrote a history file from its first non-empty line, so importing a zsh file
/// as bash (and the like) is refused with a hint instead of storing `: 1700000000:0;ls` as a command.
enum HistoryFormatSniffer {
    /// The shell whose distinctive format the file starts with, or nil when the first line could be
    /// any shell's (a plain command).
    static func distinctiveShell(of bytes: [UInt8]) -> HistoryShell? {
        bytes.withUnsafeBufferPointer { buffer -> HistoryShell? in
            var found: HistoryShell?
            var done = false
            HistoryBytes.forEachLine(buffer) { range, _ in
                guard !done, !range.isEmpty else { return }
                done = true
                let line = buffer.slice(range)
                if HistoryBytes.hasPrefix(buffer, range, "- cmd:") {
                    found = .fish
                } else if isExtendedZshHeader(line) {
                    found = .zsh
                } else if line.count >= 2, line[0] == HistoryBytes.hash,
                    HistoryBytes.decimal(buffer.slice(range.lowerBound + 1..<range.upperBound)) != nil
                {
                    found = .bash
                }
            }
            return found
        }
    }

    /// `: <digits>:<digits>;`
    private static func isExtendedZshHeader(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        guard line.count >= 6, line[0] == HistoryBytes.colon, line[1] == HistoryBytes.space else { return false }
        var index = 2
        for separator in [HistoryBytes.colon, HistoryBytes.semicolon] {
            let start = index
            while index < line.count && line[index] >= HistoryBytes.zero && line[index] <= HistoryBytes.nine { index += 1 }
            guard index > start, index < line.count, line[index] == separator else { return false }
            index += 1
        }
        return true
    }
}
