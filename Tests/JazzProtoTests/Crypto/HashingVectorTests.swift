import Foundation
import Testing

@testable import JazzProto

/// Fixtures/jazz/hashing.json: shortHash, secureHash and nonces (the BLAKE3 sections are in BLAKE3Tests).
@Suite("hashing.json digests")
struct HashingVectorTests {
    @Test func shortAndSecureHashes() throws {
        let file = try Fixtures.jazz("hashing.json")
        let short = try file.objects("shortHash")
        for vector in short {
            let value = try JSONValue(parsing: vector.string("valueJSON"))
            #expect(ShortHash(of: value).description == (try vector.string("shortHash")))
        }
        let secure = try file.objects("secureHash")
        for vector in secure {
            let value = try JSONValue(parsing: vector.string("valueJSON"))
            #expect(Hash(secureHashOf: value).description == (try vector.string("secureHash")))
        }
        Fixtures.report("hashing.json", "shortHash + secureHash digests", count: short.count + secure.count)
    }

    @Test func nonces() throws {
        let vectors = try Fixtures.jazz("hashing.json").objects("nonces")
        for vector in vectors {
            let material = try CryptoVectorTests.material(vector["nOnceMaterial"])
            #expect(Hex.encode(material.nonce) == (try vector.string("nonceHex")))
        }
        Fixtures.report("hashing.json", "nonces", count: vectors.count)
    }
}
