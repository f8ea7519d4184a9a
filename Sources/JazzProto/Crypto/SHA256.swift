import CSodium

/// SHA-256 (FIPS 180-4) via libsodium's `crypto_hash_sha256`.
///
/// Used by BIP39 for the recovery-phrase checksum. libsodium's SHA-256 needs no `sodium_init()`.
public enum SHA256: Sendable {
    /// The number of bytes in a digest.
    static let byteCount = 32

    /// The 32-byte SHA-256 digest of `bytes`.
    public static func hash<Bytes: Collection>(_ bytes: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        let input = Array(bytes)
        var digest = [UInt8](repeating: 0, count: byteCount)
        digest.withUnsafeMutableBufferPointer { out in
            input.withUnsafeBufferPointer { inBuffer in
                guard let outBase = out.baseAddress else { return }
                if let inBase = inBuffer.baseAddress {
                    _ = crypto_hash_sha256(outBase, inBase, UInt64(inBuffer.count))
                } else {
                    // Empty input: an empty array may have no storage; hand libsodium a valid pointer anyway.
                    var placeholder: UInt8 = 0
                    _ = crypto_hash_sha256(outBase, &placeholder, 0)
                }
            }
        }
        return digest
    }
}
