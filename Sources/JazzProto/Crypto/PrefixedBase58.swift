/// A cojson value written as `<prefix>` + base58 of a fixed number of bytes (e.g. `signer_z…`, `co_z…`).
///
/// Each kind is its own type, so a sealer ID can never be passed where a signer ID is wanted.
public protocol PrefixedBase58: CanonicalString {
    /// The exact prefix, including the `_z` base58 marker.
    static var prefix: String { get }
    /// The number of payload bytes.
    static var byteCount: Int { get }
    /// What the kind is called in error messages.
    static var kindName: String { get }
    /// The full string form, e.g. `signer_z…`.
    var description: String { get }
    /// The decoded payload bytes.
    var bytes: [UInt8] { get }
    /// Creates the value from its payload bytes; no validation beyond the byte count.
    init(uncheckedString: String, bytes: [UInt8])
}

extension PrefixedBase58 {
    /// Parses the string form, checking the exact prefix and the decoded length.
    public init(_ string: some StringProtocol) throws(IdentifierError) {
        let value = String(string)
        guard value.hasPrefix(Self.prefix) else {
            throw .wrongPrefix(kind: Self.kindName, expectedPrefix: Self.prefix, value: value)
        }
        let payload = value.utf8.dropFirst(Self.prefix.utf8.count)
        let bytes: [UInt8]
        do {
            bytes = try Base58.decode(Substring(payload))
        } catch {
            throw .invalidPayload(kind: Self.kindName, value: value, reason: error.description)
        }
        guard bytes.count == Self.byteCount else {
            throw .wrongLength(kind: Self.kindName, expected: Self.byteCount, actual: bytes.count, value: value)
        }
        self.init(uncheckedString: value, bytes: bytes)
    }

    /// Creates the value from payload bytes.
    public init(bytes: [UInt8]) throws(IdentifierError) {
        guard bytes.count == Self.byteCount else {
            throw .wrongLength(kind: Self.kindName, expected: Self.byteCount, actual: bytes.count, value: "<\(bytes.count) bytes>")
        }
        self.init(uncheckedString: Self.prefix + Base58.encode(bytes), bytes: bytes)
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.description == rhs.description }
    public func hash(into hasher: inout Hasher) { hasher.combine(description) }
}

/// The secret half of a signer, an Ed25519 seed (32 bytes): `signerSecret_z…`.
public struct SignerSecret: PrefixedBase58 {
    public static let prefix = "signerSecret_z"
    public static let byteCount = 32
    public static let kindName = "signer secret"
    public let description: String
    public let bytes: [UInt8]
    /// libsodium's expanded secret key (seed ‖ public key), computed once: signing then costs one operation.
    let expandedKey: [UInt8]

    public init(uncheckedString: String, bytes: [UInt8]) {
        description = uncheckedString
        self.bytes = bytes
        expandedKey = (try? Ed25519.keyPair(seed: bytes).secretKey) ?? []
    }
}

/// An Ed25519 public key: `signer_z…`.
public struct SignerID: PrefixedBase58 {
    public static let prefix = "signer_z"
    public static let byteCount = 32
    public static let kindName = "signer ID"
    public let description: String
    public let bytes: [UInt8]
    public init(uncheckedString: String, bytes: [UInt8]) { description = uncheckedString; self.bytes = bytes }
}

/// An X25519 secret scalar (unclamped): `sealerSecret_z…`.
public struct SealerSecret: PrefixedBase58 {
    public static let prefix = "sealerSecret_z"
    public static let byteCount = 32
    public static let kindName = "sealer secret"
    public let description: String
    public let bytes: [UInt8]
    public init(uncheckedString: String, bytes: [UInt8]) { description = uncheckedString; self.bytes = bytes }
}

/// An X25519 public key: `sealer_z…`.
public struct SealerID: PrefixedBase58 {
    public static let prefix = "sealer_z"
    public static let byteCount = 32
    public static let kindName = "sealer ID"
    public let description: String
    public let bytes: [UInt8]
    public init(uncheckedString: String, bytes: [UInt8]) { description = uncheckedString; self.bytes = bytes }
}

/// A symmetric read/write key (XSalsa20, 32 bytes): `keySecret_z…`.
public struct KeySecret: PrefixedBase58 {
    public static let prefix = "keySecret_z"
    public static let byteCount = 32
    public static let kindName = "key secret"
    public let description: String
    public let bytes: [UInt8]
    public init(uncheckedString: String, bytes: [UInt8]) { description = uncheckedString; self.bytes = bytes }
}

/// The random label of a key (12 bytes, not derived from the secret): `key_z…`.
public struct KeyID: PrefixedBase58 {
    public static let prefix = "key_z"
    public static let byteCount = 12
    public static let kindName = "key ID"
    public let description: String
    public let bytes: [UInt8]
    public init(uncheckedString: String, bytes: [UInt8]) { description = uncheckedString; self.bytes = bytes }
}

/// The secret seed of an invite agent: `inviteSecret_z…`.
public struct InviteSecret: PrefixedBase58 {
    public static let prefix = "inviteSecret_z"
    public static let byteCount = 32
    public static let kindName = "invite secret"
    public let description: String
    public let bytes: [UInt8]
    public init(uncheckedString: String, bytes: [UInt8]) { description = uncheckedString; self.bytes = bytes }
}

/// A BLAKE3 digest (32 bytes): `hash_z…` (session hash chains, `secureHash`).
public struct Hash: PrefixedBase58 {
    public static let prefix = "hash_z"
    public static let byteCount = 32
    public static let kindName = "hash"
    public let description: String
    public let bytes: [UInt8]
    public init(uncheckedString: String, bytes: [UInt8]) { description = uncheckedString; self.bytes = bytes }
}

/// The first 19 bytes of a BLAKE3 digest: `shortHash_z…`.
public struct ShortHash: PrefixedBase58 {
    public static let prefix = "shortHash_z"
    public static let byteCount = 19
    public static let kindName = "short hash"
    public let description: String
    public let bytes: [UInt8]
    public init(uncheckedString: String, bytes: [UInt8]) { description = uncheckedString; self.bytes = bytes }
}

/// An Ed25519 signature (64 bytes): `signature_z…`.
public struct Signature: PrefixedBase58 {
    public static let prefix = "signature_z"
    public static let byteCount = 64
    public static let kindName = "signature"
    public let description: String
    public let bytes: [UInt8]
    public init(uncheckedString: String, bytes: [UInt8]) { description = uncheckedString; self.bytes = bytes }
}

/// The ID of a CoValue: `co_z` + base58 of the first 19 bytes of BLAKE3(canonical header).
public struct CoID: PrefixedBase58 {
    public static let prefix = "co_z"
    public static let byteCount = 19
    public static let kindName = "CoValue ID"
    public let description: String
    public let bytes: [UInt8]
    public init(uncheckedString: String, bytes: [UInt8]) { description = uncheckedString; self.bytes = bytes }
}
