/// Why JSON text could not be parsed. Offsets are UTF-8 byte offsets into the input.
///
/// The parser accepts exactly what JavaScript `JSON.parse` accepts (RFC 8259), with one addition: input
/// must be valid UTF-8, and one restriction: nesting deeper than ``JSONValue/maximumNestingDepth``.
public enum JSONError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The input ended inside a value (or was empty / only whitespace).
    case unexpectedEndOfInput(offset: Int)
    /// A character that cannot start or continue a JSON value here (e.g. `NaN`, `'`, a trailing comma
    /// followed by `]`, a missing `:`). The string shows the character.
    case unexpectedCharacter(String, offset: Int)
    /// A backslash escape other than `\" \\ \/ \b \f \n \r \t \uXXXX` (offset of the backslash).
    case invalidEscape(offset: Int)
    /// An unescaped control character (U+0000–U+001F) inside a string.
    case controlCharacterInString(offset: Int)
    /// The bytes at this offset are not valid UTF-8.
    case invalidUTF8(offset: Int)
    /// A malformed number: lone `-`, leading zero (`01`), `1.`, `1e`, `.5`, `+1` (offset of its start).
    case invalidNumber(offset: Int)
    /// A complete value is followed by something other than whitespace.
    case trailingCharacters(offset: Int)
    /// Arrays/objects nest deeper than `limit`.
    case nestingTooDeep(limit: Int, offset: Int)
    /// An object key contains an unpaired surrogate escape (`\ud800`); such keys cannot be represented.
    case unpairedSurrogateInKey(offset: Int)

    public var description: String {
        switch self {
        case .unexpectedEndOfInput(let offset):
            return "JSON ended unexpectedly at byte \(offset): the text is empty or truncated (unclosed string, array or object). "
                + "Check that the whole message was received."
        case .unexpectedCharacter(let character, let offset):
            return "Unexpected character \(character) at byte \(offset) in JSON. "
                + "JSON allows no comments, trailing commas, single quotes, NaN/Infinity or unquoted keys."
        case .invalidEscape(let offset):
            return "Invalid escape sequence at byte \(offset) in a JSON string: only \\\" \\\\ \\/ \\b \\f \\n \\r \\t "
                + "and \\u followed by four hex digits are allowed."
        case .controlCharacterInString(let offset):
            return "Unescaped control character at byte \(offset) in a JSON string: characters U+0000-U+001F "
                + "(tab and newline included) must be written as escapes such as \\n or \\u0001."
        case .invalidUTF8(let offset):
            return "Invalid UTF-8 at byte \(offset): JSON text must be UTF-8. Check the transport's text decoding."
        case .invalidNumber(let offset):
            return "Invalid number at byte \(offset) in JSON: numbers need digits before and after '.', "
                + "no leading zeros, no leading '+', and digits after an exponent."
        case .trailingCharacters(let offset):
            return "Unexpected data at byte \(offset) after the end of the JSON value: only whitespace may follow. "
                + "If several messages are concatenated, split them (cojson separates messages with newlines)."
        case .nestingTooDeep(let limit, let offset):
            return "JSON nesting deeper than \(limit) levels at byte \(offset): refusing to parse (no honest cojson message nests this deep)."
        case .unpairedSurrogateInKey(let offset):
            return "Object key at byte \(offset) contains an unpaired UTF-16 surrogate escape: "
                + "such keys cannot be represented and no honest cojson message contains them."
        }
    }
}
