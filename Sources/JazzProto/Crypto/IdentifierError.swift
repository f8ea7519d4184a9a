/// A cojson string (ID, key, hash, signature, ciphertext) that could not be parsed.
public enum IdentifierError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The string does not start with the prefix its kind requires (e.g. `signer_z`).
    case wrongPrefix(kind: String, expectedPrefix: String, value: String)
    /// The payload after the prefix is not valid base58 / base64url.
    case invalidPayload(kind: String, value: String, reason: String)
    /// The payload decodes to the wrong number of bytes (truncated or padded value).
    case wrongLength(kind: String, expected: Int, actual: Int, value: String)
    /// A composite string (agent, session ID, …) does not have the expected shape.
    case malformed(kind: String, value: String, expectedShape: String)

    public var description: String {
        switch self {
        case .wrongPrefix(let kind, let prefix, let value):
            return "Not a \(kind): \"\(Self.clip(value))\" should start with \"\(prefix)\"."
        case .invalidPayload(let kind, let value, let reason):
            return "Not a \(kind): \"\(Self.clip(value))\" (\(reason))."
        case .wrongLength(let kind, let expected, let actual, let value):
            return "Not a \(kind): \"\(Self.clip(value))\" holds \(actual) bytes, expected \(expected) (truncated or corrupted?)."
        case .malformed(let kind, let value, let shape):
            return "Not a \(kind): \"\(Self.clip(value))\"; expected \(shape)."
        }
    }

    private static func clip(_ value: String) -> String {
        value.count > 120 ? String(value.prefix(117)) + "..." : value
    }
}

/// A value written as one canonical string that parses back (IDs, secrets, session IDs): Codable as that
/// string and ordered by its UTF-16 code units (JavaScript's order).
public protocol CanonicalString: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// Parses the canonical string form.
    init(_ string: some StringProtocol) throws(IdentifierError)
}

extension CanonicalString {
    public static func < (lhs: Self, rhs: Self) -> Bool {
        lhs.description.utf16.lexicographicallyPrecedes(rhs.description.utf16)
    }

    public init(from decoder: any Decoder) throws {
        try self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
