/// Draws the picker as text lines (with ANSI attributes), one per terminal row:
///
///     > git st                                         ← the query (the cursor stands after it)
///     [this directory]  3 commands  Ctrl-R mode  ↑↓ move  Enter pick  Esc cancel
///     > git status  # show what changed           5m ago  ✓
///       git stash pop                             2d ago  ✗ 1
public enum PickerFrame {
    /// The lines of one frame for a terminal `width` × `height` (at least one line).
    /// `color`: green/red exit marks (off with `NO_COLOR`); bold, dim and reverse video are always used.
    public static func lines(_ state: PickerState, width: Int, height: Int, now: Int64, color: Bool) -> [String] {
        let width = max(width, 10)
        var lines = [fit("> " + state.query, width)]
        guard height > 1 else { return lines }
        let count = state.results.count
        let status = "[\(state.mode.title)]  \(count) command\(count == 1 ? "" : "s")  Ctrl-R mode  ↑↓ move  Enter pick  Esc cancel"
        lines.append(bold + fit(status, width) + reset)
        let rows = height - 2
        guard rows > 0 else { return lines }
        if state.results.isEmpty {
            lines.append(dim + fit("  no matching commands", width) + reset)
        }
        let top = state.selected < rows ? 0 : state.selected - rows + 1
        let words = state.query.split(whereSeparator: \.isWhitespace).map { $0.lowercased() }
        for index in state.results.indices.dropFirst(top).prefix(rows) {
            lines.append(row(state.results[index], selected: index == state.selected, width: width, now: now, color: color,
                             words: words))
        }
        return lines
    }

    /// The column (1-based) where the cursor stands on the query line.
    public static func cursorColumn(_ state: PickerState, width: Int) -> Int {
        min(3 + columns(state.query), max(width, 10))
    }

    /// One result row: marker, command, `# prompt`, and on the right how long ago and the exit status.
    /// Where a word of the command or prompt starts with a typed word, that part is underlined.
    static func row(_ command: RankedCommand, selected: Bool, width: Int, now: Int64, color: Bool, words: [String] = []) -> String {
        let ago = padLeft(Self.ago(now - command.newest.createdAt), 8)
        let (statusText, statusColor): (String, String) = switch command.newest.exitCode {
        case nil: ("·", "")
        case 0?: ("✓", green)
        case let code?: ("✗ \(code)", red)
        }
        let status = padRight(statusText, 6)
        let rightWidth = columns(ago) + 2 + columns(status)
        let leftWidth = max(width - 2 - rightWidth, 4)
        let text = oneLine(command.command)
        var left = fit(text, leftWidth)
        var promptPart = ""
        if let prompt = command.prompt, columns(left) + 4 < leftWidth {
            promptPart = fit("  # " + oneLine(prompt), leftWidth - columns(left))
        }
        let padding = String(repeating: " ", count: max(leftWidth - columns(left) - columns(promptPart), 0))
        left = underlining(words, in: left)
        promptPart = underlining(words, in: promptPart)
        let marker = selected ? "> " : "  "
        if selected {
            left = bold + left
            let line = marker + left + reset + reverse + promptPart + padding + ago + "  " + status
            return reverse + line + reset
        }
        let coloredStatus = color && !statusColor.isEmpty ? statusColor + status + reset : status
        return marker + left + dim + promptPart + reset + padding + ago + "  " + coloredStatus
    }

    /// `text` with each place where a word starts with one of `words` (lower-cased) underlined.
    public static func underlining(_ words: [String], in text: String) -> String {
        let words = words.map { Array($0) }.filter { !$0.isEmpty }
        guard !words.isEmpty else { return text }
        let characters = Array(text)
        let lowered = characters.map { Character(String($0).lowercased().count == 1 ? String($0).lowercased() : String($0)) }
        var marked = [Bool](repeating: false, count: characters.count)
        for start in characters.indices where start == 0 || !(lowered[start - 1].isLetter || lowered[start - 1].isNumber) {
            for word in words where start + word.count <= lowered.count && Array(lowered[start..<start + word.count]) == word {
                for index in start..<start + word.count { marked[index] = true }
            }
        }
        guard marked.contains(true) else { return text }
        var result = ""
        var on = false
        for (index, character) in characters.enumerated() {
            if marked[index] != on {
                result += marked[index] ? underline : noUnderline
                on = marked[index]
            }
            result.append(character)
        }
        return on ? result + noUnderline : result
    }

    /// `3s ago`, `5m ago`, `2h ago`, `4d ago`, `6w ago`, `2y ago`.
    public static func ago(_ milliseconds: Int64) -> String {
        let seconds = max(milliseconds, 0) / 1000
        switch seconds {
        case ..<60: return "\(seconds)s ago"
        case ..<3_600: return "\(seconds / 60)m ago"
        case ..<172_800: return "\(seconds / 3_600)h ago"
        case ..<1_209_600: return "\(seconds / 86_400)d ago"
        case ..<31_536_000: return "\(seconds / 604_800)w ago"
        default: return "\(seconds / 31_536_000)y ago"
        }
    }

    /// `text` on one line: newlines shown as ` ↵ `, tabs and other control characters as spaces.
    static func oneLine(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            if scalar == "\n" {
                result += " ↵ "
            } else if scalar.value < 0x20 || scalar.value == 0x7F {
                result += " "
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// `text` cut to `width` terminal columns, with `…` where it was cut.
    static func fit(_ text: String, _ width: Int) -> String {
        guard columns(text) > width else { return text }
        var result = ""
        var used = 0
        for character in text {
            let cells = columns(character)
            guard used + cells <= width - 1 else { break }
            result.append(character)
            used += cells
        }
        return width >= 1 ? result + "…" : ""
    }

    /// How many terminal columns `text` takes (East Asian wide characters and emoji take two).
    public static func columns(_ text: String) -> Int {
        text.reduce(0) { $0 + columns($1) }
    }

    static func columns(_ character: Character) -> Int {
        guard let scalar = character.unicodeScalars.first else { return 0 }
        switch scalar.value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
             0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F300...0x1F64F,
             0x1F900...0x1F9FF, 0x20000...0x3FFFD:
            return 2
        default:
            return 1
        }
    }

    private static func padLeft(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(width - columns(text), 0)) + text
    }

    private static func padRight(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: max(width - columns(text), 0))
    }

    static let reset = "\u{1B}[0m"
    static let bold = "\u{1B}[1m"
    static let dim = "\u{1B}[2m"
    static let reverse = "\u{1B}[7m"
    static let underline = "\u{1B}[4m"
    static let noUnderline = "\u{1B}[24m"
    static let green = "\u{1B}[32m"
    static let red = "\u{1B}[31m"
}

/// Turns frames into the bytes that update the terminal: only lines that changed since the previous
/// frame are rewritten (cursor moved to the row, line written, rest of the row cleared).
public struct PickerScreen: Sendable {
    private var previous: [String] = []
    private var cleared = false

    public init() {}

    /// Forgets what is on the screen (after a resize): the next update clears it and draws every line.
    public mutating func invalidate() {
        previous = []
        cleared = false
    }

    /// The bytes that turn the previous frame into `lines`, then put the cursor at `cursor` (1-based row, column).
    public mutating func update(_ lines: [String], cursor: (row: Int, column: Int)) -> String {
        var output = "\u{1B}[?25l"  // hide the cursor while drawing
        if !cleared {
            output += "\u{1B}[H\u{1B}[2J"
            cleared = true
        }
        for (index, line) in lines.enumerated() where index >= previous.count || previous[index] != line {
            output += "\u{1B}[\(index + 1);1H" + line + "\u{1B}[0m\u{1B}[K"
        }
        if previous.count > lines.count {
            for index in lines.count..<previous.count { output += "\u{1B}[\(index + 1);1H\u{1B}[K" }
        }
        previous = lines
        output += "\u{1B}[\(cursor.row);\(cursor.column)H\u{1B}[?25h"
        return output
    }
}
