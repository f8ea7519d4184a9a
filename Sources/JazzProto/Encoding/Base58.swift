/// Base58 with the Bitcoin alphabet (`123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz`),
/// as cojson uses after every `_z` prefix (`co_z…`, `signer_z…`, `key_z…`).
///
/// No checksum and no length prefix: each leading `0x00` byte becomes a leading `1` and back, the rest
/// is the big-endian number in base 58. Encoded lengths vary with the value, so callers must check the
/// decoded byte count themselves.
public enum Base58 {
    /// The 58 digit characters, value order.
    static let alphabet: [UInt8] = Array("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz".utf8)

    /// ASCII byte -> digit value, 0xFF for characters outside the alphabet.
    static let digitValues: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 128)
        for (value, character) in alphabet.enumerated() { table[Int(character)] = UInt8(value) }
        return table
    }()

    /// 58^5, the radix of the limbs used during conversion (fits in 30 bits).
    private static let limbRadix: UInt64 = 656_356_768

    /// Encodes bytes as base58 (Bitcoin alphabet). Leading zero bytes become leading `1`s;
    /// empty input gives the empty string.
    public static func encode<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        if let result = bytes.withContiguousStorageIfAvailable({ encode(buffer: $0) }) { return result }
        return Array(bytes).withUnsafeBufferPointer { encode(buffer: $0) }
    }

    private static func encode(buffer input: UnsafeBufferPointer<UInt8>) -> String {
        var zeros = 0
        while zeros < input.count, input[zeros] == 0 { zeros += 1 }

        // Little-endian limbs in base 58^5, fed with 32-bit big-endian groups of the input
        // (a leading partial group first).
        var limbs: [UInt32] = []
        limbs.reserveCapacity(input.count / 3 + 1)
        var position = zeros
        let remaining = input.count - zeros
        var groupSize = remaining % 4 == 0 ? 4 : remaining % 4
        while position < input.count {
            var chunk: UInt64 = 0
            for offset in 0..<groupSize { chunk = chunk << 8 | UInt64(input[position + offset]) }
            let shift = UInt64(groupSize * 8)
            position += groupSize
            groupSize = 4
            var carry = chunk
            for index in limbs.indices {
                let value = UInt64(limbs[index]) << shift + carry  // < 58^5 · 2^32, so carry stays below 2^32
                limbs[index] = UInt32(value % limbRadix)
                carry = value / limbRadix
            }
            while carry > 0 {
                limbs.append(UInt32(carry % limbRadix))
                carry /= limbRadix
            }
        }

        // Limbs -> digits, most significant first, without leading zero digits.
        var digits: [UInt8] = []
        digits.reserveCapacity(zeros + limbs.count * 5)
        digits.append(contentsOf: repeatElement(alphabet[0], count: zeros))
        var started = false
        for limb in limbs.reversed() {
            var value = limb
            var divisor: UInt32 = 58 * 58 * 58 * 58
            for _ in 0..<5 {
                let digit = value / divisor
                value %= divisor
                divisor /= 58
                if digit != 0 { started = true }
                if started { digits.append(alphabet[Int(digit)]) }
            }
        }
        return String(decoding: digits, as: UTF8.self)
    }

    /// Decodes a base58 (Bitcoin alphabet) string. Leading `1`s become leading zero bytes.
    ///
    /// - Throws: ``EncodingError/invalidBase58Character(_:offset:)`` for any character outside the
    ///   alphabet (whitespace included).
    public static func decode(_ string: some StringProtocol) throws(EncodingError) -> [UInt8] {
        let result: Result<[UInt8], EncodingError>
        if let contiguous = string.utf8.withContiguousStorageIfAvailable({ decode(buffer: $0) }) {
            result = contiguous
        } else {
            result = Array(string.utf8).withUnsafeBufferPointer { decode(buffer: $0) }
        }
        switch result {
        case .success(let bytes): return bytes
        case .failure:
            throw firstInvalidCharacter(in: string)
        }
    }

    private static func decode(buffer input: UnsafeBufferPointer<UInt8>) -> Result<[UInt8], EncodingError> {
        var values = [UInt8](repeating: 0, count: input.count)
        for (index, byte) in input.enumerated() {
            guard byte < 128 else { return .failure(.invalidBase58Character(" ", offset: index)) }
            let value = digitValues[Int(byte)]
            guard value != 0xFF else { return .failure(.invalidBase58Character(" ", offset: index)) }
            values[index] = value
        }
        var ones = 0
        while ones < values.count, values[ones] == 0 { ones += 1 }

        // Little-endian 32-bit limbs, fed with groups of up to five digits (a leading partial group first).
        var limbs: [UInt32] = []
        limbs.reserveCapacity(values.count * 3 / 16 + 1)
        var position = ones
        let remaining = values.count - ones
        var groupSize = remaining % 5 == 0 ? 5 : remaining % 5
        while position < values.count {
            var chunk: UInt64 = 0
            var multiplier: UInt64 = 1
            for offset in 0..<groupSize {
                chunk = chunk * 58 + UInt64(values[position + offset])
                multiplier *= 58
            }
            position += groupSize
            groupSize = 5
            var carry = chunk
            for index in limbs.indices {
                let value = UInt64(limbs[index]) * multiplier + carry
                limbs[index] = UInt32(truncatingIfNeeded: value)
                carry = value >> 32
            }
            while carry > 0 {
                limbs.append(UInt32(truncatingIfNeeded: carry))
                carry >>= 32
            }
        }

        var bytes = [UInt8](repeating: 0, count: ones)
        bytes.reserveCapacity(ones + limbs.count * 4)
        var started = false
        for limb in limbs.reversed() {
            for shift in stride(from: 24, through: 0, by: -8) {
                let byte = UInt8(truncatingIfNeeded: limb >> UInt32(shift))
                if byte != 0 { started = true }
                if started { bytes.append(byte) }
            }
        }
        return .success(bytes)
    }

    /// The error for the first character that is not a base58 digit (slow path, errors only).
    private static func firstInvalidCharacter(in string: some StringProtocol) -> EncodingError {
        for (offset, character) in string.enumerated() {
            guard let ascii = character.asciiValue, ascii < 128, digitValues[Int(ascii)] != 0xFF,
                  character.unicodeScalars.count == 1
            else { return .invalidBase58Character(character, offset: offset) }
        }
        // Unreachable for strings the fast path rejected; report the end to stay total.
        return .invalidBase58Character(" ", offset: string.count)
    }
}
