import Foundation
import Testing

@testable import JazzProto

/// Fixtures/jazz/crypto.json: signatures, encryption, key-for-key, seals, group seals.
@Suite("crypto.json vectors")
struct CryptoVectorTests {
    let file: [String: Any]

    init() throws {
        file = try Fixtures.jazz("crypto.json")
    }

    /// A plain fixture value as our JSONValue.
    static func json(_ value: Any?) throws -> JSONValue {
        let data = try JSONSerialization.data(withJSONObject: try #require(value), options: [.fragmentsAllowed])
        return try JSONValue(parsing: [UInt8](data))
    }

    /// Parses a fixture's nonce material (a plain JSON value in the file) with our own parser.
    static func material(_ value: Any?) throws -> NonceMaterial {
        let data = try JSONSerialization.data(withJSONObject: try #require(value), options: [])
        return .json(try JSONValue(parsing: [UInt8](data)))
    }

    @Test func signatures() throws {
        let vectors = try file.objects("sign")
        for vector in vectors {
            let secret = try SignerSecret(vector.string("signerSecret"))
            let signerID = try SignerID(vector.string("signerID"))
            #expect(secret.signerID == signerID)
            let message = Array(try vector.string("signedBytesUtf8").utf8)
            // The signed bytes are stableStringify(message).
            let parsed = try JSONValue(parsing: try vector.string("messageJSON"))
            #expect(Array(parsed.stableStringify().utf8) == message)
            let signature = secret.sign(message)
            #expect(signature.description == (try vector.string("signature")))
            #expect(signerID.isValidSignature(signature, for: message) == (vector["verify"] as? Bool))
        }
        Fixtures.report("crypto.json", "sign", count: vectors.count)
    }

    @Test func negativeVerification() throws {
        let vectors = try file.objects("verifyNegative")
        for vector in vectors {
            let signerID = try SignerID(vector.string("signerID"))
            let signature = try Signature(vector.string("signature"))
            let message = Array(try JSONValue(parsing: vector.string("messageJSON")).stableStringify().utf8)
            #expect(signerID.isValidSignature(signature, for: message) == false)
            #expect((vector["verify"] as? Bool) == false)
        }
        Fixtures.report("crypto.json", "verifyNegative", count: vectors.count)
    }

    @Test func encryption() throws {
        let vectors = try file.objects("encrypt")
        for vector in vectors {
            let key = try KeySecret(vector.string("keySecret"))
            let material = try Self.material(vector["nOnceMaterial"])
            #expect(material.canonicalJSON == (try vector.string("nOnceMaterialStableStringify")))
            #expect(Hex.encode(material.nonce) == (try vector.string("nonceHex")))
            let plaintext = Array(try vector.string("plaintextUtf8").utf8)
            #expect(Array(try JSONValue(parsing: vector.string("plaintextJSON")).stableStringify().utf8) == plaintext)
            let encrypted = key.encrypt(plaintext, nonceMaterial: material)
            #expect(encrypted.description == (try vector.string("encrypted")))
            let decrypted = key.decrypt(try Encrypted(vector.string("encrypted"), requirePadding: true), nonceMaterial: material)
            #expect(decrypted == plaintext)
        }
        Fixtures.report("crypto.json", "encrypt", count: vectors.count)
    }

    @Test func keyForKeyEncryption() throws {
        let vectors = try file.objects("encryptKeySecret")
        for vector in vectors {
            let toEncrypt = try vector.object("toEncrypt")
            let encrypting = try vector.object("encrypting")
            let inner = KeyPair(id: try KeyID(toEncrypt.string("id")), secret: try KeySecret(toEncrypt.string("secret")))
            let outer = KeyPair(id: try KeyID(encrypting.string("id")), secret: try KeySecret(encrypting.string("secret")))
            let encrypted = outer.secret.encryptKeySecret(inner, encryptingID: outer.id)
            #expect(encrypted.description == (try vector.string("encrypted")))
            let back = try outer.secret.decryptKeySecret(encrypted, encryptedID: inner.id, encryptingID: outer.id)
            #expect(back == inner.secret)
            // The wrong encrypting key gives a clear error, not a wrong key.
            #expect(throws: CryptoError.self) {
                _ = try inner.secret.decryptKeySecret(encrypted, encryptedID: inner.id, encryptingID: outer.id)
            }
        }
        Fixtures.report("crypto.json", "encryptKeySecret", count: vectors.count)
    }

    @Test func seals() throws {
        let vectors = try file.objects("seal")
        for vector in vectors {
            let from = try SealerSecret(vector.string("fromSealerSecret"))
            let to = try SealerSecret(vector.string("toSealerSecret"))
            #expect(from.sealerID.description == (try vector.string("fromSealerID")))
            #expect(to.sealerID.description == (try vector.string("toSealerID")))
            let material = try Self.material(vector["nOnceMaterial"])
            #expect(Hex.encode(material.nonce) == (try vector.string("nonceHex")))
            let shared = try X25519.sharedSecret(secret: from.bytes, publicKey: to.sealerID.bytes)
            #expect(Hex.encode(shared) == (try vector.string("x25519SharedSecretHex")))
            let message = Array(try vector.string("messageUtf8").utf8)
            let sealed = try from.seal(message, to: to.sealerID, nonceMaterial: material)
            #expect(sealed.description == (try vector.string("sealed")))
            let opened = try to.unseal(try Sealed(vector.string("sealed")), from: from.sealerID, nonceMaterial: material)
            #expect(opened == message)
            let expected = try CryptoVectorTests.json(vector["unsealedByRecipient"])
            #expect(try JSONValue(parsing: opened) == expected)
            if let keySecret = expected.stringValue, keySecret.hasPrefix("keySecret_z") {
                #expect(try to.unsealKeySecret(sealed, from: from.sealerID, nonceMaterial: material).description == keySecret)
            }
            // One flipped bit fails authentication.
            var tampered = sealed.bytes
            tampered[tampered.count / 2] ^= 0x01
            #expect(throws: CryptoError.authenticationFailed) {
                _ = try to.unseal(Sealed(bytes: tampered), from: from.sealerID, nonceMaterial: material)
            }
        }
        Fixtures.report("crypto.json", "seal", count: vectors.count)
    }

    @Test func groupSeals() throws {
        let vectors = try file.objects("sealForGroup")
        for vector in vectors {
            let readKey = try KeySecret(vector.string("groupReadKeySecret"))
            let sealer = SealerSecret.groupSealer(fromReadKey: readKey)
            #expect(sealer.description == (try vector.string("groupSealerSecret")))
            #expect(sealer.sealerID.description == (try vector.string("groupSealerID")))
            let material = try Self.material(vector["nOnceMaterial"])
            #expect(Hex.encode(material.nonce) == (try vector.string("nonceHex")))
            let sealed = try SealedForGroup(vector.string("sealedForGroup"))
            #expect(Hex.encode(sealed.bytes.prefix(32)) == (try vector.string("ephemeralPublicKeyHex")))
            let message = try CryptoVectorTests.json(vector["message"])
            let opened = try sealer.unsealForGroup(sealed, nonceMaterial: material)
            #expect(opened == Array(message.stableStringify().utf8))
            // Our own group seal round-trips (it is randomised, so only the round trip can be checked).
            let ours = try SealedForGroup.seal(opened, to: sealer.sealerID, nonceMaterial: material)
            #expect(ours != sealed)
            #expect(try sealer.unsealForGroup(ours, nonceMaterial: material) == opened)
            if let keySecret = message.stringValue, keySecret.hasPrefix("keySecret_z") {
                #expect(try sealer.unsealKeySecretForGroup(sealed, nonceMaterial: material).description == keySecret)
            }
        }
        Fixtures.report("crypto.json", "sealForGroup", count: vectors.count)
    }
}
