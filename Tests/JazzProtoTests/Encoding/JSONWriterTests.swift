import Testing
@testable import JazzProto

@Suite struct JSONWriterTests {
    /// Compares UTF-8 bytes (Swift's String == would accept canonically equivalent text).
    private func same(_ actual: String, _ expected: String) -> Bool { Array(actual.utf8) == Array(expected.utf8) }

    // MARK: Member order

    @Test func jsonStringifyPutsArrayIndexKeysFirst() throws {
        let value = try JSONValue(parsing: #"{"b":1,"10":2,"9":3,"a":4,"4294967295":5,"4294967294":6,"01":7,"-1":8,"0":9}"#)
        // Array-index keys ("0".."4294967294", canonical) ascending, then insertion order; "4294967295",
        // "01" and "-1" are ordinary keys.
        #expect(value.jsonStringify() == #"{"0":9,"9":3,"10":2,"4294967294":6,"b":1,"a":4,"4294967295":5,"01":7,"-1":8}"#)
        #expect(value.stableStringify() == #"{"-1":8,"0":9,"01":7,"10":2,"4294967294":6,"4294967295":5,"9":3,"a":4,"b":1}"#)
    }

    /// The worked example of jazz-protocol-core.md §3.1 (its `a: undefined` member is not representable
    /// and is simply absent here, which is how both serializers treat it).
    @Test func protocolDocumentExample() {
        let object = JSONObject([
            ("b", 1), ("c", nil), ("A", 2), ("\u{E9}", 3), ("\u{E000}", 4), ("\u{1F600}", 5), ("10", 6), ("9", 7),
        ])
        let value = JSONValue.object(object)
        #expect(same(value.stableStringify(), "{\"10\":6,\"9\":7,\"A\":2,\"b\":1,\"c\":null,\"\u{E9}\":3,\"\u{1F600}\":5,\"\u{E000}\":4}"))
        #expect(same(value.jsonStringify(), "{\"9\":7,\"10\":6,\"b\":1,\"c\":null,\"A\":2,\"\u{E9}\":3,\"\u{E000}\":4,\"\u{1F600}\":5}"))
    }

    @Test func stableStringifySortsByUTF16CodeUnitsRecursively() {
        let value: JSONValue = ["\u{FFFF}": 1, "\u{1F600}": 2, "\u{E9}": 3, "z": 4, "Z": 5, "": 6, "nested": ["y": [["b": 1, "a": 2]], "x": 0]]
        #expect(same(value.stableStringify(),
                     "{\"\":6,\"Z\":5,\"nested\":{\"x\":0,\"y\":[{\"a\":2,\"b\":1}]},\"z\":4,\"\u{E9}\":3,\"\u{1F600}\":2,\"\u{FFFF}\":1}"))
    }

    /// The UTF-8-based comparator must agree with JavaScript's code-unit order on every pair.
    @Test func keyComparatorMatchesUTF16Order() {
        var generator = SeededRandom(seed: 16)
        let alphabet: [Unicode.Scalar] = ["a", "b", "\u{7F}", "\u{80}", "\u{E9}", "\u{7FF}", "\u{800}", "\u{D7FF}",
                                          "\u{E000}", "\u{FFFD}", "\u{FFFF}", "\u{10000}", "\u{1F600}", "\u{10FFFF}"]
        func randomString() -> String {
            var scalars = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...4, using: &generator) {
                scalars.append(alphabet.randomElement(using: &generator) ?? "a")
            }
            return String(scalars)
        }
        for _ in 0..<5000 {
            let a = randomString(), b = randomString()
            let expected = Array(a.utf16).lexicographicallyPrecedes(Array(b.utf16))
            #expect(JSONStrings.utf16Less(a, b) == expected, "\(Array(a.unicodeScalars)) < \(Array(b.unicodeScalars))")
        }
    }

    // MARK: Strings

    @Test func escapesExactlyLikeJavaScript() {
        let value = JSONValue.string("\u{0}\u{1}\u{8}\u{9}\u{A}\u{B}\u{C}\u{D}\u{1F}\"\\/\u{7F}\u{2028}\u{2029}é😀 ")
        let expected = "\"\\u0000\\u0001\\b\\t\\n\\u000b\\f\\r\\u001f\\\"\\\\/\u{7F}\u{2028}\u{2029}é😀 \""
        #expect(same(value.jsonStringify(), expected))
        #expect(same(value.stableStringify(), expected))
    }

    @Test func longStringsWithScatteredEscapes() {
        // Escapes at every position relative to the 8-byte scanning words.
        for offset in 0..<20 {
            let plain = String(repeating: "x", count: offset)
            let value = JSONValue.string(plain + "\"" + plain + "\n" + plain + "é" + plain + "\u{1}")
            let expected = "\"" + plain + "\\\"" + plain + "\\n" + plain + "é" + plain + "\\u0001\""
            #expect(same(value.jsonStringify(), expected), "offset \(offset)")
        }
    }

    @Test func loneSurrogatesAreEscaped() {
        let value = JSONValue.utf16String([0x61, 0xD800, 0x62, 0xDC00, 0xD83D, 0xDE00, 0x0A, 0x22, 0xDBFF])
        let expected = "\"a\\ud800b\\udc00😀\\n\\\"\\udbff\""
        #expect(same(value.jsonStringify(), expected))
        #expect(same(value.stableStringify(), expected))
    }

    @Test func stableStringifyEmitsEncryptedAndBinaryStringsVerbatim() {
        let encrypted = JSONValue.string("encrypted_Uab\"c")
        #expect(encrypted.stableStringify() == "\"encrypted_Uab\"c\"")  // unescaped: cojson quirk
        #expect(encrypted.jsonStringify() == "\"encrypted_Uab\\\"c\"")
        #expect(JSONValue.string("binary_U\\\n").stableStringify() == "\"binary_U\\\n\"")
        // Only those exact prefixes, only for values, never for keys.
        #expect(JSONValue.string("encrypted_u\"").stableStringify() == "\"encrypted_u\\\"\"")
        #expect(JSONValue.string("xbinary_U\"").stableStringify() == "\"xbinary_U\\\"\"")
        let object: JSONValue = ["encrypted_U\"": "binary_U\""]
        #expect(object.stableStringify() == "{\"encrypted_U\\\"\":\"binary_U\"\"}")
        // A verbatim string with a lone surrogate prints U+FFFD (what JavaScript's UTF-8 encoding gives).
        let lone = JSONValue.utf16String(Array("binary_U".utf16) + [0xD800, 0x22])
        #expect(lone.stableStringify() == "\"binary_U\u{FFFD}\"\"")
        #expect(lone.jsonStringify() == "\"binary_U\\ud800\\\"\"")
    }

    // MARK: Numbers

    @Test(arguments: [
        (0.0, "0"), (-0.0, "0"), (1, "1"), (-1.5, "-1.5"), (100, "100"), (1e21, "1e+21"), (-1e21, "-1e+21"),
        (1e20, "100000000000000000000"), (123_456_789_012_345_680_000, "123456789012345680000"),
        (1e-7, "1e-7"), (-1e-7, "-1e-7"), (1.5e-7, "1.5e-7"), (0.000001, "0.000001"), (1.2345e-6, "0.0000012345"),
        (5e-324, "5e-324"), (1.7976931348623157e308, "1.7976931348623157e+308"), (9_007_199_254_740_992, "9007199254740992"),
        (18_446_744_073_709_551_616, "18446744073709552000"), (0.1 + 0.2, "0.30000000000000004"), (1.0 / 3, "0.3333333333333333"),
        (1.23e-18, "1.23e-18"), (1e300 * 10, "1e+301"), (1_767_322_000_000, "1767322000000"), (-9_007_199_254_740_991, "-9007199254740991"),
        (123.456, "123.456"), (0.5, "0.5"), (1e16, "10000000000000000"), (2e-7, "2e-7"), (1.5e300, "1.5e+300"),
    ] as [(Double, String)])
    func numbersLikeNumberToString(number: Double, expected: String) {
        #expect(JSONValue.javaScriptString(for: number) == expected)
        #expect(JSONValue.number(number).stableStringify() == expected)
        #expect(JSONValue.number(number).jsonStringify() == expected)
    }

    @Test func nonFiniteNumbers() {
        #expect(JSONValue.javaScriptString(for: .nan) == "NaN")
        #expect(JSONValue.javaScriptString(for: .infinity) == "Infinity")
        #expect(JSONValue.javaScriptString(for: -.infinity) == "-Infinity")
        let value: JSONValue = [.number(.nan), .number(.infinity), ["x": .number(-.infinity)]]
        #expect(value.stableStringify() == #"[null,null,{"x":null}]"#)
        #expect(value.jsonStringify() == #"[null,null,{"x":null}]"#)
    }

    /// Printing then parsing gives back the same double for many random bit patterns.
    @Test func numbersRoundTrip() throws {
        var generator = SeededRandom(seed: 754)
        for _ in 0..<20_000 {
            let number = Double(bitPattern: generator.next())
            guard number.isFinite else { continue }
            let text = JSONValue.javaScriptString(for: number)
            let parsed = try #require(try JSONValue(parsing: text).doubleValue)
            #expect(parsed == number, "\(text)")
        }
    }

    @Test func utf8VariantsMatch() {
        let value: JSONValue = ["b": "é", "a": [1.5, nil, true]]
        #expect(value.stableStringifyUTF8() == Array(value.stableStringify().utf8))
        #expect(value.jsonStringifyUTF8() == Array(value.jsonStringify().utf8))
        #expect(value.stableStringify() == #"{"a":[1.5,null,true],"b":"é"}"#)
        #expect(value.jsonStringify() == #"{"b":"é","a":[1.5,null,true]}"#)
        #expect(JSONValue.array([]).stableStringify() == "[]")
        #expect(JSONValue.object(JSONObject()).jsonStringify() == "{}")
    }

    @Test func writingIntoABufferReplacesWhatItHeldAndKeepsItsRoom() {
        let long: JSONValue = ["text": .string(String(repeating: "a\"b", count: 10_000)), "n": 1]
        var buffer: [UInt8] = Array("left over".utf8)
        long.jsonStringifyUTF8(into: &buffer)
        #expect(buffer == long.jsonStringifyUTF8())
        let room = buffer.capacity
        let short: JSONValue = ["b": "é", "a": [1.5, nil, true]]
        short.jsonStringifyUTF8(into: &buffer)
        #expect(buffer == Array(#"{"b":"é","a":[1.5,null,true]}"#.utf8))
        #expect(buffer.capacity == room, "the buffer is reused, not replaced")
    }
}
