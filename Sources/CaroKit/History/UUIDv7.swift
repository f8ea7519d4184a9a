import JazzProto

/// UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, then random bits, so IDs sort by time.
public enum UUIDv7 {
    /// A new ID for an entry created at `milliseconds` since the epoch, as a lowercase string.
    public static func make(milliseconds: Int64) -> String {
        var generator = SystemRandomNumberGenerator()
        return make(milliseconds: milliseconds, random: generator.next(), generator.next())
    }

    /// A new ID for an entry created at `milliseconds`, its random bits from `random` (a ``RandomBits``
    /// when making many IDs: the system generator makes one system call per 64 bits).
    public static func make(milliseconds: Int64, using random: inout some RandomNumberGenerator) -> String {
        make(milliseconds: milliseconds, random: random.next(), random.next())
    }

    /// The ID for `milliseconds` with the given 128 random bits (only 74 are used): for tests.
    static func make(milliseconds: Int64, random high: UInt64, _ low: UInt64) -> String {
        let time = UInt64(bitPattern: max(milliseconds, 0)) & 0xFFFF_FFFF_FFFF
        // time (48) | version 7 (4) | rand_a (12)
        let first = time << 16 | 0x7000 | (high & 0x0FFF)
        // variant 10 (2) | rand_b (62)
        let second = 0x8000_0000_0000_0000 | (low & 0x3FFF_FFFF_FFFF_FFFF)
        // Written straight into the string's storage (one per recorded or imported command).
        return String(unsafeUninitializedCapacity: 36) { text in
            var position = 0
            for index in 0..<16 {
                if index == 4 || index == 6 || index == 8 || index == 10 {
                    text[position] = UInt8(ascii: "-")
                    position += 1
                }
                let word = index < 8 ? first : second
                let byte = UInt8(truncatingIfNeeded: word >> UInt64(56 - 8 * (index & 7)))
                text[position] = hexDigit(byte >> 4)
                text[position + 1] = hexDigit(byte & 0x0F)
                position += 2
            }
            return position
        }
    }

    /// System randomness (libsodium's, as for keys) fetched 4 KiB at a time: one `getrandom` per 256 IDs
    /// instead of two per ID (an import of 100 000 lines made 200 000 `getrandom` calls).
    public struct RandomBits: RandomNumberGenerator {
        private var words = [UInt64](repeating: 0, count: 512)
        private var position = 512

        public init() {}

        public mutating func next() -> UInt64 {
            if position == words.count {
                let bytes = SecureRandom.bytes(words.count * 8)
                words.withUnsafeMutableBytes { raw in raw.copyBytes(from: bytes) }
                position = 0
            }
            defer { position += 1 }
            return words[position]
        }
    }

    /// The lower-case hexadecimal digit of `value` (0…15).
    static func hexDigit(_ value: UInt8) -> UInt8 { value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10 }
}
