/// The `import_key` of an imported command: what makes importing the same file twice add nothing.
///
/// For a command with a time it is the shell, the second, the command's occurrence among identical
/// (second, command) pairs of the file, and a 64-bit FNV-1a hash of the text; for one without a time
/// the line number takes the second's place (so untimed files are de-duplicated line by line).
/// Built byte by byte: an import makes one per command.
enum ImportKey {
    static func timed(shell: HistoryShell, seconds: Int64, occurrence: Int, hash: UInt64) -> String {
        make(shell, tag: UInt8(ascii: "t"), seconds, occurrence: occurrence, hash)
    }

    static func untimed(shell: HistoryShell, line: Int, hash: UInt64) -> String {
        make(shell, tag: UInt8(ascii: "l"), Int64(line), occurrence: nil, hash)
    }

    /// FNV-1a over the UTF-8 bytes.
    static func hash(_ text: String) -> UInt64 {
        var text = text
        return text.withUTF8 { bytes in
            var value: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in bytes {
                value ^= UInt64(byte)
                value &*= 0x0000_0100_0000_01B3
            }
            return value
        }
    }

    /// `<shell>:<tag><number>[.<occurrence>]:<16 hex digits>`.
    private static func make(_ shell: HistoryShell, tag: UInt8, _ number: Int64, occurrence: Int?, _ hash: UInt64) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(48)
        bytes.append(contentsOf: shell.rawValue.utf8)
        bytes.append(UInt8(ascii: ":"))
        bytes.append(tag)
        appendDecimal(number, to: &bytes)
        if let occurrence {
            bytes.append(UInt8(ascii: "."))
            appendDecimal(Int64(occurrence), to: &bytes)
        }
        bytes.append(UInt8(ascii: ":"))
        for shift in stride(from: 60, through: 0, by: -4) { bytes.append(UUIDv7.hexDigit(UInt8((hash >> UInt64(shift)) & 0xF))) }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func appendDecimal(_ value: Int64, to bytes: inout [UInt8]) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        let magnitude = value.magnitude
        var divisor: UInt64 = 1
        while divisor <= magnitude / 10 { divisor *= 10 }
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(magnitude / divisor % 10))
            divisor /= 10
        }
    }
}
