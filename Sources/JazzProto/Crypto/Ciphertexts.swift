/// A cojson value written as `<prefix>` + padded base64url of bytes (`encrypted_U…`, `sealed_U…`, …).
public protocol PrefixedBase64URL: Sendable, Hashable, CustomStringConvertible {
    static var prefix: String { get }
    static var kindName: String { get }
    /// The decoded bytes.
    var bytes: [UInt8] { get }
    init(bytes: [UInt8])
}

extension PrefixedBase64URL {
    /// Parses the string form; `requirePadding` mirrors cojson's strict Rust decoder
    /// (used for `encryptedChanges` and private `meta`), otherwise unpadded input is accepted like JS does.
    public init(_ string: some StringProtocol, requirePadding: Bool = false) throws(IdentifierError) {
        let value = String(string)
        guard value.hasPrefix(Self.prefix) else {
            throw .wrongPrefix(kind: Self.kindName, expectedPrefix: Self.prefix, value: value)
        }
        let payload = Substring(value.utf8.dropFirst(Self.prefix.utf8.count))
        do {
            self.init(bytes: try Base64URL.decode(payload, requirePadding: requirePadding))
        } catch {
            throw .invalidPayload(kind: Self.kindName, value: value, reason: error.description)
        }
    }

    public var description: String { Self.prefix + Base64URL.encode(bytes) }
}

/// Raw XSalsa20 ciphertext (no MAC): `encrypted_U…`.
public struct Encrypted: PrefixedBase64URL {
    public static let prefix = "encrypted_U"
    public static let kindName = "encrypted value"
    public let bytes: [UInt8]
    public init(bytes: [UInt8]) { self.bytes = bytes }
}

/// A secretbox (tag ‖ ciphertext) keyed with an X25519 shared secret: `sealed_U…`.
public struct Sealed: PrefixedBase64URL {
    public static let prefix = "sealed_U"
    public static let kindName = "sealed value"
    public let bytes: [UInt8]
    public init(bytes: [UInt8]) { self.bytes = bytes }
}

/// An anonymous seal (ephemeral public key ‖ tag ‖ ciphertext): `sealedForGroup_U…`.
public struct SealedForGroup: PrefixedBase64URL {
    public static let prefix = "sealedForGroup_U"
    public static let kindName = "group-sealed value"
    public let bytes: [UInt8]
    public init(bytes: [UInt8]) { self.bytes = bytes }
}

/// Raw file bytes in a binary stream chunk: `binary_U…`.
public struct BinaryChunk: PrefixedBase64URL {
    public static let prefix = "binary_U"
    public static let kindName = "binary chunk"
    public let bytes: [UInt8]
    public init(bytes: [UInt8]) { self.bytes = bytes }
}
