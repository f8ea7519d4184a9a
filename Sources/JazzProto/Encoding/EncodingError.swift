/// Why a base58 or base64url string could not be decoded.
public enum EncodingError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The string contains a character outside the Bitcoin base58 alphabet
    /// (`0`, `O`, `I`, `l`, punctuation and non-ASCII are not in it). `offset` counts characters.
    case invalidBase58Character(Character, offset: Int)
    /// The string contains a character outside the base64url alphabet (`A–Z a–z 0–9 - _`, plus `=`
    /// only as trailing padding). `offset` counts characters.
    case invalidBase64URLCharacter(Character, offset: Int)
    /// The number of base64url characters (padding included) cannot encode whole bytes.
    case invalidBase64URLLength(Int)
    /// The decoder was asked for canonical padded base64url, and the `=` padding is missing.
    case missingBase64URLPadding
    /// The decoder was asked for canonical base64url, and the unused bits of the last character
    /// are not zero (no canonical encoder produces such a string).
    case nonCanonicalBase64URLTrailingBits

    public var description: String {
        switch self {
        case .invalidBase58Character(let character, let offset):
            return "Invalid base58 character \(Self.describe(character)) at offset \(offset): "
                + "base58 (Bitcoin alphabet) uses only 1-9, A-Z without I and O, a-z without l. "
                + "Check that the prefix (e.g. \"co_z\") was removed and the string was not truncated or altered."
        case .invalidBase64URLCharacter(let character, let offset):
            return "Invalid base64url character \(Self.describe(character)) at offset \(offset): "
                + "base64url uses A-Z, a-z, 0-9, '-' and '_', with '=' only as trailing padding. "
                + "Standard base64 ('+', '/') must be converted first; check that the prefix (e.g. \"sealed_U\") was removed."
        case .invalidBase64URLLength(let length):
            return "Invalid base64url length \(length): no whole number of bytes has this encoded length "
                + "(length mod 4 must not be 1, and padded input must be a multiple of 4). The string was probably truncated."
        case .missingBase64URLPadding:
            return "Base64url padding missing: this field must be canonical padded base64url "
                + "(length a multiple of 4, '=' padding), as cojson's Rust core requires for encrypted changes. "
                + "Re-encode with padding."
        case .nonCanonicalBase64URLTrailingBits:
            return "Non-canonical base64url: the unused low bits of the last character are not zero. "
                + "Canonical decoding (as in cojson's Rust core) rejects this; re-encode the bytes."
        }
    }

    private static func describe(_ character: Character) -> String {
        let scalars = character.unicodeScalars
        if scalars.count == 1, let scalar = scalars.first, scalar.value < 0x20 || scalar.value == 0x7F {
            return "U+" + String(scalar.value, radix: 16, uppercase: true).leftPadded(to: 4)
        }
        return "'\(character)'"
    }
}

extension String {
    /// The string with leading zeros added up to `width` characters.
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
