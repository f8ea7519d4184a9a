import Testing
@testable import JazzProto

/// Property tests on random values: parse(stringify(v)) == v for both serializers.
@Suite struct JSONRoundTripTests {
    /// Random JSON values covering every case, awkward characters and numbers.
    struct ValueGenerator {
        var random: SeededRandom
        /// Whether strings may start with `encrypted_U`/`binary_U` (stableStringify prints those unescaped,
        /// so such strings with `"` or `\` inside do not round-trip through it).
        var allowVerbatimPrefixes: Bool

        private static let scalars: [Unicode.Scalar] = [
            "a", "Z", "0", " ", "\"", "\\", "/", "\u{0}", "\u{1}", "\u{8}", "\u{9}", "\u{A}", "\u{C}", "\u{D}", "\u{1F}",
            "\u{7F}", "\u{80}", "\u{E9}", "\u{301}", "\u{2028}", "\u{2029}", "\u{65E5}", "\u{E000}", "\u{FEFF}",
            "\u{FFFD}", "\u{FFFF}", "\u{10000}", "\u{1F600}", "\u{10FFFF}",
        ]

        mutating func string() -> String {
            var result = String.UnicodeScalarView()
            if allowVerbatimPrefixes, Int.random(in: 0..<10, using: &random) == 0 {
                result.append(contentsOf: (Bool.random(using: &random) ? "encrypted_U" : "binary_U").unicodeScalars)
            }
            let length = Int.random(in: 0...12, using: &random)
            for _ in 0..<length {
                if Int.random(in: 0..<3, using: &random) == 0 {
                    result.append(Self.scalars.randomElement(using: &random) ?? "a")
                } else {
                    result.append(Unicode.Scalar(UInt8.random(in: 0x20...0x7E, using: &random)))
                }
            }
            return String(result)
        }

        mutating func number() -> Double {
            switch Int.random(in: 0..<6, using: &random) {
            case 0: return Double(Int.random(in: -1000...1000, using: &random))
            case 1: return Double(Int64.random(in: -(1 << 53)...(1 << 53), using: &random))
            case 2: return -0.0
            case 3: return Double.random(in: -1...1, using: &random) * ([1e-10, 1e-7, 1, 1e21, 1e300].randomElement(using: &random) ?? 1)
            default:
                while true {
                    let number = Double(bitPattern: random.next())
                    if number.isFinite { return number }
                }
            }
        }

        mutating func value(depth: Int = 0) -> JSONValue {
            let choice = Int.random(in: 0..<(depth > 3 ? 5 : 8), using: &random)
            switch choice {
            case 0: return .null
            case 1: return .bool(Bool.random(using: &random))
            case 2: return .number(number())
            case 3: return .string(string())
            case 4:
                // A lone surrogate somewhere in otherwise random text.
                var units = Array(string().utf16)
                units.insert(UInt16.random(in: 0xD800...0xDFFF, using: &random), at: Int.random(in: 0...units.count, using: &random))
                return JSONValue(utf16CodeUnits: units)
            case 5, 6:
                var object = JSONObject()
                for _ in 0..<Int.random(in: 0...6, using: &random) {
                    let key = Bool.random(using: &random) ? string() : String(Int.random(in: 0...20, using: &random))
                    object[key] = value(depth: depth + 1)
                }
                return .object(object)
            default:
                return .array((0..<Int.random(in: 0...5, using: &random)).map { _ in value(depth: depth + 1) })
            }
        }
    }

    @Test func jsonStringifyRoundTrips() throws {
        var generator = ValueGenerator(random: SeededRandom(seed: 2019), allowVerbatimPrefixes: true)
        for _ in 0..<3000 {
            let value = generator.value()
            let text = value.jsonStringify()
            let parsed = try JSONValue(parsing: text)
            #expect(parsed == value, "\(text)")
            // Printing is a function of the value: the parsed copy prints identically.
            #expect(Array(parsed.jsonStringify().utf8) == Array(text.utf8))
            #expect(Array(parsed.stableStringify().utf8) == Array(value.stableStringify().utf8))
            // Byte-level parsing agrees with String-level parsing.
            #expect(try JSONValue(parsing: value.jsonStringifyUTF8()) == value)
        }
    }

    @Test func stableStringifyRoundTrips() throws {
        var generator = ValueGenerator(random: SeededRandom(seed: 3339), allowVerbatimPrefixes: false)
        for _ in 0..<3000 {
            let value = generator.value()
            let text = value.stableStringify()
            let parsed = try JSONValue(parsing: text)
            #expect(parsed == value, "\(text)")
            // Canonical: re-serializing the parsed value gives the same bytes (idempotent).
            #expect(Array(parsed.stableStringify().utf8) == Array(text.utf8))
            // Sorted: every object's keys come out in UTF-16 order.
            #expect(Self.keysSorted(parsed))
        }
    }

    /// Honest base64url payloads round-trip through stableStringify even with the verbatim prefixes.
    @Test func verbatimPrefixedBase64RoundTrips() throws {
        var random = SeededRandom(seed: 11)
        for length in 0..<64 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            let encoded = Base64URL.encode(bytes)
            let value: JSONValue = ["encryptedChanges": .string("encrypted_U" + encoded), "chunk": .string("binary_U" + encoded)]
            let text = value.stableStringify()
            #expect(text == "{\"chunk\":\"binary_U\(encoded)\",\"encryptedChanges\":\"encrypted_U\(encoded)\"}")
            #expect(try JSONValue(parsing: text) == value)
        }
    }

    private static func keysSorted(_ value: JSONValue) -> Bool {
        switch value {
        case .object(let object):
            let keys = object.keys.map { Array($0.utf16) }
            return zip(keys, keys.dropFirst()).allSatisfy { $0.lexicographicallyPrecedes($1) }
                && object.values.allSatisfy(keysSorted)
        case .array(let elements):
            return elements.allSatisfy(keysSorted)
        default:
            return true
        }
    }
}

/// Damaged JSON texts (bytes flipped, cut, duplicated, with odd escapes and deep nesting): the parser
/// answers with a value or a typed error, never a crash, and every value it returns survives a round trip.
@Suite struct JSONParserMutationTests {
    static let samples = [
        #"{"action":"content","id":"co_zabc","header":{"type":"comap","ruleset":{"type":"ownedByGroup","group":"co_zdef"},"meta":null,"uniqueness":"z1","createdAt":"2026-01-01T00:00:00.000Z"},"priority":3,"new":{"co_zx_session_zy":{"after":0,"newTransactions":[{"privacy":"trusting","madeAt":1767225600000,"changes":"[{\"op\":\"set\",\"key\":\"k\",\"value\":\"v\\u00e9\\ud83d\\ude00\"}]"}],"lastSignature":"signature_z1"}}}"#,
        #"[1,-0,0.1,1e21,1E-7,123456789012345678901234567890,true,false,null,"\u0000\t\"\\\/",[[[[]]]],{}]"#,
        #"{"a":{"b":{"c":[{"d":"\ud800"},{"e":"\udc00x"},"\uD83D\uDE00"]}}}"#,
    ]

    @Test func damagedTextsNeverCrashAndParsedValuesRoundTrip() throws {
        var generator = SeededRandom(seed: 4_242)
        var parsed = 0
        for round in 0..<6_000 {
            var bytes = Array(Self.samples[round % Self.samples.count].utf8)
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                let index = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<5, using: &generator) {
                case 0: bytes[index] = UInt8.random(in: 0...255, using: &generator)
                case 1: bytes.removeSubrange(index...)
                case 2: bytes.insert(contentsOf: bytes[index..<min(bytes.count, index + 8)], at: index)
                case 3: bytes.insert(contentsOf: Array(#"\u"#.utf8), at: index)
                default: bytes.insert(contentsOf: Array(repeating: UInt8(ascii: "["), count: 600), at: index)
                }
                if bytes.isEmpty { bytes = [0x20] }
            }
            guard let value = try? bytes.withUnsafeBufferPointer({ try JSONParser.parse($0).get() }) else { continue }
            parsed += 1
            let again = try JSONValue(parsing: value.jsonStringify())
            #expect(again == value)
        }
        #expect(parsed > 300)
    }
}
