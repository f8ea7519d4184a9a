/// A key press in the picker, decoded from the terminal's bytes by ``PickerKeyDecoder``.
public enum PickerKey: Sendable, Equatable {
    /// Text typed (one or more characters, e.g. a paste).
    case text(String)
    case backspace
    /// Ctrl-U: clear the query.
    case clearQuery
    /// Ctrl-W: delete the last word of the query.
    case deleteWord
    /// Up, Ctrl-P.
    case up
    /// Down, Ctrl-N.
    case down
    case pageUp
    case pageDown
    /// Enter: print the selected command.
    case accept
    /// Esc, Ctrl-C, Ctrl-G.
    case cancel
    /// Ctrl-R: the next filter mode.
    case nextMode
}

/// Decodes the bytes a terminal in raw mode sends into ``PickerKey``s.
public enum PickerKeyDecoder {
    /// Decodes `bytes`. A lone ESC at the end is Esc; ESC and another key is Alt+key (ignored); callers
    /// wait briefly for more bytes after an ESC before deciding (escape sequences may arrive split).
    public static func decode(_ bytes: [UInt8]) -> [PickerKey] {
        var keys: [PickerKey] = []
        var text: [UInt8] = []
        func flushText() {
            guard !text.isEmpty else { return }
            keys.append(.text(String(decoding: text, as: UTF8.self)))
            text.removeAll()
        }
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if byte >= 0x20 && byte != 0x7F {
                text.append(byte)
                continue
            }
            flushText()
            switch byte {
            case 0x0D, 0x0A: keys.append(.accept)
            case 0x7F, 0x08: keys.append(.backspace)
            case 0x03, 0x07: keys.append(.cancel)
            case 0x10: keys.append(.up)
            case 0x0E: keys.append(.down)
            case 0x12: keys.append(.nextMode)
            case 0x15: keys.append(.clearQuery)
            case 0x17: keys.append(.deleteWord)
            case 0x09: text.append(0x20)
            case 0x1B:
                let (key, length) = escapeSequence(bytes[index...])
                index += length
                if let key { keys.append(key) }
            default: break  // other control keys do nothing
            }
        }
        flushText()
        return keys
    }

    /// The key of an escape sequence after ESC, and how many bytes it used (0 for a lone Esc).
    private static func escapeSequence(_ rest: ArraySlice<UInt8>) -> (PickerKey?, Int) {
        guard let introducer = rest.first else { return (.cancel, 0) }
        // ESC then another key in the same read: Alt+key, which the picker does not use.
        guard introducer == UInt8(ascii: "[") || introducer == UInt8(ascii: "O") else { return (nil, 1) }
        // CSI/SS3: parameters (digits, ';') then one final byte.
        var length = 1
        var parameters: [UInt8] = []
        for byte in rest.dropFirst() {
            length += 1
            if (0x30...0x3F).contains(byte) {
                parameters.append(byte)
                continue
            }
            switch (byte, parameters) {
            case (UInt8(ascii: "A"), _): return (.up, length)
            case (UInt8(ascii: "B"), _): return (.down, length)
            case (UInt8(ascii: "~"), [UInt8(ascii: "5")]): return (.pageUp, length)
            case (UInt8(ascii: "~"), [UInt8(ascii: "6")]): return (.pageDown, length)
            default: return (nil, length)  // a key the picker does not use
            }
        }
        return (nil, length)  // an incomplete sequence: dropped
    }
}

extension PickerKey {
    /// True for keys that change the query (text, deletions), whose search can wait for the next key.
    public var editsQuery: Bool {
        switch self {
        case .text, .backspace, .clearQuery, .deleteWord: return true
        default: return false
        }
    }
}
