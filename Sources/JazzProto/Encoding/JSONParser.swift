extension JSONValue {
    /// True for arrays and objects.
    var isContainer: Bool {
        switch self {
        case .array, .object: return true
        default: return false
        }
    }

    /// How deeply arrays and objects may nest before parsing fails with ``JSONError/nestingTooDeep(limit:offset:)``
    /// (instead of overflowing the stack). Honest cojson messages nest a handful of levels.
    public static let maximumNestingDepth = 512

    /// Parses JSON text with JavaScript `JSON.parse` semantics (strict RFC 8259 grammar; numbers become
    /// correctly rounded doubles, `-0` stays negative, overflow gives ±infinity; strings with an unpaired
    /// `\uXXXX` surrogate become ``utf16String(_:)``; duplicate keys: the last value wins at the first
    /// position).
    public init(parsing text: some StringProtocol) throws(JSONError) {
        var string = String(text)
        let result = string.withUTF8 { JSONParser.parse($0) }
        self = try result.get()
    }

    /// Parses UTF-8 JSON text (the fast path: no copy). Invalid UTF-8 is an error.
    public init(parsing utf8: [UInt8]) throws(JSONError) {
        let result = utf8.withUnsafeBufferPointer { JSONParser.parse($0) }
        self = try result.get()
    }

    /// Parses UTF-8 JSON text in caller-owned memory (e.g. a WebSocket receive buffer). The bytes are
    /// only read during the call.
    public init(parsing utf8: UnsafeRawBufferPointer) throws(JSONError) {
        let result = utf8.withMemoryRebound(to: UInt8.self) { JSONParser.parse($0) }
        self = try result.get()
    }
}

/// Parses JSON documents one after another on one thread, as ``JSONValue/init(parsing:)`` does, keeping what
/// the last one needed: its stacks (no allocation per document), and recent long strings and key lists,
/// which equal ones in later documents share. For many small documents of one shape, such as the sealed
/// fields of every entry of a history batch, where a fresh parser's set-up cost more than the parsing.
/// Not for sharing between threads: give each its own.
public struct JSONDocumentParser: Sendable {
    private var cache = JSONParseCache()

    public init() {}

    /// Parses one document of UTF-8 JSON text (errors as ``JSONValue/init(parsing:)``).
    public mutating func parse(_ utf8: [UInt8]) throws(JSONError) -> JSONValue {
        try utf8.withUnsafeBufferPointer { JSONParser.parse($0, reusing: &cache) }.get()
    }
}

/// A byte-level recursive-descent JSON parser over UTF-8 (see ``JSONValue/init(parsing:)``).
struct JSONParser {
    private let base: UnsafePointer<UInt8>
    private let end: Int
    private var position = 0
    /// Output buffer for strings with escapes, allocated on first need, big enough for every later string.
    private var scratch: UnsafeMutablePointer<UInt8>?
    /// Stacks and sharing tables; may come from (and go back to) a ``JSONParseCache`` of the caller.
    private var cache = JSONParseCache()

    private static let quote = UInt8(ascii: "\"")
    private static let backslash = UInt8(ascii: "\\")

    private init(base: UnsafePointer<UInt8>, end: Int) {
        self.base = base
        self.end = end
    }

    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<JSONValue, JSONError> {
        var cache = JSONParseCache()
        return parse(bytes, reusing: &cache)
    }

    /// Parses `bytes`, reusing (and updating) `cache`: its stacks, and strings and key lists met in
    /// earlier documents, which the new values then share instead of allocating their own.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, reusing cache: inout JSONParseCache) -> Result<JSONValue, JSONError> {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return .failure(.unexpectedEndOfInput(offset: 0)) }
        var parser = JSONParser(base: base, end: bytes.count)
        swap(&parser.cache, &cache)
        defer {
            parser.scratch?.deallocate()
            swap(&parser.cache, &cache)
            // After an error the stacks may still hold partial values.
            if !cache.valueStack.isEmpty { cache.valueStack.removeAll(keepingCapacity: true) }
            if !cache.keyStack.isEmpty { cache.keyStack.removeAll(keepingCapacity: true) }
        }
        return Result { () throws(JSONError) -> JSONValue in try parser.parseDocument() }
    }

    private mutating func parseDocument() throws(JSONError) -> JSONValue {
        skipWhitespace()
        let value = try parseValue(depth: 0)
        skipWhitespace()
        guard position == end else { throw .trailingCharacters(offset: position) }
        return value
    }

    // MARK: Values

    private mutating func parseValue(depth: Int) throws(JSONError) -> JSONValue {
        guard position < end else { throw .unexpectedEndOfInput(offset: end) }
        switch base[position] {
        case Self.quote:
            return try parseString()
        case UInt8(ascii: "{"):
            return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["):
            return try parseArray(depth: depth + 1)
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(try parseNumber())
        default:
            throw unexpectedCharacter(at: position)
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONError) {
        let bytes = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        for (offset, expected) in bytes.enumerated() {
            let index = position + offset
            guard index < end else { throw .unexpectedEndOfInput(offset: end) }
            guard base[index] == expected else { throw unexpectedCharacter(at: index) }
        }
        position += bytes.count
    }

    private mutating func parseArray(depth: Int) throws(JSONError) -> JSONValue {
        guard depth <= JSONValue.maximumNestingDepth else {
            throw .nestingTooDeep(limit: JSONValue.maximumNestingDepth, offset: position)
        }
        position += 1
        skipWhitespace()
        guard position < end else { throw .unexpectedEndOfInput(offset: end) }
        if base[position] == UInt8(ascii: "]") {
            position += 1
            return .array([])
        }
        // Elements collect on a stack shared by all levels, so each array is allocated once, at its final size.
        let stackBase = cache.valueStack.count
        while true {
            let element = try parseValue(depth: depth)
            cache.valueStack.append(element)
            skipWhitespace()
            guard position < end else { throw .unexpectedEndOfInput(offset: end) }
            switch base[position] {
            case UInt8(ascii: ","):
                position += 1
                skipWhitespace()
            case UInt8(ascii: "]"):
                position += 1
                return .array(Self.take(from: &cache.valueStack, startingAt: stackBase))
            default:
                throw unexpectedCharacter(at: position)
            }
        }
    }

    private mutating func parseObject(depth: Int) throws(JSONError) -> JSONValue {
        guard depth <= JSONValue.maximumNestingDepth else {
            throw .nestingTooDeep(limit: JSONValue.maximumNestingDepth, offset: position)
        }
        let objectStart = position
        // Only objects nested in objects (such as op IDs inside ops) are looked up and remembered: the
        // outer objects of a change list rarely repeat.
        let memoizes = depth >= 3
        if memoizes, let (value, length) = cache.recentFlatObject(at: base + position, available: end - position) {
            position += length
            return value
        }
        position += 1
        skipWhitespace()
        guard position < end else { throw .unexpectedEndOfInput(offset: end) }
        if base[position] == UInt8(ascii: "}") {
            position += 1
            return .object(JSONObject())
        }
        // Members collect on stacks shared by all levels; the object is built once at the end.
        let keyBase = cache.keyStack.count
        let valueBase = cache.valueStack.count
        while true {
            guard position < end else { throw .unexpectedEndOfInput(offset: end) }
            guard base[position] == Self.quote else { throw unexpectedCharacter(at: position) }
            let keyOffset = position
            guard case .string(let key) = try parseString() else { throw .unpairedSurrogateInKey(offset: keyOffset) }
            skipWhitespace()
            guard position < end else { throw .unexpectedEndOfInput(offset: end) }
            guard base[position] == UInt8(ascii: ":") else { throw unexpectedCharacter(at: position) }
            position += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            cache.keyStack.append(key)
            cache.valueStack.append(value)
            skipWhitespace()
            guard position < end else { throw .unexpectedEndOfInput(offset: end) }
            switch base[position] {
            case UInt8(ascii: ","):
                position += 1
                skipWhitespace()
            case UInt8(ascii: "}"):
                position += 1
                let values = Self.take(from: &cache.valueStack, startingAt: valueBase)
                let result: JSONValue
                if let keys = cache.sharedKeys(startingAt: keyBase) {
                    result = .object(JSONObject.parsed(uniqueKeys: keys, values: values))
                } else {
                    let keys = Self.take(from: &cache.keyStack, startingAt: keyBase)
                    let object = JSONObject.parsed(keys: keys, values: values)
                    if object.count == keys.count { cache.remember(keys) }
                    result = .object(object)
                }
                if memoizes {
                    cache.rememberFlatObject(result, bytes: UnsafeBufferPointer(start: base + objectStart, count: position - objectStart),
                                             isFlat: !values.contains { $0.isContainer })
                }
                return result
            default:
                throw unexpectedCharacter(at: position)
            }
        }
    }

    /// Removes `stack[start...]` and returns it as a new array of exactly that size. (`Array(stack[start...])`
    /// would share the stack's buffer when `start` is 0, so the next push would copy the whole stack.)
    @inline(__always)
    private static func take<Element>(from stack: inout [Element], startingAt start: Int) -> [Element] {
        var taken: [Element] = []
        taken.reserveCapacity(stack.count - start)
        taken.append(contentsOf: stack[start...])
        stack.removeSubrange(start...)
        return taken
    }

    @inline(__always)
    private mutating func skipWhitespace() {
        while position < end {
            let byte = base[position]
            guard byte <= 0x20, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 else { return }
            position += 1
        }
    }

    // MARK: Strings

    /// Bit 7 of each byte of the result is set for bytes that end a plain run: `"`, `\`, controls,
    /// non-ASCII. The lowest set bit is exact (false positives can only appear above a true hit).
    @inline(__always)
    private static func specialByteMask(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quotes = word ^ (ones &* UInt64(quote))
        let backslashes = word ^ (ones &* UInt64(backslash))
        let hasQuote = (quotes &- ones) & ~quotes
        let hasBackslash = (backslashes &- ones) & ~backslashes
        let hasControl = (word &- ones &* 0x20) & ~word
        return (hasQuote | hasBackslash | hasControl | word) & highs
    }

    /// The index of the first byte at or after `index` that is `"`, `\`, a control or non-ASCII
    /// (or `end`).
    @inline(__always)
    private func nextSpecialByte(from index: Int) -> Int {
        var index = index
        while index &+ 8 <= end {
            let word = UInt64(littleEndian: UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self))
            let mask = Self.specialByteMask(word)
            if mask != 0 { return index &+ mask.trailingZeroBitCount >> 3 }
            index &+= 8
        }
        while index < end {
            let byte = base[index]
            if byte == Self.quote || byte == Self.backslash || byte < 0x20 || byte >= 0x80 { return index }
            index += 1
        }
        return end
    }

    /// Parses the string starting at the `"` at `position`.
    private mutating func parseString() throws(JSONError) -> JSONValue {
        let start = position + 1
        var index = start
        while true {
            index = nextSpecialByte(from: index)
            guard index < end else { throw .unexpectedEndOfInput(offset: end) }
            let byte = base[index]
            if byte == Self.quote {
                position = index + 1
                return .string(cache.string(UnsafeBufferPointer(start: base + start, count: index - start)))
            }
            if byte == Self.backslash { return try parseEscapedString(start: start, firstEscape: index) }
            if byte < 0x20 { throw .controlCharacterInString(offset: index) }
            index = try decodeUTF8(at: index).next
        }
    }

    /// Continues a string that has escapes, unescaping into `scratch`.
    private mutating func parseEscapedString(start: Int, firstEscape: Int) throws(JSONError) -> JSONValue {
        // Unescaped output is never longer than its input, so (end - start) bytes suffice for this and
        // every later string.
        let output: UnsafeMutablePointer<UInt8>
        if let scratch {
            output = scratch
        } else {
            output = UnsafeMutablePointer<UInt8>.allocate(capacity: end - start)
            scratch = output
        }
        var count = firstEscape - start
        output.update(from: base + start, count: count)
        var index = firstEscape
        while true {
            guard index < end else { throw .unexpectedEndOfInput(offset: end) }
            let byte = base[index]
            if byte == Self.backslash {
                guard index + 1 < end else { throw .unexpectedEndOfInput(offset: end) }
                let escaped: UInt8
                switch base[index + 1] {
                case Self.quote: escaped = Self.quote
                case Self.backslash: escaped = Self.backslash
                case UInt8(ascii: "/"): escaped = UInt8(ascii: "/")
                case UInt8(ascii: "b"): escaped = 0x08
                case UInt8(ascii: "f"): escaped = 0x0C
                case UInt8(ascii: "n"): escaped = 0x0A
                case UInt8(ascii: "r"): escaped = 0x0D
                case UInt8(ascii: "t"): escaped = 0x09
                case UInt8(ascii: "u"):
                    let unit = try hexEscape(at: index)
                    index += 6
                    var scalar = unit
                    if unit & 0xF800 == 0xD800 {
                        // Needs a following low-surrogate escape; otherwise the string is not valid Unicode.
                        guard unit < 0xDC00, index + 6 <= end, base[index] == Self.backslash,
                              base[index + 1] == UInt8(ascii: "u"), let low = hexValue(at: index + 2),
                              low & 0xFC00 == 0xDC00
                        else { return try parseUTF16String(start: start) }
                        scalar = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                        index += 6
                    }
                    count += Self.writeUTF8(scalar, to: output + count)
                    continue
                default:
                    throw .invalidEscape(offset: index)
                }
                output[count] = escaped
                count += 1
                index += 2
            } else if byte == Self.quote {
                position = index + 1
                return .string(String(decoding: UnsafeBufferPointer(start: output, count: count), as: UTF8.self))
            } else if byte < 0x20 {
                throw .controlCharacterInString(offset: index)
            } else {
                // A run of ordinary characters (validated non-ASCII included), copied in one go.
                let runStart = index
                if byte >= 0x80 { index = try decodeUTF8(at: index).next }
                while true {
                    index = nextSpecialByte(from: index)
                    guard index < end, base[index] >= 0x80 else { break }
                    index = try decodeUTF8(at: index).next
                }
                (output + count).update(from: base + runStart, count: index - runStart)
                count += index - runStart
            }
        }
    }

    /// Re-parses the string starting at `start` as UTF-16 code units (only for strings with an
    /// unpaired surrogate escape, which `String` cannot hold).
    private mutating func parseUTF16String(start: Int) throws(JSONError) -> JSONValue {
        var units: [UInt16] = []
        var index = start
        while true {
            guard index < end else { throw .unexpectedEndOfInput(offset: end) }
            let byte = base[index]
            switch byte {
            case Self.quote:
                position = index + 1
                return JSONValue(utf16CodeUnits: units)
            case Self.backslash:
                guard index + 1 < end else { throw .unexpectedEndOfInput(offset: end) }
                switch base[index + 1] {
                case Self.quote: units.append(0x22)
                case Self.backslash: units.append(0x5C)
                case UInt8(ascii: "/"): units.append(0x2F)
                case UInt8(ascii: "b"): units.append(0x08)
                case UInt8(ascii: "f"): units.append(0x0C)
                case UInt8(ascii: "n"): units.append(0x0A)
                case UInt8(ascii: "r"): units.append(0x0D)
                case UInt8(ascii: "t"): units.append(0x09)
                case UInt8(ascii: "u"):
                    units.append(UInt16(try hexEscape(at: index)))
                    index += 4
                default:
                    throw .invalidEscape(offset: index)
                }
                index += 2
            case 0..<0x20:
                throw .controlCharacterInString(offset: index)
            case 0x20..<0x80:
                units.append(UInt16(byte))
                index += 1
            default:
                let (scalar, next) = try decodeUTF8(at: index)
                if scalar >= 0x10000 {
                    units.append(UInt16(0xD800 + ((scalar - 0x10000) >> 10)))
                    units.append(UInt16(0xDC00 + ((scalar - 0x10000) & 0x3FF)))
                } else {
                    units.append(UInt16(scalar))
                }
                index = next
            }
        }
    }

    /// The code unit of the `\uXXXX` escape whose backslash is at `index`.
    private func hexEscape(at index: Int) throws(JSONError) -> UInt32 {
        guard index + 6 <= end else {
            // Report a bad digit before the end if there is one.
            for digit in (index + 2)..<end where Self.hexDigit(base[digit]) == nil { throw .invalidEscape(offset: index) }
            throw .unexpectedEndOfInput(offset: end)
        }
        guard let value = hexValue(at: index + 2) else { throw .invalidEscape(offset: index) }
        return value
    }

    /// The value of the four hex digits at `index` (caller checked the bounds), `nil` if one is not hex.
    @inline(__always)
    private func hexValue(at index: Int) -> UInt32? {
        guard let a = Self.hexDigit(base[index]), let b = Self.hexDigit(base[index + 1]),
              let c = Self.hexDigit(base[index + 2]), let d = Self.hexDigit(base[index + 3])
        else { return nil }
        return a << 12 | b << 8 | c << 4 | d
    }

    @inline(__always)
    private static func hexDigit(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte &- 0x30)
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(byte &- 0x57)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(byte &- 0x37)
        default: return nil
        }
    }

    /// Writes the UTF-8 encoding of a scalar (not a surrogate) and returns its length.
    @inline(__always)
    private static func writeUTF8(_ scalar: UInt32, to output: UnsafeMutablePointer<UInt8>) -> Int {
        switch scalar {
        case 0..<0x80:
            output[0] = UInt8(scalar)
            return 1
        case 0x80..<0x800:
            output[0] = UInt8(0xC0 | scalar >> 6)
            output[1] = UInt8(0x80 | scalar & 0x3F)
            return 2
        case 0x800..<0x10000:
            output[0] = UInt8(0xE0 | scalar >> 12)
            output[1] = UInt8(0x80 | scalar >> 6 & 0x3F)
            output[2] = UInt8(0x80 | scalar & 0x3F)
            return 3
        default:
            output[0] = UInt8(0xF0 | scalar >> 18)
            output[1] = UInt8(0x80 | scalar >> 12 & 0x3F)
            output[2] = UInt8(0x80 | scalar >> 6 & 0x3F)
            output[3] = UInt8(0x80 | scalar & 0x3F)
            return 4
        }
    }

    /// Decodes and validates the UTF-8 sequence starting at the non-ASCII byte at `index`
    /// (no overlongs, no encoded surrogates, nothing above U+10FFFF).
    private func decodeUTF8(at index: Int) throws(JSONError) -> (scalar: UInt32, next: Int) {
        let lead = base[index]
        let length: Int
        var scalar: UInt32
        var lowest: UInt8 = 0x80, highest: UInt8 = 0xBF  // allowed range of the second byte
        switch lead {
        case 0xC2...0xDF: length = 2; scalar = UInt32(lead & 0x1F)
        case 0xE0: length = 3; scalar = 0; lowest = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3; scalar = UInt32(lead & 0x0F)
        case 0xED: length = 3; scalar = 0x0D; highest = 0x9F
        case 0xF0: length = 4; scalar = 0; lowest = 0x90
        case 0xF1...0xF3: length = 4; scalar = UInt32(lead & 0x07)
        case 0xF4: length = 4; scalar = 4; highest = 0x8F
        default: throw .invalidUTF8(offset: index)
        }
        guard index + length <= end else { throw .invalidUTF8(offset: index) }
        let second = base[index + 1]
        guard second >= lowest, second <= highest else { throw .invalidUTF8(offset: index) }
        scalar = scalar << 6 | UInt32(second & 0x3F)
        for offset in 2..<max(2, length) {
            let continuation = base[index + offset]
            guard continuation & 0xC0 == 0x80 else { throw .invalidUTF8(offset: index) }
            scalar = scalar << 6 | UInt32(continuation & 0x3F)
        }
        return (scalar, index + length)
    }

    // MARK: Numbers

    /// 10^0 … 10^22, the powers of ten that are exact doubles.
    private static let exactPowersOfTen: [Double] = (0...22).map { exponent in
        (0..<exponent).reduce(1.0) { product, _ in product * 10 }
    }

    /// Parses a number at `position` (JSON grammar), correctly rounded like `JSON.parse`.
    private mutating func parseNumber() throws(JSONError) -> Double {
        let start = position
        var index = position
        let negative = base[index] == UInt8(ascii: "-")
        if negative { index += 1 }

        var mantissa: UInt64 = 0
        var significantDigits = 0
        var exponent = 0
        var exact = true  // false once more than 19 significant digits were seen

        @inline(__always) func isDigit(_ i: Int) -> Bool { i < end && base[i] &- 0x30 < 10 }
        @inline(__always) func accumulate(_ digit: UInt8, fractional: Bool) {
            if mantissa == 0 && digit == 0 {
                if fractional { exponent -= 1 }
            } else if significantDigits < 19 {
                mantissa = mantissa &* 10 &+ UInt64(digit)
                significantDigits += 1
                if fractional { exponent -= 1 }
            } else {
                exact = false
                if !fractional { exponent += 1 }
            }
        }

        // Integer part: "0" or a non-zero digit followed by digits.
        guard isDigit(index) else { throw .invalidNumber(offset: start) }
        if base[index] == UInt8(ascii: "0") {
            index += 1
            if isDigit(index) { throw .invalidNumber(offset: start) }
        } else {
            while isDigit(index) {
                accumulate(base[index] &- 0x30, fractional: false)
                index += 1
            }
        }
        // Fraction.
        if index < end, base[index] == UInt8(ascii: ".") {
            index += 1
            guard isDigit(index) else { throw .invalidNumber(offset: start) }
            while isDigit(index) {
                accumulate(base[index] &- 0x30, fractional: true)
                index += 1
            }
        }
        // Exponent.
        if index < end, base[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            var exponentNegative = false
            if index < end, base[index] == UInt8(ascii: "+") || base[index] == UInt8(ascii: "-") {
                exponentNegative = base[index] == UInt8(ascii: "-")
                index += 1
            }
            guard isDigit(index) else { throw .invalidNumber(offset: start) }
            var explicitExponent = 0
            while isDigit(index) {
                // Saturate: anything this large already means 0 or infinity.
                if explicitExponent < 1_000_000 { explicitExponent = explicitExponent * 10 + Int(base[index] &- 0x30) }
                index += 1
            }
            exponent += exponentNegative ? -explicitExponent : explicitExponent
        }
        position = index

        if mantissa == 0 && exact { return negative ? -0.0 : 0.0 }
        // Exact fast path: mantissa and power of ten are exact doubles, one correctly rounded operation.
        if exact, mantissa <= 1 << 53, exponent >= -22, exponent <= 22 {
            let value = Double(mantissa)
            let scaled = exponent >= 0
                ? value * Self.exactPowersOfTen[exponent]
                : value / Self.exactPowersOfTen[-exponent]
            return negative ? -scaled : scaled
        }
        // General case: the standard library's correctly rounded conversion (overflow gives infinity).
        let text = String(decoding: UnsafeBufferPointer(start: base + start, count: index - start), as: UTF8.self)
        guard let value = Double(text) else { throw .invalidNumber(offset: start) }
        return value
    }

    // MARK: Errors

    /// `unexpectedCharacter` describing the character at `index`, or `invalidUTF8` if there is none.
    private func unexpectedCharacter(at index: Int) -> JSONError {
        let byte = base[index]
        if byte >= 0x80 {
            guard let decoded = try? decodeUTF8(at: index), let character = Unicode.Scalar(decoded.scalar) else {
                return .invalidUTF8(offset: index)
            }
            return .unexpectedCharacter("'\(character)' (U+\(String(decoded.scalar, radix: 16, uppercase: true)))", offset: index)
        }
        if byte < 0x20 || byte == 0x7F {
            let hex = String(byte, radix: 16, uppercase: true)
            return .unexpectedCharacter("U+00" + (hex.count < 2 ? "0" + hex : hex), offset: index)
        }
        return .unexpectedCharacter("'\(Character(Unicode.Scalar(byte)))'", offset: index)
    }
}

/// What a ``JSONParser`` keeps between documents parsed on one thread: its stacks (no allocation per
/// document) and small tables of recently made long strings and object key lists, so that a string or
/// key list seen again (session IDs in op IDs, the keys of every op) shares the earlier storage instead
/// of allocating its own. Values are equal either way; only their storage is shared.
struct JSONParseCache: Sendable {
    /// Elements / member values of the arrays and objects being parsed, innermost last.
    fileprivate var valueStack: [JSONValue] = []
    /// Member keys of the objects being parsed, innermost last.
    fileprivate var keyStack: [String] = []
    /// Long strings by length modulo `stringSlots`; `hot` protects an entry that was reused since the
    /// last miss in its slot from being replaced by strings that occur once.
    private var strings: [(string: String, hot: Bool)] = []
    /// The text and value of the last small object without nested objects or arrays (see
    /// ``recentFlatObject(at:available:)``).
    private var flatObjectBytes: [UInt8] = []
    private var flatObject: JSONValue?
    /// Objects up to this many bytes of text are remembered.
    private static let flatObjectLimit = 192
    /// Recently made key lists without duplicates (most recent replaced last).
    private var keyLists: [[String]] = []
    private var nextKeyList = 0

    private static let stringSlots = 8
    private static let keyListSlots = 4
    /// Strings up to this many UTF-8 bytes are stored inline by `String` (nothing to share).
    private static let smallStringLimit = 15
    /// Longer strings are not looked up (comparing them costs about as much as copying).
    private static let largeStringLimit = 256

    init() {}

    /// The string of `utf8` (valid UTF-8), sharing the storage of an equal recent long string.
    mutating func string(_ utf8: UnsafeBufferPointer<UInt8>) -> String {
        let count = utf8.count
        guard count > Self.smallStringLimit, count <= Self.largeStringLimit, let bytes = utf8.baseAddress else {
            return String(decoding: utf8, as: UTF8.self)
        }
        if strings.isEmpty { strings = Array(repeating: ("", false), count: Self.stringSlots) }
        let slot = count & (Self.stringSlots - 1)
        let candidate = strings[slot].string
        if candidate.utf8.count == count {
            let same = candidate.utf8.withContiguousStorageIfAvailable { stored -> Bool in
                guard let storedBytes = stored.baseAddress else { return false }
                for index in 0..<count where storedBytes[index] != bytes[index] { return false }
                return true
            }
            if same == true {
                strings[slot].hot = true
                return candidate
            }
        }
        let made = String(decoding: utf8, as: UTF8.self)
        if strings[slot].hot {
            strings[slot].hot = false
        } else {
            strings[slot].string = made
        }
        return made
    }

    /// The last remembered object and its text length, if the text at `start` begins with exactly that
    /// text. A JSON object's text ends at its closing brace, so equal text is the same object: a CoList
    /// transaction's insertions all name the same anchor op ID, parsed once this way.
    mutating func recentFlatObject(at start: UnsafePointer<UInt8>, available: Int) -> (JSONValue, Int)? {
        guard let flatObject, flatObjectBytes.count <= available else { return nil }
        let count = flatObjectBytes.count
        let same = flatObjectBytes.withUnsafeBufferPointer { memo -> Bool in
            guard let memoBase = memo.baseAddress else { return false }
            return RawBytes.equal(memoBase, start, count: count)
        }
        return same ? (flatObject, count) : nil
    }

    /// Remembers `value` parsed from `bytes` if it is small and `isFlat` (holds no object or array).
    mutating func rememberFlatObject(_ value: JSONValue, bytes: UnsafeBufferPointer<UInt8>, isFlat: Bool) {
        guard isFlat, bytes.count <= Self.flatObjectLimit else { return }
        flatObjectBytes.removeAll(keepingCapacity: true)
        flatObjectBytes.append(contentsOf: bytes)
        flatObject = value
    }

    /// A remembered key list equal (exact code points) to `keyStack[start...]`, which is then removed.
    fileprivate mutating func sharedKeys(startingAt start: Int) -> [String]? {
        let count = keyStack.count - start
        for list in keyLists where list.count == count {
            var equal = true
            for offset in 0..<count where !JSONStrings.utf8Equal(list[offset], keyStack[start + offset]) {
                equal = false
                break
            }
            if equal {
                keyStack.removeSubrange(start...)
                return list
            }
        }
        return nil
    }

    /// Remembers a key list without duplicate keys for ``sharedKeys(startingAt:)``.
    fileprivate mutating func remember(_ keys: [String]) {
        guard !keys.isEmpty, keys.count <= 8 else { return }
        if keyLists.count < Self.keyListSlots {
            keyLists.append(keys)
        } else {
            keyLists[nextKeyList] = keys
            nextKeyList = (nextKeyList + 1) % Self.keyListSlots
        }
    }
}
