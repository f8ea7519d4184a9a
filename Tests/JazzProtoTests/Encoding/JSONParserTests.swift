import Testing
@testable import JazzProto

@Suite struct JSONParserTests {
    // MARK: Accepted input

    @Test func scalarsAndWhitespace() throws {
        #expect(try JSONValue(parsing: "null") == .null)
        #expect(try JSONValue(parsing: " \t\r\ntrue\n") == .bool(true))
        #expect(try JSONValue(parsing: "false") == .bool(false))
        #expect(try JSONValue(parsing: "\"\"") == .string(""))
        #expect(try JSONValue(parsing: "[ 1 , [ ] , { } , \"x\" ]") == [1, [], .object(JSONObject()), "x"])
        #expect(try JSONValue(parsing: "{ \"a\" : [ true , null ] }") == ["a": [true, nil]])
    }

    @Test func numbersFollowJavaScript() throws {
        func number(_ text: String) throws -> Double { try #require(try JSONValue(parsing: text).doubleValue) }
        #expect(try number("0") == 0)
        #expect(try number("-0").sign == .minus)  // JSON.parse keeps -0
        #expect(try number("-0.0").sign == .minus)
        #expect(try number("0e5").sign == .plus)
        #expect(try number("9007199254740993") == 9_007_199_254_740_992)  // rounds to 2^53 (ties to even)
        #expect(try number("9007199254740995") == 9_007_199_254_740_996)
        #expect(try number("1E3") == 1000)
        #expect(try number("1e+2") == 100)
        #expect(try number("-1.5e-3") == -0.0015)
        #expect(try number("0.1") == 0.1)
        #expect(try number("123456789012345678901234567890") == 1.2345678901234568e29)
        #expect(try number("1.7976931348623157e308") == .greatestFiniteMagnitude)
        #expect(try number("5e-324") == .leastNonzeroMagnitude)
        #expect(try number("2.4703282292062328e-324") == .leastNonzeroMagnitude)  // just above the halfway point
        #expect(try number("1e400") == .infinity)  // JSON.parse("1e400") is Infinity
        #expect(try number("-1e400") == -.infinity)
        #expect(try number("1e-400") == 0)
        #expect(try number("1e99999999999999999999") == .infinity)
        #expect(try number("0.000000000000000000000000000001e30") == 1)
        // Many digits beyond double precision, correctly rounded.
        #expect(try number("0.30000000000000004440892098500626161694526672363281250000001") == 0.30000000000000004)
        #expect(try number("1767322000000") == 1_767_322_000_000)
    }

    @Test func stringsAndEscapes() throws {
        #expect(try JSONValue(parsing: #""a\"b\\c\/d\be\ff\ng\rh\ti""#) == .string("a\"b\\c/d\u{8}e\u{C}f\ng\rh\ti"))
        #expect(try JSONValue(parsing: #""\u0041\u00e9\u00E9\u65e5\u0000""#) == .string("Aéé日\u{0}"))
        #expect(try JSONValue(parsing: #""\ud83d\ude00""#) == .string("😀"))
        #expect(try JSONValue(parsing: "\"日本 😀 é\u{2028}\"") == .string("日本 😀 é\u{2028}"))
        // Escaped inner JSON, as in cojson's "changes" strings.
        let changes = try JSONValue(parsing: #"{"changes":"[{\"op\":\"set\",\"key\":\"a\",\"value\":1}]"}"#)
        #expect(changes["changes"] == .string(#"[{"op":"set","key":"a","value":1}]"#))
        // A long string with escapes far apart (exercises the word-at-a-time scanner and the scratch buffer).
        let long = String(repeating: "abcdefghij", count: 50)
        let text = "[\"" + long + "\\n" + long + "\",\"" + long + "\\t\u{E9}" + long + "\"]"
        #expect(try JSONValue(parsing: text) == [.string(long + "\n" + long), .string(long + "\t\u{E9}" + long)])
    }

    @Test func unpairedSurrogatesBecomeUTF16Strings() throws {
        #expect(try JSONValue(parsing: #""a\ud800b""#) == .utf16String([0x61, 0xD800, 0x62]))
        #expect(try JSONValue(parsing: #""\udc00""#) == .utf16String([0xDC00]))
        #expect(try JSONValue(parsing: #""\ud800\u0041""#) == .utf16String([0xD800, 0x41]))
        #expect(try JSONValue(parsing: #""\ude00\ud83d""#) == .utf16String([0xDE00, 0xD83D]))
        #expect(try JSONValue(parsing: #""\ud800""#) == .utf16String([0xD800]))
        // Text before the lone surrogate (escapes, non-ASCII, pairs) is kept.
        #expect(try JSONValue(parsing: #""é\n\ud83d\ude00😀\udbff""#)
            == .utf16String(Array("é\n😀😀".utf16) + [0xDBFF]))
        // It only affects that string.
        #expect(try JSONValue(parsing: #"["\ud800","ok\n"]"#) == [.utf16String([0xD800]), "ok\n"])
    }

    @Test func repeatedSmallObjectsParseToTheSameValuesAsFreshOnes() throws {
        // The parser remembers the last small flat object nested in an object (an op ID inside an op);
        // every case must parse as if it did not.
        let cases: [(String, JSONValue)] = [
            (#"[{"o":{"a":1}},{"o":{"a":1}},{"o":{"a":2}},{"p":{"a":1}}]"#,
             [["o": ["a": 1]], ["o": ["a": 1]], ["o": ["a": 2]], ["p": ["a": 1]]]),
            (#"[{"o":{"a":1}},{"o":{"a":1,"b":2}},{"o":{"a":1}}]"#, [["o": ["a": 1]], ["o": ["a": 1, "b": 2]], ["o": ["a": 1]]]),
            (#"[{"o":{"a":{"a":1}}},{"o":{"a":1}},{"o":{"x":{"a":1}}}]"#,
             [["o": ["a": ["a": 1]]], ["o": ["a": 1]], ["o": ["x": ["a": 1]]]]),
            (#"[{"o":{"a":[1]}},{"o":{"a":[1]}}]"#, [["o": ["a": [1]]], ["o": ["a": [1]]]]),
            (#"[{"op":"app","after":{"sessionID":"s","txIndex":0,"changeIdx":0}},{"op":"app","after":{"sessionID":"s","txIndex":0,"changeIdx":0}}]"#,
             [["op": "app", "after": ["sessionID": "s", "txIndex": 0, "changeIdx": 0]],
              ["op": "app", "after": ["sessionID": "s", "txIndex": 0, "changeIdx": 0]]]),
        ]
        for (text, expected) in cases {
            #expect(try JSONValue(parsing: text) == expected, "\(text)")
        }
        // A remembered object longer than what is left, and one cut short: still errors, not matches.
        #expect(throws: JSONError.self) { try JSONValue(parsing: #"[{"o":{"a":1}},{"o":{"a":1"#) }
        #expect(throws: JSONError.self) { try JSONValue(parsing: #"[{"o":{"a":1}},{"o":{"a":"#) }
        #expect(throws: JSONError.self) { try JSONValue(parsing: #"[{"o":{"a":1}},{"o":{"a":1}"#) }
    }

    @Test func oneParserForManyDocumentsReadsEachAsAFreshParserWould() throws {
        // Repeated long strings and key lists (shared between documents), a remembered flat object, errors
        // part-way through a document (its half-built values must not leak into the next), and a document
        // that is a prefix of the one before.
        let documents = [
            #"{"id":"0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b","command":"git commit -m \"a long enough message\"","cwd":"/home/user/project"}"#,
            #"{"id":"0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2c","command":"git commit -m \"a long enough message\"","cwd":"/home/user/project"}"#,
            #"{"id":"x","command":"ls","tags":["a",{"o":{"a":1}}],"cwd":"/home/user/project"}"#,
            #"{"id":"y","command":"ls","tags":["a",{"o":{"a":1}}],"cwd":"/home/user/other"}"#,
            #"{"id":"z","command":["unfinished", {"nested": "#,
            #"{"id":"z","command":"ok"} trailing"#,
            #"{"id":"x","command":"ls","tags":["a",{"o":{"a":1}}]"#,
            #"{"command":"ls","id":"x","id":"last wins"}"#,
            #"[]"#,
            #""\ud800 alone""#,
        ]
        var parser = JSONDocumentParser()
        for text in documents {
            let fresh = Result { () throws(JSONError) in try JSONValue(parsing: text) }
            let reused = Result { () throws(JSONError) in try parser.parse(Array(text.utf8)) }
            switch (fresh, reused) {
            case let (.success(expected), .success(got)): #expect(got == expected, "\(text)")
            case let (.failure(expected), .failure(got)): #expect(got == expected, "\(text)")
            default: Issue.record("\(text): \(fresh) but \(reused)")
            }
        }
    }

    @Test func duplicateKeysKeepFirstPositionLastValue() throws {
        let value = try JSONValue(parsing: #"{"a":1,"b":2,"a":3}"#)
        let object = try #require(value.objectValue)
        #expect(object.keys == ["a", "b"])
        #expect(object["a"] == 3)
        #expect(value.jsonStringify() == #"{"a":3,"b":2}"#)
    }

    @Test func keysAreCodePointExact() throws {
        // Precomposed é and e + combining acute are equal as Swift Strings but distinct JavaScript keys.
        let object = try #require(try JSONValue(parsing: "{\"\u{E9}\":1,\"e\u{301}\":2}").objectValue)
        #expect(object.count == 2)
        #expect(object["\u{E9}"] == 1)
        #expect(object["e\u{301}"] == 2)
    }

    @Test func allInputFormsAgree() throws {
        let text = #"{"x":[1,"é\u00e9",{"y":null}]}"#
        let fromString = try JSONValue(parsing: text)
        #expect(try JSONValue(parsing: Array(text.utf8)) == fromString)
        #expect(try JSONValue(parsing: ("  " + text + "  ").dropFirst(2).dropLast(2)) == fromString)
        let fromRaw = try Array(text.utf8).withUnsafeBytes { (raw) throws(JSONError) -> JSONValue in try JSONValue(parsing: raw) }
        #expect(fromRaw == fromString)
    }

    @Test func nestingUpToTheLimitIsFine() throws {
        let depth = JSONValue.maximumNestingDepth
        var value = try JSONValue(parsing: String(repeating: "[", count: depth) + String(repeating: "]", count: depth))
        var levels = 0
        while let inner = value.arrayValue {
            levels += 1
            guard let first = inner.first else { break }
            value = first
        }
        #expect(levels == depth)
    }

    // MARK: Rejected input: each gives a specific error, never a crash

    @Test(arguments: [
        ("", JSONError.unexpectedEndOfInput(offset: 0)),
        ("   ", .unexpectedEndOfInput(offset: 3)),
        ("[1,2", .unexpectedEndOfInput(offset: 4)),
        ("[1,", .unexpectedEndOfInput(offset: 3)),
        (#"{"a":1"#, .unexpectedEndOfInput(offset: 6)),
        (#"{"a""#, .unexpectedEndOfInput(offset: 4)),
        (#"{"a":"#, .unexpectedEndOfInput(offset: 5)),
        ("{", .unexpectedEndOfInput(offset: 1)),
        (#""abc"#, .unexpectedEndOfInput(offset: 4)),
        (#""abc\"#, .unexpectedEndOfInput(offset: 5)),
        (#""\u12"#, .unexpectedEndOfInput(offset: 5)),
        ("tru", .unexpectedEndOfInput(offset: 3)),
        ("trux", .unexpectedCharacter("'x'", offset: 3)),
        ("nul", .unexpectedEndOfInput(offset: 3)),
        ("True", .unexpectedCharacter("'T'", offset: 0)),
        (#""\x""#, .invalidEscape(offset: 1)),
        (#""ab\'""#, .invalidEscape(offset: 3)),
        (#""\u12G4""#, .invalidEscape(offset: 1)),
        (#""\uZ""#, .invalidEscape(offset: 1)),
        (#""\U0041""#, .invalidEscape(offset: 1)),
        (#""\ud800\uZZZZ""#, .invalidEscape(offset: 7)),
        ("\"a\tb\"", .controlCharacterInString(offset: 2)),
        ("\"a\nb\"", .controlCharacterInString(offset: 2)),
        ("\"\u{0}\"", .controlCharacterInString(offset: 1)),
        ("\"abc\\n\u{1F}\"", .controlCharacterInString(offset: 6)),
        ("-", .invalidNumber(offset: 0)),
        ("[-]", .invalidNumber(offset: 1)),
        ("01", .invalidNumber(offset: 0)),
        ("-01", .invalidNumber(offset: 0)),
        ("[00]", .invalidNumber(offset: 1)),
        ("1.", .invalidNumber(offset: 0)),
        ("1.e5", .invalidNumber(offset: 0)),
        ("1e", .invalidNumber(offset: 0)),
        ("1e+", .invalidNumber(offset: 0)),
        ("1E-x", .invalidNumber(offset: 0)),
        ("-Infinity", .invalidNumber(offset: 0)),
        ("-a", .invalidNumber(offset: 0)),
        (".5", .unexpectedCharacter("'.'", offset: 0)),
        ("+1", .unexpectedCharacter("'+'", offset: 0)),
        ("NaN", .unexpectedCharacter("'N'", offset: 0)),
        ("Infinity", .unexpectedCharacter("'I'", offset: 0)),
        ("undefined", .unexpectedCharacter("'u'", offset: 0)),
        ("[1,]", .unexpectedCharacter("']'", offset: 3)),
        ("[,1]", .unexpectedCharacter("','", offset: 1)),
        ("[1 2]", .unexpectedCharacter("'2'", offset: 3)),
        (#"{"a":1,}"#, .unexpectedCharacter("'}'", offset: 7)),
        ("{'a':1}", .unexpectedCharacter("'''", offset: 1)),
        ("{a:1}", .unexpectedCharacter("'a'", offset: 1)),
        (#"{"a" 1}"#, .unexpectedCharacter("'1'", offset: 5)),
        (#"{"a":1 "b":2}"#, .unexpectedCharacter("'\"'", offset: 7)),
        ("[1}", .unexpectedCharacter("'}'", offset: 2)),
        ("// c\n1", .unexpectedCharacter("'/'", offset: 0)),
        ("/* c */ 1", .unexpectedCharacter("'/'", offset: 0)),
        ("\u{1}", .unexpectedCharacter("U+0001", offset: 0)),
        ("\u{FEFF}1", .unexpectedCharacter("'\u{FEFF}' (U+FEFF)", offset: 0)),  // JSON.parse rejects a BOM too
        ("\u{A0}1", .unexpectedCharacter("'\u{A0}' (U+A0)", offset: 0)),  // no-break space is not JSON whitespace
        ("1 2", .trailingCharacters(offset: 2)),
        ("{}x", .trailingCharacters(offset: 2)),
        ("null null", .trailingCharacters(offset: 5)),
        ("[]\n]", .trailingCharacters(offset: 3)),
        (#"{"a\ud800":1}"#, .unpairedSurrogateInKey(offset: 1)),
    ])
    func malformedText(text: String, error: JSONError) {
        #expect(throws: error) { try JSONValue(parsing: text) }
        #expect(throws: error) { try JSONValue(parsing: Array(text.utf8)) }
    }

    @Test(arguments: [
        ([0x22, 0xC3, 0x28, 0x22], 1),  // bad continuation byte
        ([0x22, 0x61, 0x80, 0x22], 2),  // stray continuation byte
        ([0x22, 0xC0, 0xAF, 0x22], 1),  // overlong '/'
        ([0x22, 0xE0, 0x80, 0xAF, 0x22], 1),  // overlong 3-byte
        ([0x22, 0xED, 0xA0, 0x80, 0x22], 1),  // UTF-8-encoded surrogate (CESU-8)
        ([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], 1),  // above U+10FFFF
        ([0x22, 0xF8, 0x88, 0x80, 0x80, 0x80, 0x22], 1),  // 5-byte form
        ([0x22, 0xFF, 0x22], 1),
        ([0x22, 0xE2, 0x82], 1),  // truncated at end of input
        ([0x22, 0x5C, 0x6E, 0xE2, 0x82, 0x22], 3),  // after an escape (slow path)
        ([0x22, 0x5C, 0x75, 0x64, 0x38, 0x30, 0x30, 0xC3, 0x22], 7),  // after a lone surrogate (UTF-16 path)
        ([0x5B, 0xFF, 0x5D], 1),  // outside strings
        ([0x5B, 0x31, 0x2C, 0xC3], 3),
    ] as [([UInt8], Int)])
    func invalidUTF8(bytes: [UInt8], offset: Int) {
        #expect(throws: JSONError.invalidUTF8(offset: offset)) { try JSONValue(parsing: bytes) }
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let limit = JSONValue.maximumNestingDepth
        #expect(throws: JSONError.nestingTooDeep(limit: limit, offset: limit)) {
            try JSONValue(parsing: String(repeating: "[", count: 100_000))
        }
        #expect(throws: JSONError.nestingTooDeep(limit: limit, offset: limit)) {
            try JSONValue(parsing: String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1))
        }
        let objects = String(repeating: #"{"a":"#, count: 100_000)
        #expect(throws: JSONError.nestingTooDeep(limit: limit, offset: 5 * limit)) { try JSONValue(parsing: objects) }
        let mixed = String(repeating: #"[{"k":"#, count: 50_000)
        #expect(throws: JSONError.nestingTooDeep(limit: limit, offset: 6 * (limit / 2))) { try JSONValue(parsing: mixed) }
    }

    /// Every strict prefix of a document that ends with a closing bracket is incomplete, so it must
    /// fail (and must not crash).
    @Test func everyTruncationFails() {
        let document = #"{"action":"content","id":"co_zABC","new":{"s":{"after":0,"newTransactions":[{"changes":"[{\"op\":\"set\",\"key\":\"é😀\"}]","madeAt":1767322000000,"privacy":"trusting"},{"encryptedChanges":"encrypted_UAAECAw==","keyUsed":"key_z1","madeAt":-1.5e-3,"privacy":"private"}],"lastSignature":"signature_z1"}},"ok":[true,false,null,"\ud800"]}"#
        let bytes = Array(document.utf8)
        #expect(throws: Never.self) { try JSONValue(parsing: bytes) }
        for length in 0..<bytes.count {
            #expect(throws: JSONError.self, "prefix of \(length) bytes") { try JSONValue(parsing: Array(bytes[..<length])) }
        }
    }

    /// Random byte corruptions: whatever parses must round-trip through the writer; the rest must fail
    /// with a JSONError (a crash would fail the whole test run).
    @Test func corruptedInputNeverCrashes() throws {
        let document = Array(#"{"a":[1,-2.5e3,"x\ny\u00e9\ud83d\ude00",{"b":null,"c":true}],"d":"encrypted_UAA==","e":{}}"#.utf8)
        var generator = SeededRandom(seed: 8259)
        let interesting: [UInt8] = [0x22, 0x5C, 0x5B, 0x5D, 0x7B, 0x7D, 0x2C, 0x3A, 0x2D, 0x30, 0x65, 0x2E, 0x75, 0x00, 0x80, 0xC3, 0xED, 0xFF]
        var parsedCount = 0
        for _ in 0..<3000 {
            var bytes = document
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                let index = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: bytes[index] = interesting.randomElement(using: &generator) ?? 0
                case 1: bytes.remove(at: index)
                default: bytes.insert(interesting.randomElement(using: &generator) ?? 0, at: index)
                }
                if bytes.isEmpty { break }
            }
            if let value = try? JSONValue(parsing: bytes) {
                parsedCount += 1
                #expect(try JSONValue(parsing: value.jsonStringify()) == value)
            }
        }
        #expect(parsedCount > 0)  // some corruptions (e.g. inside strings) still parse
    }

    @Test func errorDescriptionsExplain() {
        let errors: [JSONError] = [
            .unexpectedEndOfInput(offset: 1), .unexpectedCharacter("'x'", offset: 2), .invalidEscape(offset: 3),
            .controlCharacterInString(offset: 4), .invalidUTF8(offset: 5), .invalidNumber(offset: 6),
            .trailingCharacters(offset: 7), .nestingTooDeep(limit: 512, offset: 8), .unpairedSurrogateInKey(offset: 9),
        ]
        for (index, error) in errors.enumerated() {
            #expect(error.description.contains("byte \(index + 1)"), "\(error)")
        }
        #expect(JSONError.nestingTooDeep(limit: 512, offset: 8).description.contains("512"))
    }
}
