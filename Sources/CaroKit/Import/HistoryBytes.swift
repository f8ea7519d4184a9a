import Foundation

/// Byte-level helpers the history parsers share: line splitting, garbage detection, decoding, epochs.
/// Everything works on raw buffers so a 100 000-line file is read without per-byte allocation.
enum HistoryBytes {
    static let newline: UInt8 = 0x0A
    static let carriageReturn: UInt8 = 0x0D
    static let backslash: UInt8 = 0x5C
    static let hash: UInt8 = 0x23
    static let space: UInt8 = 0x20
    static let colon: UInt8 = 0x3A
    static let semicolon: UInt8 = 0x3B
    static let dash: UInt8 = 0x2D
    static let zero: UInt8 = 0x30
    static let nine: UInt8 = 0x39

    /// The last second a history timestamp may name (9999-12-31T23:59:59Z); later ones are corrupt.
    static let maximumEpoch = 253_402_300_799

    /// Calls `body` with each line's byte range (without its `\n` and a trailing `\r`) and its 1-based
    /// number. A last line without a newline is still a line; an empty file has none.
    @inline(__always)
    static func forEachLine(_ buffer: UnsafeBufferPointer<UInt8>, _ body: (Range<Int>, Int) -> Void) {
        var start = 0
        var number = 1
        let count = buffer.count
        while start < count {
            var end = start
            while end < count && buffer[end] != newline { end += 1 }
            var contentEnd = end
            if contentEnd > start && buffer[contentEnd - 1] == carriageReturn { contentEnd -= 1 }
            body(start..<contentEnd, number)
            number += 1
            start = end + 1
        }
    }

    /// True when `bytes` cannot be a command someone typed: it holds a NUL byte, or at least a quarter of
    /// its bytes are control characters or invalid UTF-8 (binary garbage, UTF-16 text). A few stray
    /// Latin-1 bytes in a command are not garbage: they are decoded as U+FFFD.
    static func isGarbage(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let count = bytes.count
        if count == 0 { return false }
        var bad = 0
        var index = 0
        while index < count {
            let byte = bytes[index]
            if byte < 0x80 {
                if byte == 0 { return true }
                if (byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x1B) || byte == 0x7F { bad += 1 }
                index += 1
                continue
            }
            let length = sequenceLength(lead: byte)
            if length == 0 || index + length > count {
                bad += 1
                index += 1
                continue
            }
            var valid = true
            for offset in 1..<length where bytes[index + offset] & 0xC0 != 0x80 { valid = false }
            if valid {
                index += length
            } else {
                bad += 1
                index += 1
            }
        }
        return bad * 4 > count
    }

    /// The length of the UTF-8 sequence a lead byte starts, or 0 when it cannot start one.
    @inline(__always)
    private static func sequenceLength(lead: UInt8) -> Int {
        switch lead {
        case 0xC2...0xDF: return 2
        case 0xE0...0xEF: return 3
        case 0xF0...0xF4: return 4
        default: return 0
        }
    }

    /// The bytes as a string; invalid UTF-8 becomes U+FFFD.
    @inline(__always)
    static func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    /// Parses an unsigned decimal number filling `bytes` exactly, saturating at `Int.max`;
    /// nil when `bytes` is empty or holds anything but digits.
    static func decimal(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        if bytes.isEmpty { return nil }
        var value = 0
        for byte in bytes {
            guard byte >= zero && byte <= nine else { return nil }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int(byte - zero))
            value = overflow1 || overflow2 ? Int.max : sum
        }
        return value
    }

    /// A Unix time in seconds as a date, or nil when it is past year 9999 (a corrupt value).
    static func date(epochSeconds: Int) -> Date? {
        guard epochSeconds >= 0 && epochSeconds <= maximumEpoch else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(epochSeconds))
    }

    /// True when the bytes at `range` start with `prefix`.
    @inline(__always)
    static func hasPrefix(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ prefix: StaticString) -> Bool {
        let length = prefix.utf8CodeUnitCount
        guard range.count >= length else { return false }
        let pointer = prefix.utf8Start
        for offset in 0..<length where buffer[range.lowerBound + offset] != pointer[offset] { return false }
        return true
    }
}

extension UnsafeBufferPointer where Element == UInt8 {
    /// The bytes at `range` as their own buffer (no copy).
    @inline(__always)
    func slice(_ range: Range<Int>) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: self[range])
    }
}
