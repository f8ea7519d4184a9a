import Foundation
import Testing
@testable import JazzProto

/// Golden vectors from Fixtures/jazz/encodings.json and the stableStringify fields of hashing.json.
@Suite struct EncodingVectorTests {
    private static func encodings() throws -> [String: Any] { try Fixtures.jazz("encodings.json") }

    @Test func base58Vectors() throws {
        let vectors = try Self.encodings().objects("base58")
        #expect(!vectors.isEmpty)
        for vector in vectors {
            let hex = try vector.string("bytesHex")
            let bytes = Hex.decode(hex)
            let encoded = try vector.string("base58")
            #expect(Base58.encode(bytes) == encoded, "encode \(hex)")
            #expect(try Base58.decode(encoded) == bytes, "decode \(encoded)")
        }
        Fixtures.report("encodings.json", "base58", count: vectors.count)
    }

    @Test func base64URLVectors() throws {
        let vectors = try Self.encodings().objects("base64url")
        #expect(!vectors.isEmpty)
        for vector in vectors {
            let hex = try vector.string("bytesHex")
            let bytes = Hex.decode(hex)
            let encoded = try vector.string("base64url")
            #expect(Base64URL.encode(bytes) == encoded, "encode \(hex)")
            // cojson's encoder pads, so these are canonical: both decoders must accept them.
            #expect(try Base64URL.decode(encoded) == bytes, "decode \(encoded)")
            #expect(try Base64URL.decode(encoded, requirePadding: true) == bytes, "strict decode \(encoded)")
        }
        Fixtures.report("encodings.json", "base64url", count: vectors.count)
    }

    @Test func base64URLDecodeOnlyVectors() throws {
        let vectors = try Self.encodings().objects("base64urlDecodeOnly")
        #expect(!vectors.isEmpty)
        for vector in vectors {
            let encoded = try vector.string("base64url")
            let bytes = Hex.decode(try vector.string("bytesHex"))
            #expect(try Base64URL.decode(encoded) == bytes, "decode \(encoded)")
            // Re-encoding gives the padded canonical form of the same bytes.
            #expect(Base64URL.encode(bytes).hasPrefix(encoded))
            if encoded.utf8.count % 4 != 0 {
                // The Rust (encryptedChanges) decoder rejects the unpadded form.
                #expect(throws: EncodingError.missingBase64URLPadding) { try Base64URL.decode(encoded, requirePadding: true) }
            }
        }
        Fixtures.report("encodings.json", "base64urlDecodeOnly", count: vectors.count)
    }

    @Test func stableStringifyVectors() throws {
        let vectors = try Self.encodings().objects("stableStringify")
        #expect(!vectors.isEmpty)
        for vector in vectors {
            let description = try vector.string("description")
            let value = try JSONValue(parsing: try vector.string("inputJSON"))
            let expected = try vector.string("stableStringify")
            let actual = value.stableStringify()
            // Compare bytes: Swift's String == would treat canonically equivalent text as equal.
            #expect(Array(actual.utf8) == Array(expected.utf8), "\(description): got \(actual), want \(expected)")
            #expect(value.stableStringifyUTF8() == Array(expected.utf8), "\(description) (UTF-8 variant)")
        }
        Fixtures.report("encodings.json", "stableStringify", count: vectors.count)
    }

    /// JavaScript values that JSON text cannot express, built by hand from each description.
    ///
    /// JSONValue has no `undefined`, so the two `undefined` vectors are checked in their representable
    /// form: an object member assigned "nothing" is removed (`object[key] = nil`, exactly the effect
    /// `stableStringify` gives `undefined` members), and an `undefined` array element is represented by
    /// the `null` it prints as. NaN and ±Infinity are representable (`.number`) and checked as such.
    @Test func nonJSONInputVectors() throws {
        let vectors = try Self.encodings().objects("nonJSONInputs")
        #expect(!vectors.isEmpty)
        for vector in vectors {
            let description = try vector.string("description")
            let expected = try vector.string("stableStringify")
            let value: JSONValue
            switch description {
            case "NaN":
                value = .number(.nan)
            case "Infinity":
                value = .number(.infinity)
            case "-Infinity in array":
                value = [.number(-.infinity)]
            case "undefined object value is omitted":
                var object: JSONObject = ["a": 0, "b": 1]
                object["a"] = nil  // JS: {a: undefined, b: 1}
                value = .object(object)
            case "undefined array element becomes null":
                value = [1, .null, 2]  // JS: [1, undefined, 2]
            default:
                Issue.record("nonJSONInputs vector \"\(description)\" is not mapped to a hand-built value; add it")
                continue
            }
            #expect(value.stableStringify() == expected, "\(description)")
            // JSON.stringify agrees on all of these.
            #expect(value.jsonStringify() == expected, "\(description) (JSON.stringify)")
        }
        Fixtures.report("encodings.json", "nonJSONInputs", count: vectors.count)
    }

    @Test(arguments: ["shortHash", "secureHash"])
    func hashingValueStableStringify(section: String) throws {
        let vectors = try Fixtures.jazz("hashing.json").objects(section)
        #expect(!vectors.isEmpty)
        for vector in vectors {
            let text = try vector.string("valueJSON")
            let value = try JSONValue(parsing: text)
            let expected = try vector.string("stableStringify")
            #expect(Array(value.stableStringify().utf8) == Array(expected.utf8), "\(text)")
        }
        Fixtures.report("hashing.json", "\(section) stableStringify", count: vectors.count)
    }

    /// `nOnceMaterial` is an ordinary JSON value in the file (not JSON text): read the file with our own
    /// parser to get it exactly, members and numbers included.
    @Test func nonceMaterialStableStringify() throws {
        let file = try JSONValue(parsing: Array(Fixtures.data("jazz/hashing.json")))
        let vectors = try #require(file["nonces"]?.arrayValue)
        #expect(vectors.count == (try Fixtures.jazz("hashing.json").objects("nonces").count))
        #expect(!vectors.isEmpty)
        for vector in vectors {
            let material = try #require(vector["nOnceMaterial"])
            let expected = try #require(vector["stableStringify"]?.stringValue)
            #expect(material.stableStringify() == expected)
        }
        Fixtures.report("hashing.json", "nonces stableStringify", count: vectors.count)
    }
}
