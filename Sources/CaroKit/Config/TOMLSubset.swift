/// A small subset of TOML, enough for `config.toml`: `key = value` lines with bare keys, values that are
/// strings (`"basic"` with `\"`, `\\`, `\n`, `\t`, `\uXXXX` escapes, or `'literal'`), `true`/`false`, or
/// integers (`42`, `-1`, `1_000`); `#` comments; blank lines. Tables and arrays are refused with a message.
///
/// (Why not LebJe/TOMLKit: see `Docs/config.md`, "The file format".)
public enum TOMLSubset {
    /// A value of the subset.
    public enum Value: Sendable, Equatable, CustomStringConvertible {
        case string(String)
        case bool(Bool)
        case integer(Int)

        /// The value as TOML writes it.
        public var description: String {
            switch self {
            case .string(let text): return TOMLSubset.quoted(text)
            case .bool(let flag): return flag ? "true" : "false"
            case .integer(let number): return String(number)
            }
        }
    }

    /// One `key = value` line.
    public struct Line: Sendable, Equatable {
        public var key: String
        public var value: Value
        /// 1-based line number in the file.
        public var number: Int
    }

    /// What is wrong with a line (the file name is added by the caller).
    public struct SyntaxError: Error, Equatable {
        public var line: Int
        public var message: String
    }

    /// Parses `text`; throws the first line that is not in the subset, or a key given twice.
    public static func parse(_ text: String) throws(SyntaxError) -> [Line] {
        var lines: [Line] = []
        var seen: [String: Int] = [:]
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            var rest = Substring(raw.hasSuffix("\r") ? raw.dropLast() : raw)
            skipSpace(&rest)
            if rest.isEmpty || rest.first == "#" { continue }
            if rest.first == "[" {
                throw SyntaxError(line: number, message: "tables ([…]) are not used in caro's config.toml; write key = value lines at the top level")
            }
            let key = rest.prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
            guard !key.isEmpty, key.allSatisfy(\.isASCII) else {
                throw SyntaxError(line: number, message: "expected key = value (a key is letters, digits, - and _)")
            }
            rest = rest.dropFirst(key.count)
            skipSpace(&rest)
            guard rest.first == "=" else {
                throw SyntaxError(line: number, message: "expected = after \"\(key)\"")
            }
            rest = rest.dropFirst()
            skipSpace(&rest)
            let value = try parseValue(&rest, line: number)
            skipSpace(&rest)
            guard rest.isEmpty || rest.first == "#" else {
                throw SyntaxError(line: number, message: "unexpected text after the value: \(rest)")
            }
            if let first = seen[String(key)] {
                throw SyntaxError(line: number, message: "\"\(key)\" is already set on line \(first); keep one of them")
            }
            seen[String(key)] = number
            lines.append(Line(key: String(key), value: value, number: number))
        }
        return lines
    }

    /// `text` as a TOML basic string.
    public static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }

    private static func skipSpace(_ text: inout Substring) {
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
    }

    private static func parseValue(_ text: inout Substring, line: Int) throws(SyntaxError) -> Value {
        guard let first = text.first else { throw SyntaxError(line: line, message: "a value is missing after =") }
        switch first {
        case "\"": return .string(try basicString(&text, line: line))
        case "'":
            let body = text.dropFirst()
            guard let end = body.firstIndex(of: "'") else { throw SyntaxError(line: line, message: "the string has no closing '") }
            text = body[body.index(after: end)...]
            return .string(String(body[..<end]))
        case "[", "{":
            throw SyntaxError(line: line, message: "arrays and inline tables are not used in caro's config.toml")
        default:
            let word = text.prefix { !($0 == " " || $0 == "\t" || $0 == "#") }
            text = text.dropFirst(word.count)
            if word == "true" { return .bool(true) }
            if word == "false" { return .bool(false) }
            let digits = word.first == "+" || word.first == "-" ? word.dropFirst() : word[...]
            if !digits.isEmpty, digits.first != "_", digits.last != "_", !digits.contains("__"),
                digits.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "_") }),
                !(digits.count > 1 && digits.first == "0"),
                let number = Int(word.filter { $0 != "_" }) {
                return .integer(number)
            }
            throw SyntaxError(line: line, message: "\(word) is not a value: write a \"string\", true, false or a whole number")
        }
    }

    private static func basicString(_ text: inout Substring, line: Int) throws(SyntaxError) -> String {
        var scalars = Substring(text.dropFirst()).unicodeScalars[...]
        var result = String.UnicodeScalarView()
        while let scalar = scalars.first {
            scalars = scalars.dropFirst()
            switch scalar {
            case "\"":
                text = Substring(scalars)
                return String(result)
            case "\\":
                guard let escape = scalars.first else { break }
                scalars = scalars.dropFirst()
                switch escape {
                case "\"": result.append("\"")
                case "\\": result.append("\\")
                case "n": result.append("\n")
                case "t": result.append("\t")
                case "r": result.append("\r")
                case "b": result.append("\u{8}")
                case "f": result.append("\u{C}")
                case "u", "U":
                    let count = escape == "u" ? 4 : 8
                    let hex = String(String.UnicodeScalarView(scalars.prefix(count)))
                    guard hex.count == count, let code = UInt32(hex, radix: 16), let value = Unicode.Scalar(code) else {
                        throw SyntaxError(line: line, message: "\\\(escape) needs \(count) hex digits of a Unicode scalar")
                    }
                    scalars = scalars.dropFirst(count)
                    result.append(value)
                default:
                    throw SyntaxError(line: line, message: "unknown escape \\\(escape) in a string (use \\\\ for a backslash)")
                }
            default:
                result.append(scalar)
            }
        }
        throw SyntaxError(line: line, message: "the string has no closing \"")
    }
}
