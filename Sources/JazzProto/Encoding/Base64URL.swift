/// Base64url (RFC 4648 §5: `A–Z a–z 0–9 - _`), as cojson uses after every `_U` prefix
/// (`encrypted_U…`, `sealed_U…`, `sealedForGroup_U…`, `binary_U…`).
///
/// cojson always **emits** `=` padding. Decoders differ: the JavaScript decoder (sealed values, key
/// revelations, binary chunks) also accepts unpadded input, while the Rust core decoding
/// `encryptedChanges` and private `meta` accepts only canonical padded input.
public enum Base64URL {
    static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// ASCII byte -> 6-bit value; 0xFF for anything else (including `=`).
    static let sextetValues: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, character) in alphabet.enumerated() { table[Int(character)] = UInt8(value) }
        return table
    }()

    /// `sextetValues` pre-shifted for each of the four positions in a group (4 × 256 entries);
    /// 0xFF00_0000 for anything that is not a base64url character.
    private static let shiftedSextetValues: [UInt32] = (0..<4).flatMap { position in
        sextetValues.map { value in value == 0xFF ? 0xFF00_0000 : UInt32(value) << UInt32(18 - 6 * position) }
    }

    private static let padding = UInt8(ascii: "=")

    /// Encodes bytes as base64url **with** `=` padding (empty input gives the empty string).
    public static func encode<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        if let result = bytes.withContiguousStorageIfAvailable({ encode(buffer: $0) }) { return result }
        return Array(bytes).withUnsafeBufferPointer { encode(buffer: $0) }
    }

    private static func encode(buffer input: UnsafeBufferPointer<UInt8>) -> String {
        let outputCount = (input.count + 2) / 3 * 4
        guard outputCount > 0 else { return "" }
        return alphabet.withUnsafeBufferPointer { table in
            String(unsafeUninitializedCapacity: outputCount) { output in
                var inIndex = 0
                var outIndex = 0
                while inIndex + 3 <= input.count {
                    let group = UInt32(input[inIndex]) << 16 | UInt32(input[inIndex + 1]) << 8 | UInt32(input[inIndex + 2])
                    output[outIndex] = table[Int(group >> 18)]
                    output[outIndex + 1] = table[Int(group >> 12 & 63)]
                    output[outIndex + 2] = table[Int(group >> 6 & 63)]
                    output[outIndex + 3] = table[Int(group & 63)]
                    inIndex += 3
                    outIndex += 4
                }
                switch input.count - inIndex {
                case 1:
                    let group = UInt32(input[inIndex]) << 16
                    output[outIndex] = table[Int(group >> 18)]
                    output[outIndex + 1] = table[Int(group >> 12 & 63)]
                    output[outIndex + 2] = padding
                    output[outIndex + 3] = padding
                    outIndex += 4
                case 2:
                    let group = UInt32(input[inIndex]) << 16 | UInt32(input[inIndex + 1]) << 8
                    output[outIndex] = table[Int(group >> 18)]
                    output[outIndex + 1] = table[Int(group >> 12 & 63)]
                    output[outIndex + 2] = table[Int(group >> 6 & 63)]
                    output[outIndex + 3] = padding
                    outIndex += 4
                default:
                    break
                }
                return outIndex
            }
        }
    }

    /// Decodes base64url.
    ///
    /// - Parameter requirePadding: `true` accepts only canonical padded input (length a multiple of 4,
    ///   complete `=` padding, zero unused bits), as cojson's Rust decoder does for `encryptedChanges`
    ///   and private `meta`. `false` (default) also accepts input without padding and ignores unused
    ///   bits, like cojson's JavaScript decoder; padding, when present, must still be complete.
    /// - Throws: ``EncodingError/invalidBase64URLCharacter(_:offset:)`` (including standard base64's
    ///   `+`/`/`, whitespace, and `=` before the end), ``EncodingError/invalidBase64URLLength(_:)``,
    ///   ``EncodingError/missingBase64URLPadding``, ``EncodingError/nonCanonicalBase64URLTrailingBits``.
    public static func decode(_ string: some StringProtocol, requirePadding: Bool = false) throws(EncodingError) -> [UInt8] {
        let result: Result<[UInt8], DecodeFailure>
        if let contiguous = string.utf8.withContiguousStorageIfAvailable({ decode(buffer: $0, requirePadding: requirePadding) }) {
            result = contiguous
        } else {
            result = Array(string.utf8).withUnsafeBufferPointer { decode(buffer: $0, requirePadding: requirePadding) }
        }
        switch result {
        case .success(let bytes):
            return bytes
        case .failure(.invalidCharacter(let byteOffset)):
            throw invalidCharacter(in: string, atUTF8Offset: byteOffset)
        case .failure(.other(let error)):
            throw error
        }
    }

    private enum DecodeFailure: Error {
        case invalidCharacter(byteOffset: Int)
        case other(EncodingError)
    }

    private static func decode(buffer input: UnsafeBufferPointer<UInt8>, requirePadding: Bool) -> Result<[UInt8], DecodeFailure> {
        let layout: Layout
        switch Layout.of(input, requirePadding: requirePadding) {
        case .success(let checked): layout = checked
        case .failure(let failure): return .failure(failure)
        }
        var failure: DecodeFailure?
        let bytes = [UInt8](unsafeUninitializedCapacity: layout.outputCount) { output, initialized in
            failure = decodeBody(input, layout: layout, requirePadding: requirePadding, into: output.baseAddress)
            initialized = failure == nil ? layout.outputCount : 0
        }
        if let failure { return .failure(failure) }
        return .success(bytes)
    }

    /// Decodes base64url from UTF-8 bytes into `output`, reusing its storage (the hot path of private
    /// transactions: no allocation once `output` is large enough). Returns the decoded length — the
    /// decoded bytes are `output[..<length]` — or nil wherever ``decode(_:requirePadding:)`` throws.
    static func decode(_ input: UnsafeBufferPointer<UInt8>, requirePadding: Bool, into output: inout [UInt8]) -> Int? {
        guard case .success(let layout) = Layout.of(input, requirePadding: requirePadding) else { return nil }
        if output.count < layout.outputCount {
            output = [UInt8](repeating: 0, count: Swift.max(layout.outputCount, output.count * 2))
        }
        let failure = output.withUnsafeMutableBufferPointer { buffer in
            decodeBody(input, layout: layout, requirePadding: requirePadding, into: buffer.baseAddress)
        }
        return failure == nil ? layout.outputCount : nil
    }

    /// ``decode(_:requirePadding:into:)`` into raw memory: nil also when `output` is too small.
    static func decode(_ input: UnsafeBufferPointer<UInt8>, requirePadding: Bool, into output: UnsafeMutableRawBufferPointer) -> Int? {
        guard case .success(let layout) = Layout.of(input, requirePadding: requirePadding), layout.outputCount <= output.count
        else { return nil }
        let failure = decodeBody(input, layout: layout, requirePadding: requirePadding,
                                 into: output.baseAddress?.assumingMemoryBound(to: UInt8.self))
        return failure == nil ? layout.outputCount : nil
    }

    /// The shape of valid input: characters before the padding, their count modulo 4, output length.
    private struct Layout {
        let dataCount: Int
        let remainder: Int
        let outputCount: Int

        /// Checks the padding and the length (characters are checked while decoding).
        static func of(_ input: UnsafeBufferPointer<UInt8>, requirePadding: Bool) -> Result<Layout, DecodeFailure> {
            // Split off trailing padding (at most two `=`); any other `=` is an invalid character.
            var dataCount = input.count
            while dataCount > 0, input.count - dataCount < 2, input[dataCount - 1] == padding { dataCount -= 1 }
            let paddingCount = input.count - dataCount

            if paddingCount > 0 {
                guard input.count % 4 == 0 else {
                    if let bad = firstInvalidByte(input, upTo: dataCount) { return .failure(.invalidCharacter(byteOffset: bad)) }
                    return .failure(.other(.invalidBase64URLLength(input.count)))
                }
            } else if requirePadding, dataCount % 4 != 0 {
                // Report a character problem first if there is one: it is the more useful message.
                if let bad = firstInvalidByte(input, upTo: dataCount) { return .failure(.invalidCharacter(byteOffset: bad)) }
                return .failure(.other(dataCount % 4 == 1 ? .invalidBase64URLLength(input.count) : .missingBase64URLPadding))
            }
            let remainder = dataCount % 4
            guard remainder != 1 else {
                if let bad = firstInvalidByte(input, upTo: dataCount) { return .failure(.invalidCharacter(byteOffset: bad)) }
                return .failure(.other(.invalidBase64URLLength(input.count)))
            }
            let outputCount = dataCount / 4 * 3 + (remainder == 0 ? 0 : remainder - 1)
            return .success(Layout(dataCount: dataCount, remainder: remainder, outputCount: outputCount))
        }
    }

    /// Decodes the characters of `input` described by `layout` into `output` (room for `layout.outputCount`
    /// bytes; nil only when that is 0). Returns the first problem, or nil.
    private static func decodeBody(
        _ input: UnsafeBufferPointer<UInt8>, layout: Layout, requirePadding: Bool, into output: UnsafeMutablePointer<UInt8>?
    ) -> DecodeFailure? {
        guard let output, let base = input.baseAddress else { return nil }
        let dataCount = layout.dataCount
        let remainder = layout.remainder
        // Fast pass over the full groups: four tables give each character's bits already shifted into
        // place (0xFF00_0000 marks an invalid character), one check at the end. If a character is
        // invalid, the exact pass below starts again to find and report it.
        var fastGroups = 0
        shiftedSextetValues.withUnsafeBufferPointer { shifted in
            var bad: UInt32 = 0
            var inIndex = 0
            var outIndex = 0
            while inIndex + 4 <= dataCount {
                let group = shifted[Int(base[inIndex])] | shifted[256 + Int(base[inIndex + 1])]
                    | shifted[512 + Int(base[inIndex + 2])] | shifted[768 + Int(base[inIndex + 3])]
                bad |= group
                output[outIndex] = UInt8(truncatingIfNeeded: group >> 16)
                output[outIndex + 1] = UInt8(truncatingIfNeeded: group >> 8)
                output[outIndex + 2] = UInt8(truncatingIfNeeded: group)
                inIndex += 4
                outIndex += 3
            }
            if bad & 0xFF00_0000 == 0 { fastGroups = inIndex / 4 }
        }
        return sextetValues.withUnsafeBufferPointer { table -> DecodeFailure? in
            var inIndex = fastGroups * 4
            var outIndex = fastGroups * 3
            while inIndex + 4 <= dataCount {
                let a = table[Int(base[inIndex])], b = table[Int(base[inIndex + 1])]
                let c = table[Int(base[inIndex + 2])], d = table[Int(base[inIndex + 3])]
                guard (a | b | c | d) & 0xC0 == 0 else {
                    return .invalidCharacter(byteOffset: inIndex + (a == 0xFF ? 0 : b == 0xFF ? 1 : c == 0xFF ? 2 : 3))
                }
                let group = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
                output[outIndex] = UInt8(truncatingIfNeeded: group >> 16)
                output[outIndex + 1] = UInt8(truncatingIfNeeded: group >> 8)
                output[outIndex + 2] = UInt8(truncatingIfNeeded: group)
                inIndex += 4
                outIndex += 3
            }
            if remainder > 0 {
                var group: UInt32 = 0
                for offset in 0..<remainder {
                    let value = table[Int(base[inIndex + offset])]
                    guard value != 0xFF else { return .invalidCharacter(byteOffset: inIndex + offset) }
                    group = group << 6 | UInt32(value)
                }
                // remainder 2 -> 12 bits, 8 used; remainder 3 -> 18 bits, 16 used.
                let unusedBits = remainder == 2 ? 4 : 2
                if requirePadding, group & ((1 << UInt32(unusedBits)) - 1) != 0 {
                    return .other(.nonCanonicalBase64URLTrailingBits)
                }
                group >>= UInt32(unusedBits)
                if remainder == 3 {
                    output[outIndex] = UInt8(truncatingIfNeeded: group >> 8)
                    output[outIndex + 1] = UInt8(truncatingIfNeeded: group)
                } else {
                    output[outIndex] = UInt8(truncatingIfNeeded: group)
                }
            }
            return nil
        }
    }

    private static func firstInvalidByte(_ input: UnsafeBufferPointer<UInt8>, upTo count: Int) -> Int? {
        (0..<count).first { sextetValues[Int(input[$0])] == 0xFF }
    }

    /// Maps a UTF-8 offset of an invalid byte to the Character containing it (errors only).
    private static func invalidCharacter(in string: some StringProtocol, atUTF8Offset byteOffset: Int) -> EncodingError {
        var utf8Position = 0
        for (offset, character) in string.enumerated() {
            let length = character.utf8.count
            if byteOffset < utf8Position + length { return .invalidBase64URLCharacter(character, offset: offset) }
            utf8Position += length
        }
        return .invalidBase64URLCharacter(" ", offset: string.count)
    }
}
