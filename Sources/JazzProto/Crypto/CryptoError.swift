/// Failures of cryptographic operations.
public enum CryptoError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A key, nonce or seed had the wrong number of bytes.
    case invalidKeyLength(kind: String, expected: Int, actual: Int)
    /// X25519 with a low-order (invalid) public key; an honest peer never produces one.
    case lowOrderPublicKey
    /// A sealed value failed Poly1305 authentication (wrong key, wrong nonce material or tampered bytes).
    case authenticationFailed
    /// A sealed value was shorter than its fixed overhead.
    case ciphertextTooShort(Int)
    /// Decrypted bytes were not valid UTF-8 (wrong key or tampered ciphertext).
    case decryptedBytesNotUTF8
    /// Decrypted text was not the JSON that was expected (wrong key or tampered ciphertext).
    case decryptedTextNotJSON(String)
    /// A secret seed must be exactly 32 bytes.
    case invalidSecretSeedLength(Int)

    public var description: String {
        switch self {
        case .invalidKeyLength(let kind, let expected, let actual):
            return "\(kind) must be \(expected) bytes, got \(actual)."
        case .lowOrderPublicKey:
            return "The X25519 public key is of low order (invalid); the sender's key is corrupt or forged."
        case .authenticationFailed:
            return "Sealed data failed authentication: it was made for another key, or it was tampered with."
        case .ciphertextTooShort(let count):
            return "Ciphertext of \(count) bytes is too short to hold its authentication tag; it is truncated."
        case .decryptedBytesNotUTF8:
            return "Decrypted bytes are not UTF-8: the key is wrong or the ciphertext was tampered with."
        case .decryptedTextNotJSON(let detail):
            return "Decrypted text is not valid JSON (\(detail)): the key is wrong or the ciphertext was tampered with."
        case .invalidSecretSeedLength(let count):
            return "A Jazz secret seed must be 32 bytes, got \(count)."
        }
    }
}
