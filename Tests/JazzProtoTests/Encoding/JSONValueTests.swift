import Testing
@testable import JazzProto

@Suite struct JSONValueTests {
    @Test func accessors() throws {
        let value = try JSONValue(parsing: #"{"s":"x","n":1.5,"i":-42,"b":true,"a":[1,2],"o":{"k":null},"z":null}"#)
        #expect(value["s"]?.stringValue == "x")
        #expect(value["n"]?.doubleValue == 1.5)
        #expect(value["n"]?.int64Value == nil)
        #expect(value["i"]?.int64Value == -42)
        #expect(value["b"]?.boolValue == true)
        #expect(value["a"]?.arrayValue == [1, 2])
        #expect(value["a"]?[1] == 2)
        #expect(value["a"]?[2] == nil)
        #expect(value["a"]?[-1] == nil)
        #expect(value["o"]?.objectValue?["k"] == .null)
        #expect(value["z"]?.isNull == true)
        #expect(value["s"]?.isNull == false)
        #expect(value["missing"] == nil)
        #expect(value[0] == nil)  // not an array
        #expect(value["s"]?["x"] == nil)  // not an object
        #expect(value["s"]?.doubleValue == nil)
        #expect(value["n"]?.stringValue == nil)
        #expect(value["b"]?.arrayValue == nil)
        #expect(value["a"]?.objectValue == nil)
        #expect(value["i"]?.boolValue == nil)
    }

    @Test func int64ValueOnlyWhenExact() {
        #expect(JSONValue.number(-0.0).int64Value == 0)
        #expect(JSONValue.number(9_007_199_254_740_993).int64Value == 9_007_199_254_740_992)  // the double's value
        #expect(JSONValue.number(-9_223_372_036_854_775_808).int64Value == .min)
        #expect(JSONValue.number(9_223_372_036_854_775_808).int64Value == nil)  // 2^63
        #expect(JSONValue.number(1e300).int64Value == nil)
        #expect(JSONValue.number(.nan).int64Value == nil)
        #expect(JSONValue.number(.infinity).int64Value == nil)
        #expect(JSONValue.number(0.5).int64Value == nil)
        #expect(JSONValue.number(1_767_322_000_000).int64Value == 1_767_322_000_000)
    }

    @Test func stringKinds() {
        #expect(JSONValue(utf16CodeUnits: Array("é😀".utf16)) == .string("é😀"))
        #expect(JSONValue(utf16CodeUnits: [0xD800]) == .utf16String([0xD800]))
        #expect(JSONValue.utf16String([0xD800]).stringValue == nil)
        #expect(JSONValue.utf16String([0xD800]).utf16CodeUnits == [0xD800])
        #expect(JSONValue.string("ab").utf16CodeUnits == [0x61, 0x62])
        #expect(JSONValue.null.utf16CodeUnits == nil)
    }

    @Test func equalityIsJavaScriptLike() {
        // Canonically equivalent but different code points: different JavaScript strings.
        #expect("\u{E9}" == "e\u{301}")  // Swift says equal…
        #expect(JSONValue.string("\u{E9}") != .string("e\u{301}"))  // …JavaScript does not.
        #expect(JSONValue.number(-0.0) == .number(0))
        #expect(JSONValue.number(.nan) != .number(.nan))
        #expect(JSONValue.string("ab") == .utf16String([0x61, 0x62]))
        #expect(JSONValue.utf16String([0x61, 0x62]) == .string("ab"))
        #expect(JSONValue.string("ab") != .utf16String([0x61, 0xD800]))
        #expect(JSONValue.number(1) != .string("1"))
        #expect(JSONValue.bool(true) != .number(1))
        #expect(JSONValue.null != .bool(false))
        #expect(JSONValue.array([1, 2]) != .array([2, 1]))
    }

    @Test func hashingAgreesWithEquality() {
        let pairs: [(JSONValue, JSONValue)] = [
            (.number(-0.0), .number(0)),
            (.string("ab"), .utf16String([0x61, 0x62])),
            (["a": 1, "b": [true]], ["b": [true], "a": 1]),
            ([["x": "y", "z": nil]], [["z": nil, "x": "y"]]),
        ]
        for (first, second) in pairs {
            #expect(first == second)
            #expect(first.hashValue == second.hashValue)
            #expect(Set([first, second]).count == 1)
        }
        let distinct: Set<JSONValue> = [.string("\u{E9}"), .string("e\u{301}"), .null, .bool(false), .number(0), .string("")]
        #expect(distinct.count == 6)
    }

    @Test func literals() {
        let value: JSONValue = ["n": nil, "b": false, "i": 3, "f": 2.5, "s": "t", "a": [1, "x"], "o": ["k": 1]]
        #expect(value["n"] == .null)
        #expect(value["b"] == .bool(false))
        #expect(value["i"] == .number(3))
        #expect(value["f"] == .number(2.5))
        #expect(value["s"] == .string("t"))
        #expect(value["a"] == .array([.number(1), .string("x")]))
        #expect(value["o"] == .object(JSONObject([("k", .number(1))])))
        #expect(value.objectValue?.keys == ["n", "b", "i", "f", "s", "a", "o"])
        #expect(value.description == value.jsonStringify())
    }
}

@Suite struct JSONObjectTests {
    @Test func keepsInsertionOrderAndOverwritesInPlace() {
        var object = JSONObject([("b", 1), ("a", 2), ("b", 3)])
        #expect(object.keys == ["b", "a"])
        #expect(object["b"] == 3)
        #expect(object.count == 2)
        object["c"] = 4
        object["b"] = 5
        #expect(object.keys == ["b", "a", "c"])
        #expect(object.values == [5, 2, 4])
        object["b"] = nil
        #expect(object.keys == ["a", "c"])
        #expect(object["b"] == nil)
        #expect(object.removeValue(forKey: "zz") == nil)
        #expect(object.removeValue(forKey: "a") == 2)
        #expect(Array(object.map(\.key)) == ["c"])
        #expect(!object.isEmpty)
        #expect(JSONObject().isEmpty)
    }

    @Test func sequenceYieldsMembersInOrder() {
        let object: JSONObject = ["x": 1, "y": "2", "z": [3]]
        var keys: [String] = []
        var values: [JSONValue] = []
        for (key, value) in object {
            keys.append(key)
            values.append(value)
        }
        #expect(keys == ["x", "y", "z"])
        #expect(values == [1, "2", [3]])
    }

    @Test func equalityAndHashIgnoreOrder() {
        let first = JSONObject([("a", 1), ("b", 2)])
        let second = JSONObject([("b", 2), ("a", 1)])
        #expect(first == second)
        #expect(first.hashValue == second.hashValue)
        #expect(first != JSONObject([("a", 1), ("b", 3)]))
        #expect(first != JSONObject([("a", 1), ("c", 2)]))
        #expect(first != JSONObject([("a", 1)]))
    }

    /// Objects larger than the linear-search limit use an index; it must stay right across edits.
    @Test func largeObjectsStayConsistent() {
        var object = JSONObject()
        var reference: [(String, Int)] = []
        var generator = SeededRandom(seed: 99)
        for step in 0..<2000 {
            let key = "k\(Int.random(in: 0..<40, using: &generator))"
            if Int.random(in: 0..<3, using: &generator) == 0 {
                object[key] = nil
                reference.removeAll { $0.0 == key }
            } else {
                object[key] = .number(Double(step))
                if let index = reference.firstIndex(where: { $0.0 == key }) {
                    reference[index].1 = step
                } else {
                    reference.append((key, step))
                }
            }
            #expect(object.keys == reference.map(\.0))
        }
        for (key, value) in reference { #expect(object[key] == .number(Double(value))) }
        #expect(object["absent"] == nil)
        #expect(object == JSONObject(reference.reversed().map { ($0.0, .number(Double($0.1))) }))
    }
}
