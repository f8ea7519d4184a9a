extension JSONValue {
    /// JavaScript `JSON.stringify(value)`: no whitespace; object members in JavaScript property order
    /// (integer-like keys "0".."4294967294" first in ascending numeric order, then insertion order).
    ///
    /// Numbers print as ECMAScript `Number::toString` (NaN and ±Infinity print `null`); strings are escaped
    /// exactly as JavaScript does (see ``stableStringify()``). cojson uses this form for the `changes` and
    /// `meta` strings of transactions.
    public func jsonStringify() -> String {
        JSONWriter.string(from: jsonStringifyUTF8())
    }

    /// The UTF-8 bytes of ``jsonStringify()``.
    public func jsonStringifyUTF8() -> [UInt8] {
        var writer = JSONWriter(sortsKeys: false)
        writer.write(self)
        return writer.bytes
    }

    /// The UTF-8 bytes of ``jsonStringify()``, in place of what `buffer` held (its capacity is kept): for many
    /// values in a row, one buffer that stops growing instead of a new one growing for each (storing a
    /// CoValue's transactions of ~100 KiB each grew each one eight times).
    public func jsonStringifyUTF8(into buffer: inout [UInt8]) {
        var writer = JSONWriter(sortsKeys: false, capacity: 0)
        writer.exchangeOutput(with: &buffer)
        writer.removeAll()
        writer.write(self)
        writer.exchangeOutput(with: &buffer)
    }

    /// cojson's `stableStringify` (packages/cojson/src/jsonStringify.ts): keys sorted by UTF-16 code units,
    /// numbers as JS Number::toString (NaN/±Infinity -> null), strings starting with "encrypted_U" or
    /// "binary_U" emitted verbatim between quotes without escaping.
    ///
    /// Other strings and all keys use `JSON.stringify` escaping: `\"`, `\\`, `\b \f \n \r \t`, other
    /// U+0000–U+001F as lowercase `\u00xx`, lone surrogates as `\udxxx`, everything else raw (including `/`,
    /// DEL, U+2028/U+2029 and all non-ASCII). A verbatim-prefixed ``utf16String(_:)`` prints its lone
    /// surrogates as U+FFFD, which is what JavaScript's UTF-8 encoding of that output gives.
    public func stableStringify() -> String {
        JSONWriter.string(from: stableStringifyUTF8())
    }

    /// The UTF-8 bytes of ``stableStringify()`` (what cojson hashes, signs and derives nonces from).
    public func stableStringifyUTF8() -> [UInt8] {
        var writer = JSONWriter(sortsKeys: true)
        writer.write(self)
        return writer.bytes
    }
}

/// Serializes a ``JSONValue`` into UTF-8 bytes, in `JSON.stringify` or `stableStringify` form.
struct JSONWriter {
    /// `true`: `stableStringify` (sorted keys, verbatim `encrypted_U`/`binary_U` strings);
    /// `false`: `JSON.stringify`.
    let sortsKeys: Bool
    private(set) var bytes: [UInt8] = []

    init(sortsKeys: Bool, capacity: Int = 256) {
        self.sortsKeys = sortsKeys
        bytes.reserveCapacity(capacity)
    }

    /// Empties the output, keeping its capacity.
    mutating func removeAll() { bytes.removeAll(keepingCapacity: true) }

    /// Swaps the output with `other` (no copy: a caller's buffer can be written into and handed back).
    mutating func exchangeOutput(with other: inout [UInt8]) { swap(&bytes, &other) }

    /// The writer's UTF-8 output as a String (one validating copy; measured faster than `String(decoding:)`).
    static func string(from bytes: [UInt8]) -> String {
        String(unsafeUninitializedCapacity: bytes.count) { buffer in
            _ = buffer.initialize(from: bytes)
            return bytes.count
        }
    }

    mutating func write(_ value: JSONValue) {
        switch value {
        case .null:
            appendASCII("null")
        case .bool(let bool):
            appendASCII(bool ? "true" : "false")
        case .number(let number):
            JSNumberFormatter.append(number, to: &bytes)
        case .string(let string):
            if sortsKeys, Self.hasVerbatimPrefix(string.utf8) {
                bytes.append(Self.quote)
                bytes.append(contentsOf: string.utf8)
                bytes.append(Self.quote)
            } else {
                writeQuoted(string)
            }
        case .utf16String(let units):
            if sortsKeys, Self.hasVerbatimPrefix(units) {
                bytes.append(Self.quote)
                appendUTF16(units, escaping: false)
                bytes.append(Self.quote)
            } else {
                bytes.append(Self.quote)
                appendUTF16(units, escaping: true)
                bytes.append(Self.quote)
            }
        case .array(let elements):
            bytes.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                write(element)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let object):
            writeObject(object)
        }
    }

    // MARK: Objects

    private mutating func writeObject(_ object: JSONObject) {
        bytes.append(UInt8(ascii: "{"))
        if sortsKeys {
            let keys = object.keys
            var sorted = true
            for index in keys.indices.dropFirst() where !JSONStrings.utf16Less(keys[index - 1], keys[index]) {
                sorted = false
                break
            }
            if sorted {
                writeMembers(object, order: keys.indices)
            } else {
                let order = keys.indices.sorted { JSONStrings.utf16Less(keys[$0], keys[$1]) }
                writeMembers(object, order: order)
            }
        } else {
            // JavaScript property order: array-index keys ascending, then the rest in insertion order.
            var indexKeys: [(index: UInt32, position: Int)] = []
            for (position, key) in object.keys.enumerated() {
                if let index = Self.arrayIndex(key) { indexKeys.append((index, position)) }
            }
            if indexKeys.isEmpty {
                writeMembers(object, order: object.keys.indices)
            } else {
                indexKeys.sort { $0.index < $1.index }
                var order = indexKeys.map(\.position)
                var isIndexKey = [Bool](repeating: false, count: object.count)
                for entry in indexKeys { isIndexKey[entry.position] = true }
                for position in 0..<object.count where !isIndexKey[position] { order.append(position) }
                writeMembers(object, order: order)
            }
        }
        bytes.append(UInt8(ascii: "}"))
    }

    private mutating func writeMembers(_ object: JSONObject, order: some Sequence<Int>) {
        var first = true
        for position in order {
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            let member = object.member(at: position)
            writeQuoted(member.key)  // keys always use JSON.stringify escaping, even in stableStringify
            bytes.append(UInt8(ascii: ":"))
            write(member.value)
        }
    }

    /// The value of a canonical array-index key ("0", "1", … "4294967294": no sign, no leading zero).
    static func arrayIndex(_ key: String) -> UInt32? {
        let utf8 = key.utf8
        guard !utf8.isEmpty, utf8.count <= 10 else { return nil }
        var value: UInt64 = 0
        for byte in utf8 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + UInt64(byte - UInt8(ascii: "0"))
        }
        if utf8.count > 1, utf8.first == UInt8(ascii: "0") { return nil }
        guard value <= 4_294_967_294 else { return nil }
        return UInt32(value)
    }

    // MARK: Strings

    private static let quote = UInt8(ascii: "\"")
    private static let backslash = UInt8(ascii: "\\")
    private static let hexDigits: StaticString = "0123456789abcdef"

    /// Whether the string starts with `encrypted_U` or `binary_U` (stableStringify's verbatim fast path).
    private static func hasVerbatimPrefix(_ utf8: String.UTF8View) -> Bool {
        guard let first = utf8.first, first == UInt8(ascii: "e") || first == UInt8(ascii: "b") else { return false }
        return utf8.starts(with: "encrypted_U".utf8) || utf8.starts(with: "binary_U".utf8)
    }

    private static func hasVerbatimPrefix(_ units: [UInt16]) -> Bool {
        units.starts(with: "encrypted_U".utf16) || units.starts(with: "binary_U".utf16)
    }

    mutating func appendASCII(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Appends an unsigned integer in plain decimal.
    mutating func appendDecimal(_ value: UInt64) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for UInt64's 20 digits
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                count += 1
                buffer[24 - count] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            } while rest > 0
            bytes.append(contentsOf: buffer[(24 - count)...])
        }
    }

    /// `JSON.stringify(string)`.
    mutating func writeQuoted(_ string: String) {
        bytes.append(Self.quote)
        let done: Void? = string.utf8.withContiguousStorageIfAvailable { appendEscaped($0) }
        if done == nil {
            Array(string.utf8).withUnsafeBufferPointer { appendEscaped($0) }
        }
        bytes.append(Self.quote)
    }

    /// Appends UTF-8 text with `JSON.stringify` escaping, copying unescaped runs in one go.
    private mutating func appendEscaped(_ text: UnsafeBufferPointer<UInt8>) {
        guard let base = text.baseAddress else { return }
        var runStart = 0
        var index = 0
        let count = text.count
        while index < count {
            // Skip eight plain bytes at a time (no quote, backslash or control among them).
            while index &+ 8 <= count {
                let word = UInt64(littleEndian: UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self))
                let mask = Self.escapeMask(word)
                if mask != 0 {
                    index &+= mask.trailingZeroBitCount >> 3
                    break
                }
                index &+= 8
            }
            guard index < count else { break }
            let byte = base[index]
            if byte >= 0x20, byte != Self.quote, byte != Self.backslash {
                index += 1
                continue
            }
            if index > runStart { bytes.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: index - runStart)) }
            appendEscape(forASCII: byte)
            index += 1
            runStart = index
        }
        if count > runStart { bytes.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: count - runStart)) }
    }

    /// Bit 7 set in each byte that is `"`, `\` or below 0x20 (the lowest set bit is exact; non-ASCII
    /// bytes never match).
    @inline(__always)
    private static func escapeMask(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quotes = word ^ (ones &* UInt64(quote))
        let backslashes = word ^ (ones &* UInt64(backslash))
        let hasQuote = (quotes &- ones) & ~quotes
        let hasBackslash = (backslashes &- ones) & ~backslashes
        let hasControl = (word &- ones &* 0x20) & ~word
        return (hasQuote | hasBackslash | hasControl) & highs
    }

    /// The escape of `"`, `\` or a control character.
    private mutating func appendEscape(forASCII byte: UInt8) {
        bytes.append(Self.backslash)
        switch byte {
        case Self.quote: bytes.append(Self.quote)
        case Self.backslash: bytes.append(Self.backslash)
        case 0x08: bytes.append(UInt8(ascii: "b"))
        case 0x09: bytes.append(UInt8(ascii: "t"))
        case 0x0A: bytes.append(UInt8(ascii: "n"))
        case 0x0C: bytes.append(UInt8(ascii: "f"))
        case 0x0D: bytes.append(UInt8(ascii: "r"))
        default: appendUnicodeEscapeDigits(UInt16(byte))
        }
    }

    /// `u` + four lowercase hex digits (the backslash is already written).
    private mutating func appendUnicodeEscapeDigits(_ unit: UInt16) {
        let digits = Self.hexDigits.utf8Start
        bytes.append(UInt8(ascii: "u"))
        bytes.append(digits[Int(unit >> 12)])
        bytes.append(digits[Int(unit >> 8 & 0xF)])
        bytes.append(digits[Int(unit >> 4 & 0xF)])
        bytes.append(digits[Int(unit & 0xF)])
    }

    /// Appends UTF-16 text as UTF-8. With `escaping`, applies `JSON.stringify` escaping (lone surrogates
    /// as `\udxxx`); without, writes it raw with lone surrogates as U+FFFD.
    private mutating func appendUTF16(_ units: [UInt16], escaping: Bool) {
        var index = 0
        while index < units.count {
            let unit = units[index]
            var scalar = UInt32(unit)
            if unit < 0x80 {
                let byte = UInt8(unit)
                if escaping, byte < 0x20 || byte == Self.quote || byte == Self.backslash {
                    appendEscape(forASCII: byte)
                } else {
                    bytes.append(byte)
                }
                index += 1
                continue
            }
            if unit & 0xF800 == 0xD800 {
                if unit < 0xDC00, index + 1 < units.count, units[index + 1] & 0xFC00 == 0xDC00 {
                    scalar = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(units[index + 1]) - 0xDC00)
                    index += 1
                } else if escaping {
                    bytes.append(Self.backslash)
                    appendUnicodeEscapeDigits(unit)
                    index += 1
                    continue
                } else {
                    scalar = 0xFFFD
                }
            }
            appendUTF8(scalar)
            index += 1
        }
    }

    private mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            bytes.append(UInt8(scalar))
        case 0x80..<0x800:
            bytes.append(UInt8(0xC0 | scalar >> 6))
            bytes.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            bytes.append(UInt8(0xE0 | scalar >> 12))
            bytes.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            bytes.append(UInt8(0x80 | scalar & 0x3F))
        default:
            bytes.append(UInt8(0xF0 | scalar >> 18))
            bytes.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            bytes.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            bytes.append(UInt8(0x80 | scalar & 0x3F))
        }
    }
}

// MARK: - ECMAScript Number::toString

extension JSONValue {
    /// JavaScript `String(number)` (ECMAScript Number::toString with radix 10): shortest round-trip digits,
    /// plain decimal for 1e-7 < |x| < 1e21, otherwise exponent form (`1e+21`, `1.5e-7`); `-0` gives `0`.
    public static func javaScriptString(for number: Double) -> String {
        var bytes: [UInt8] = []
        JSNumberFormatter.appendNumberToString(number, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// ECMAScript Number::toString(10), written as UTF-8.
enum JSNumberFormatter {
    /// Appends a number the way both `JSON.stringify` and `stableStringify` print it: non-finite as `null`.
    static func append(_ number: Double, to bytes: inout [UInt8]) {
        guard number.isFinite else {
            bytes.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])  // null
            return
        }
        appendNumberToString(number, to: &bytes)
    }

    /// Appends Number::toString(number): `NaN`, `Infinity`, `-Infinity` for non-finite values.
    static func appendNumberToString(_ number: Double, to bytes: inout [UInt8]) {
        if number.isNaN {
            bytes.append(contentsOf: Array("NaN".utf8))
            return
        }
        if number.isInfinite {
            bytes.append(contentsOf: Array((number < 0 ? "-Infinity" : "Infinity").utf8))
            return
        }
        if number == 0 {
            bytes.append(UInt8(ascii: "0"))  // also -0
            return
        }
        // Integers below 2^53 print as themselves (no shorter digit string rounds to them).
        if number.magnitude < 9_007_199_254_740_992, Double(Int64(number)) == number {
            appendInteger(Int64(number), to: &bytes)
            return
        }
        appendShortest(number, to: &bytes)
    }

    private static func appendInteger(_ value: Int64, to bytes: inout [UInt8]) {
        var magnitude = value.magnitude
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buffer in
            var count = 0
            repeat {
                buffer[19 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[(20 - count)...]))
        }
    }

    /// Shortest round-trip digits from Swift's `description` (which prints the shortest, closest digit
    /// string), re-laid out per ECMAScript: with k digits and decimal exponent n (value = 0.d1…dk × 10^n),
    /// k ≤ n ≤ 21 → digits and zeros; 0 < n ≤ 21 → point inside; −6 < n ≤ 0 → `0.` and zeros; else
    /// `d.ddde±x`.
    private static func appendShortest(_ number: Double, to bytes: inout [UInt8]) {
        let text = number.magnitude.description.utf8
        var digits: [UInt8] = []
        digits.reserveCapacity(20)
        var pointPosition: Int?  // digits before '.'
        var exponent = 0
        var iterator = text.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                digits.append(byte)
            case UInt8(ascii: "."):
                pointPosition = digits.count
            case UInt8(ascii: "e"), UInt8(ascii: "E"):
                var negative = false
                var value = 0
                while let exponentByte = iterator.next() {
                    switch exponentByte {
                    case UInt8(ascii: "-"): negative = true
                    case UInt8(ascii: "+"): break
                    default: value = value * 10 + Int(exponentByte) - 0x30
                    }
                }
                exponent = negative ? -value : value
            default:
                break
            }
        }
        // value = 0.digits × 10^n
        var n = (pointPosition ?? digits.count) + exponent
        var leading = 0
        while leading < digits.count - 1, digits[leading] == UInt8(ascii: "0") { leading += 1 }
        n -= leading
        var trailing = digits.count
        while trailing > leading + 1, digits[trailing - 1] == UInt8(ascii: "0") { trailing -= 1 }
        let significant = digits[leading..<trailing]
        let k = significant.count

        if number < 0 { bytes.append(UInt8(ascii: "-")) }
        if k <= n && n <= 21 {
            bytes.append(contentsOf: significant)
            bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: n - k))
        } else if 0 < n && n <= 21 {
            bytes.append(contentsOf: significant.prefix(n))
            bytes.append(UInt8(ascii: "."))
            bytes.append(contentsOf: significant.dropFirst(n))
        } else if -6 < n && n <= 0 {
            bytes.append(UInt8(ascii: "0"))
            bytes.append(UInt8(ascii: "."))
            bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: -n))
            bytes.append(contentsOf: significant)
        } else {
            bytes.append(significant[significant.startIndex])
            if k > 1 {
                bytes.append(UInt8(ascii: "."))
                bytes.append(contentsOf: significant.dropFirst())
            }
            bytes.append(UInt8(ascii: "e"))
            let e = n - 1
            bytes.append(e < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            bytes.append(contentsOf: Array(String(e.magnitude).utf8))
        }
    }
}
