import JazzProto

/// Caro's second, field-level encryption of the sensitive parts of history entries (Docs/schema.md,
/// "Field encryption"): XSalsa20-Poly1305 (libsodium secretbox) under a versioned random 32-byte field
/// key kept in the Caro root, with a random 24-byte nonce per entry.
public struct FieldCipher: Sendable {
    /// Field keys by version.
    public let keys: [Int: [UInt8]]
    /// The version new entries are sealed with.
    public let currentVersion: Int
    /// Where nonces come from (random by default; fixed in tests).
    let randomBytes: @Sendable (Int) -> [UInt8]

    public init(keys: [Int: [UInt8]], currentVersion: Int,
                randomBytes: @escaping @Sendable (Int) -> [UInt8] = { SecureRandom.bytes($0) }) {
        self.keys = keys
        self.currentVersion = currentVersion
        self.randomBytes = randomBytes
    }

    /// A new random field key.
    public static func newKey() -> [UInt8] { SecureRandom.bytes(SecretBox.keyByteCount) }

    /// `base64url(nonce ‖ tag ‖ ciphertext)` of `plaintext` under the current key.
    public func seal(_ plaintext: [UInt8]) throws(FieldCipherError) -> (version: Int, sealed: String) {
        guard let key = keys[currentVersion] else { throw .unknownKeyVersion(currentVersion) }
        let nonce = randomBytes(SecretBox.nonceByteCount)
        do {
            return (currentVersion, Base64URL.encode(nonce + (try SecretBox.seal(plaintext, key: key, nonce: nonce))))
        } catch {
            throw .cannotSeal("\(error)")
        }
    }

    /// Opens what ``seal(_:)`` made with key `version`.
    public func open(_ sealed: String, version: Int) throws(FieldCipherError) -> [UInt8] {
        guard let key = keys[version] else { throw .unknownKeyVersion(version) }
        guard let bytes = try? Base64URL.decode(sealed), bytes.count >= SecretBox.nonceByteCount + SecretBox.tagByteCount else {
            throw .damaged
        }
        let nonce = Array(bytes[..<SecretBox.nonceByteCount])
        guard let plaintext = try? SecretBox.open(Array(bytes[SecretBox.nonceByteCount...]), key: key, nonce: nonce) else {
            throw .damaged
        }
        return plaintext
    }
}

/// Why sealing or opening entry fields failed.
public enum FieldCipherError: Error, CustomStringConvertible, Equatable, Sendable {
    case unknownKeyVersion(Int)
    case damaged
    case cannotSeal(String)

    public var description: String {
        switch self {
        case .unknownKeyVersion(let version):
            return "This device does not have field key version \(version); sync again, or the device was removed."
        case .damaged: return "An entry's encrypted fields do not open with its field key (damaged or forged); it was skipped."
        case .cannotSeal(let why): return "Cannot encrypt an entry's fields: \(why)"
        }
    }
}
