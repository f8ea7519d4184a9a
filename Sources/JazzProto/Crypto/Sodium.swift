import CSodium

/// libsodium is initialised once per process before any primitive runs.
enum SodiumLibrary {
    static let initialized: Bool = sodium_init() >= 0

    @inline(__always)
    static func ensureInitialized() {
        _ = initialized
    }
}

/// Ed25519 signatures (RFC 8032, deterministic), as cojson uses them: the secret is the 32-byte seed.
public enum Ed25519 {
    public static let seedByteCount = 32
    public static let publicKeyByteCount = 32
    public static let signatureByteCount = 64

    /// The libsodium secret key (seed ‖ public key) and the public key for a 32-byte seed.
    static func keyPair(seed: [UInt8]) throws(CryptoError) -> (secretKey: [UInt8], publicKey: [UInt8]) {
        guard seed.count == seedByteCount else {
            throw .invalidKeyLength(kind: "Ed25519 seed", expected: seedByteCount, actual: seed.count)
        }
        SodiumLibrary.ensureInitialized()
        var publicKey = [UInt8](repeating: 0, count: publicKeyByteCount)
        var secretKey = [UInt8](repeating: 0, count: 64)
        _ = crypto_sign_seed_keypair(&publicKey, &secretKey, seed)
        return (secretKey, publicKey)
    }

    /// The Ed25519 public key of a 32-byte seed.
    public static func publicKey(seed: [UInt8]) throws(CryptoError) -> [UInt8] {
        try keyPair(seed: seed).publicKey
    }

    /// Signs `message` with a libsodium secret key (seed ‖ public key, 64 bytes).
    static func sign(_ message: UnsafeRawBufferPointer, secretKey: [UInt8]) -> [UInt8] {
        var signature = [UInt8](repeating: 0, count: signatureByteCount)
        _ = crypto_sign_detached(
            &signature, nil, message.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? emptyPointer,
            UInt64(message.count), secretKey)
        return signature
    }

    /// Signs `message` with a 32-byte seed.
    public static func sign<Bytes: Collection>(_ message: Bytes, seed: [UInt8]) throws(CryptoError) -> [UInt8]
    where Bytes.Element == UInt8 {
        let secretKey = try keyPair(seed: seed).secretKey
        return withBytes(message) { sign($0, secretKey: secretKey) }
    }

    /// True iff `signature` is a valid signature of `message` under `publicKey`.
    public static func isValid<Bytes: Collection>(signature: [UInt8], for message: Bytes, publicKey: [UInt8]) -> Bool
    where Bytes.Element == UInt8 {
        guard signature.count == signatureByteCount, publicKey.count == publicKeyByteCount else { return false }
        SodiumLibrary.ensureInitialized()
        return withBytes(message) { buffer in
            crypto_sign_verify_detached(
                signature, buffer.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? emptyPointer,
                UInt64(buffer.count), publicKey) == 0
        }
    }
}

/// X25519 key agreement (RFC 7748). Secrets are stored unclamped; clamping happens inside the multiplication.
public enum X25519 {
    public static let keyByteCount = 32

    /// The public key of a 32-byte secret scalar.
    public static func publicKey(secret: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard secret.count == keyByteCount else {
            throw .invalidKeyLength(kind: "X25519 secret", expected: keyByteCount, actual: secret.count)
        }
        SodiumLibrary.ensureInitialized()
        var publicKey = [UInt8](repeating: 0, count: keyByteCount)
        _ = crypto_scalarmult_base(&publicKey, secret)
        return publicKey
    }

    /// The raw shared secret X25519(secret, publicKey). Fails for low-order public keys.
    public static func sharedSecret(secret: [UInt8], publicKey: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard secret.count == keyByteCount else {
            throw .invalidKeyLength(kind: "X25519 secret", expected: keyByteCount, actual: secret.count)
        }
        guard publicKey.count == keyByteCount else {
            throw .invalidKeyLength(kind: "X25519 public key", expected: keyByteCount, actual: publicKey.count)
        }
        SodiumLibrary.ensureInitialized()
        var shared = [UInt8](repeating: 0, count: keyByteCount)
        guard crypto_scalarmult(&shared, secret, publicKey) == 0 else { throw .lowOrderPublicKey }
        return shared
    }
}

/// The raw XSalsa20 stream cipher (no MAC): output = input XOR keystream(key, nonce).
public enum XSalsa20 {
    public static let keyByteCount = 32
    public static let nonceByteCount = 24

    public static func xor<Bytes: Collection>(_ input: Bytes, key: [UInt8], nonce: [UInt8]) throws(CryptoError) -> [UInt8]
    where Bytes.Element == UInt8 {
        guard key.count == keyByteCount else {
            throw .invalidKeyLength(kind: "XSalsa20 key", expected: keyByteCount, actual: key.count)
        }
        guard nonce.count == nonceByteCount else {
            throw .invalidKeyLength(kind: "XSalsa20 nonce", expected: nonceByteCount, actual: nonce.count)
        }
        SodiumLibrary.ensureInitialized()
        return withBytes(input) { buffer in
            guard buffer.count > 0 else { return [] }
            return [UInt8](unsafeUninitializedCapacity: buffer.count) { output, initialized in
                _ = crypto_stream_xsalsa20_xor(
                    output.baseAddress!, buffer.baseAddress!.assumingMemoryBound(to: UInt8.self),
                    UInt64(buffer.count), nonce, key)
                initialized = buffer.count
            }
        }
    }
}

/// XSalsa20-Poly1305 (NaCl secretbox). Boxed output is tag (16 bytes) ‖ ciphertext.
public enum SecretBox {
    public static let keyByteCount = 32
    public static let nonceByteCount = 24
    public static let tagByteCount = 16

    public static func seal<Bytes: Collection>(_ plaintext: Bytes, key: [UInt8], nonce: [UInt8]) throws(CryptoError) -> [UInt8]
    where Bytes.Element == UInt8 {
        try checkSizes(key: key, nonce: nonce)
        SodiumLibrary.ensureInitialized()
        return withBytes(plaintext) { buffer in
            [UInt8](unsafeUninitializedCapacity: buffer.count + tagByteCount) { output, initialized in
                _ = crypto_secretbox_easy(
                    output.baseAddress!, buffer.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? emptyPointer,
                    UInt64(buffer.count), nonce, key)
                initialized = buffer.count + tagByteCount
            }
        }
    }

    public static func open(_ boxed: [UInt8], key: [UInt8], nonce: [UInt8]) throws(CryptoError) -> [UInt8] {
        try checkSizes(key: key, nonce: nonce)
        guard boxed.count >= tagByteCount else { throw .ciphertextTooShort(boxed.count) }
        SodiumLibrary.ensureInitialized()
        let count = boxed.count - tagByteCount
        var ok = false
        let plaintext = [UInt8](unsafeUninitializedCapacity: max(count, 1)) { output, initialized in
            ok = crypto_secretbox_open_easy(output.baseAddress!, boxed, UInt64(boxed.count), nonce, key) == 0
            initialized = ok ? count : 0
        }
        guard ok else { throw .authenticationFailed }
        return plaintext
    }

    private static func checkSizes(key: [UInt8], nonce: [UInt8]) throws(CryptoError) {
        guard key.count == keyByteCount else {
            throw .invalidKeyLength(kind: "secretbox key", expected: keyByteCount, actual: key.count)
        }
        guard nonce.count == nonceByteCount else {
            throw .invalidKeyLength(kind: "secretbox nonce", expected: nonceByteCount, actual: nonce.count)
        }
    }
}

/// The operating system's CSPRNG, through libsodium.
public enum SecureRandom {
    public static func bytes(_ count: Int) -> [UInt8] {
        guard count > 0 else { return [] }
        SodiumLibrary.ensureInitialized()
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            randombytes_buf(buffer.baseAddress!, count)
            initialized = count
        }
    }
}

/// A valid pointer for zero-length C buffers (libsodium rejects null even for empty input on some paths).
nonisolated(unsafe) private let emptyByte = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
var emptyPointer: UnsafePointer<UInt8> { UnsafePointer(emptyByte) }

/// Runs `body` over the contiguous bytes of any byte collection (copying only if it is not contiguous).
@inline(__always)
func withBytes<Bytes: Collection, R>(_ bytes: Bytes, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R
where Bytes.Element == UInt8 {
    if let result = try bytes.withContiguousStorageIfAvailable({ try body(UnsafeRawBufferPointer($0)) }) {
        return result
    }
    return try Array(bytes).withUnsafeBytes(body)
}
