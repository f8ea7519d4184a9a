/// UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, then random bits, so IDs sort by time.
public enum UUIDv7 {
    /// A new ID for an entry created at `milliseconds` since the epoch, as a lowercase string.
    public static func make(milliseconds: Int64) -> String {
        var generator = SystemRandomNumberGenerator()
        return make(milliseconds: milliseconds, random: generator.next(), generator.next())
    }

    /// The ID for `milliseconds` with the given 128 random bits (only 74 are used): for tests.
    static func make(milliseconds: Int64, random high: UInt64, _ low: UInt64) -> String {
        let time = UInt64(bitPattern: max(milliseconds, 0)) & 0xFFFF_FFFF_FFFF
        // time (48) | version 7 (4) | rand_a (12)
        let first = time << 16 | 0x7000 | (high & 0x0FFF)
        // variant 10 (2) | rand_b (62)
        let second = 0x8000_0000_0000_0000 | (low & 0x3FFF_FFFF_FFFF_FFFF)
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<8 {
            bytes[index] = UInt8(truncatingIfNeeded: first >> (56 - 8 * index))
            bytes[8 + index] = UInt8(truncatingIfNeeded: second >> (56 - 8 * index))
        }
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(36)
        for (index, byte) in bytes.enumerated() {
            if index == 4 || index == 6 || index == 8 || index == 10 { text.append(UInt8(ascii: "-")) }
            text.append(hex[Int(byte >> 4)])
            text.append(hex[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
