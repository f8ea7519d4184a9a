/// A JSON value with JavaScript semantics, as cojson sees the values it hashes, signs and syncs.
///
/// Parse with ``init(parsing:)`` (strict `JSON.parse` grammar), print with
/// ``jsonStringify()`` (JavaScript `JSON.stringify`) or ``stableStringify()`` (cojson's canonical form).
///
/// Equality follows JavaScript `===` on the leaves: numbers compare as doubles (`-0 == 0`, `NaN != NaN`),
/// strings compare code unit by code unit (unlike Swift `String ==`, precomposed `é` and `e` + U+0301 are
/// different), objects ignore member order.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    /// JavaScript semantics: an IEEE double; `-0` is kept.
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
    /// A JavaScript string that is not valid Unicode (has an unpaired surrogate), as UTF-16 code units.
    /// Swift's String cannot hold it; the parser produces this case only then, and both serializers print it
    /// with `\udxxx` escapes for the lone surrogates, exactly as JavaScript does.
    case utf16String([UInt16])
}

// MARK: - Construction

extension JSONValue {
    /// The JavaScript string with these UTF-16 code units: ``string(_:)`` when they are valid Unicode,
    /// ``utf16String(_:)`` when they contain an unpaired surrogate.
    public init(utf16CodeUnits units: [UInt16]) {
        if let string = JSONStrings.validString(fromUTF16: units) {
            self = .string(string)
        } else {
            self = .utf16String(units)
        }
    }
}

// MARK: - Accessors

extension JSONValue {
    /// The member named `key` when this is an object that has it; `nil` otherwise.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let object) = self else { return nil }
        return object[key]
    }

    /// The element at `index` when this is an array and the index is in range; `nil` otherwise.
    public subscript(index: Int) -> JSONValue? {
        guard case .array(let array) = self, array.indices.contains(index) else { return nil }
        return array[index]
    }

    /// The string when this is a (valid Unicode) string; `nil` for every other case, including
    /// ``utf16String(_:)`` (use ``utf16CodeUnits`` for those).
    public var stringValue: String? {
        guard case .string(let string) = self else { return nil }
        return string
    }

    /// The UTF-16 code units of either kind of string; `nil` for non-strings.
    public var utf16CodeUnits: [UInt16]? {
        switch self {
        case .string(let string): return Array(string.utf16)
        case .utf16String(let units): return units
        default: return nil
        }
    }

    /// The number when this is a number (NaN and infinities included).
    public var doubleValue: Double? {
        guard case .number(let number) = self else { return nil }
        return number
    }

    /// The number as an `Int64` when it is integral and exactly representable (`-0` gives `0`);
    /// `nil` for fractions, NaN, infinities, magnitudes from 2^63 on, and non-numbers.
    public var int64Value: Int64? {
        // Range check first (Int64(_:) traps outside it), then exactness; avoids libm-based rounding.
        guard case .number(let number) = self, number >= -9_223_372_036_854_775_808.0,
              number < 9_223_372_036_854_775_808.0
        else { return nil }
        let integer = Int64(number)
        return Double(integer) == number ? integer : nil
    }

    /// The boolean when this is `true` or `false`.
    public var boolValue: Bool? {
        guard case .bool(let bool) = self else { return nil }
        return bool
    }

    /// The elements when this is an array.
    public var arrayValue: [JSONValue]? {
        guard case .array(let array) = self else { return nil }
        return array
    }

    /// The members when this is an object.
    public var objectValue: JSONObject? {
        guard case .object(let object) = self else { return nil }
        return object
    }

    /// Whether this is `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}

// MARK: - Equality and hashing (JavaScript `===` on leaves)

extension JSONValue {
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b
        case (.string(let a), .string(let b)): return JSONStrings.utf8Equal(a, b)
        case (.string(let a), .utf16String(let b)), (.utf16String(let b), .string(let a)):
            return a.utf16.elementsEqual(b)
        case (.utf16String(let a), .utf16String(let b)): return a == b
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)): return a == b
        default: return false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null:
            hasher.combine(0 as UInt8)
        case .bool(let bool):
            hasher.combine(1 as UInt8)
            hasher.combine(bool)
        case .number(let number):
            hasher.combine(2 as UInt8)
            hasher.combine(number)  // Double hashing already treats -0 and 0 alike.
        case .string(let string):
            hasher.combine(3 as UInt8)
            JSONStrings.hashUTF8(string, into: &hasher)
        case .utf16String(let units):
            // Must agree with `.string` whenever the units are valid Unicode (== says they are equal).
            if let string = JSONStrings.validString(fromUTF16: units) {
                hasher.combine(3 as UInt8)
                JSONStrings.hashUTF8(string, into: &hasher)
            } else {
                hasher.combine(6 as UInt8)
                hasher.combine(units)
            }
        case .array(let array):
            hasher.combine(4 as UInt8)
            hasher.combine(array)
        case .object(let object):
            hasher.combine(5 as UInt8)
            hasher.combine(object)
        }
    }
}

// MARK: - Literals

extension JSONValue: ExpressibleByNilLiteral {
    public init(nilLiteral: ()) { self = .null }
}

extension JSONValue: ExpressibleByBooleanLiteral {
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension JSONValue: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
}

extension JSONValue: ExpressibleByFloatLiteral {
    public init(floatLiteral value: Double) { self = .number(value) }
}

extension JSONValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
}

extension JSONValue: ExpressibleByArrayLiteral {
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
}

extension JSONValue: ExpressibleByDictionaryLiteral {
    /// Later duplicate keys overwrite the value but keep the first position, like `JSON.parse`.
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(JSONObject(elements)) }
}

extension JSONValue: CustomStringConvertible {
    /// The value as `JSON.stringify` prints it.
    public var description: String { jsonStringify() }
}

// MARK: - String helpers shared by the JSON files

/// Code-unit-exact string operations (Swift's `String ==` and hashing use canonical equivalence,
/// JavaScript compares code units).
enum JSONStrings {
    /// Whether two strings have the same UTF-8 bytes (equivalently, the same code points).
    static func utf8Equal(_ a: String, _ b: String) -> Bool {
        let first = a.utf8, second = b.utf8
        guard first.count == second.count else { return false }
        let fast = first.withContiguousStorageIfAvailable { lhs in
            second.withContiguousStorageIfAvailable { rhs in
                guard let lhsBase = lhs.baseAddress, let rhsBase = rhs.baseAddress else { return true }
                for index in 0..<lhs.count where lhsBase[index] != rhsBase[index] { return false }
                return true
            }
        }
        if let fast, let result = fast { return result }
        return first.elementsEqual(second)
    }

    /// Feeds the UTF-8 bytes (and the length) of `string` to `hasher`.
    static func hashUTF8(_ string: String, into hasher: inout Hasher) {
        let utf8 = string.utf8
        hasher.combine(utf8.count)
        let done: Void? = utf8.withContiguousStorageIfAvailable { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        if done == nil {
            for byte in utf8 { hasher.combine(byte) }
        }
    }

    /// The string when `units` are valid UTF-16 (no unpaired surrogate), `nil` otherwise.
    static func validString(fromUTF16 units: [UInt16]) -> String? {
        var index = 0
        while index < units.count {
            let unit = units[index]
            if unit & 0xF800 == 0xD800 {
                guard unit < 0xDC00, index + 1 < units.count, units[index + 1] & 0xFC00 == 0xDC00 else { return nil }
                index += 2
            } else {
                index += 1
            }
        }
        return String(decoding: units, as: UTF16.self)
    }

    /// JavaScript's default sort order for strings (`Array.prototype.sort`): lexicographic by UTF-16
    /// code units. Computed on UTF-8 bytes: byte order equals code point order, which differs from
    /// UTF-16 order only when a character in U+E000–U+FFFF meets a supplementary one.
    static func utf16Less(_ a: String, _ b: String) -> Bool {
        let first = a.utf8, second = b.utf8
        let fast = first.withContiguousStorageIfAvailable { lhs in
            second.withContiguousStorageIfAvailable { rhs in utf16Less(lhs, rhs) }
        }
        if let fast, let result = fast { return result }
        return utf16Less(Array(first), Array(second))
    }

    private static func utf16Less(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        lhs.withUnsafeBufferPointer { l in rhs.withUnsafeBufferPointer { r in utf16Less(l, r) } }
    }

    static func utf16Less(_ lhs: UnsafeBufferPointer<UInt8>, _ rhs: UnsafeBufferPointer<UInt8>) -> Bool {
        let common = min(lhs.count, rhs.count)
        var index = 0
        while index < common, lhs[index] == rhs[index] { index += 1 }
        guard index < common else { return lhs.count < rhs.count }
        let x = lhs[index], y = rhs[index]
        // Equal prefixes keep character boundaries aligned: either both bytes lead a character or
        // both continue characters with the same lead byte (then byte order is already right).
        let xIsHighBMP = x == 0xEE || x == 0xEF, yIsHighBMP = y == 0xEE || y == 0xEF
        let xIsAstral = x >= 0xF0, yIsAstral = y >= 0xF0
        if xIsHighBMP && yIsAstral { return false }  // U+E000–U+FFFF sorts after surrogate pairs
        if xIsAstral && yIsHighBMP { return true }
        return x < y
    }
}
