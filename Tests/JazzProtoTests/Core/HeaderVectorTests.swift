import Foundation
import Testing

@testable import JazzProto

/// Fixtures/jazz/headers.json: canonical header JSON and CoValue IDs.
@Suite("headers.json vectors")
struct HeaderVectorTests {
    @Test func headerIDs() throws {
        let headers = try Fixtures.jazz("headers.json").objects("headers")
        for vector in headers {
            let header = try CoValueHeader(json: JSONValue(parsing: vector.string("headerWireJSON")))
            let description = try vector.string("description")
            #expect(header.canonicalJSON == (try vector.string("stableStringify")), "\(description)")
            #expect(header.id.description == (try vector.string("id")))
            #expect(ShortHash(digestPrefixOf: Array(header.canonicalJSON.utf8)).description == (try vector.string("shortHash")))
            #expect((vector["acceptedByCojsonCore"] as? Bool) == true)
            try header.verify(id: CoID(vector.string("id")))
        }
        Fixtures.report("headers.json", "headers", count: headers.count)
    }

    @Test func workedExamplesFromTheCoreReference() throws {
        let cases: [(String, String)] = [
            (#"{"meta":null,"ruleset":{"type":"unsafeAllowAll"},"type":"comap","uniqueness":"test"}"#, "co_z2FJRyvFHwknMMuuks1bt3i8MCS"),
            (#"{"createdAt":"2026-01-01T00:00:00.000Z","meta":null,"ruleset":{"initialAdmin":"co_zJtD4ZYwozugKkhhQ5tnWpjczzs","type":"group"},"type":"comap","uniqueness":"zy3FtiwKUzNBi7Uq8"}"#, "co_zC68CskKSd45Ki5Ga3RjTbet9Bh"),
            (#"{"meta":{"branch":"draft","source":"co_zUtT6wDqze1v3N7to426MntBGKY"},"ruleset":{"group":"co_zC68CskKSd45Ki5Ga3RjTbet9Bh","type":"ownedByGroup"},"type":"comap","uniqueness":""}"#, "co_z2in8YjDJh8upGG2woQqVSNResC"),
            (#"{"createdAt":"2026-01-01T00:00:00.000Z","meta":{"type":"binary"},"ruleset":{"group":"co_zC68CskKSd45Ki5Ga3RjTbet9Bh","type":"ownedByGroup"},"type":"costream","uniqueness":"zy3FtiwKUzNBi7Uq8"}"#, "co_zjEoJjrpigjkW7wAqkVVctmymRc"),
        ]
        for (json, id) in cases {
            let header = try CoValueHeader(json: JSONValue(parsing: json))
            #expect(header.canonicalJSON == json)
            #expect(header.id.description == id)
        }
    }

    @Test func badHeadersAreTypedErrors() throws {
        let bad = [
            #"[]"#,
            #"{"type":"comap","meta":null,"uniqueness":"x"}"#,
            #"{"type":"comap","ruleset":{"type":"group"},"meta":null,"uniqueness":"x"}"#,
            #"{"type":"comap","ruleset":{"type":"ownedByGroup","group":"nope"},"meta":null,"uniqueness":"x"}"#,
            #"{"type":"comap","ruleset":{"type":"unsafeAllowAll"},"uniqueness":"x"}"#,
            #"{"type":"comap","ruleset":{"type":"unsafeAllowAll"},"meta":null}"#,
            #"{"type":"comap","ruleset":{"type":"unsafeAllowAll"},"meta":null,"uniqueness":1.5}"#,
            #"{"type":"comap","ruleset":{"type":"unsafeAllowAll"},"meta":null,"uniqueness":{"a":1}}"#,
            #"{"type":"comap","ruleset":{"type":"unsafeAllowAll"},"meta":null,"uniqueness":"x","createdAt":5}"#,
        ]
        for text in bad {
            #expect(throws: HeaderError.self, "\(text)") { _ = try CoValueHeader(json: JSONValue(parsing: text)) }
        }
        let good = try CoValueHeader(json: JSONValue(parsing: #"{"type":"comap","ruleset":{"type":"unsafeAllowAll"},"meta":null,"uniqueness":"test"}"#))
        var tampered = good
        tampered.uniqueness = "tesT"
        #expect(throws: HeaderError.self) { try tampered.verify(id: good.id) }
    }
}
