import CSodium
import CWebSockets

/// Client frames (RFC 6455 §5.2-5.3) for a raw connection: a header and a masking key written just
/// before the payload, and the payload masked where it lies, so a frame goes out in one write.
enum ClientFrame {
    /// The longest header: 2 bytes, 8 of length, 4 of masking key.
    static let maxHeaderBytes = 14

    /// Frames the `count` bytes at `payload` in place: writes the header into the `maxHeaderBytes`
    /// before `payload` (which the caller owns) and masks the payload. Returns where the frame starts.
    static func frame(opcode: UInt8, final: Bool, payload: UnsafeMutablePointer<UInt8>, count: Int)
        -> (start: UnsafeMutablePointer<UInt8>, count: Int)
    {
        var key: UInt32 = 0
        SodiumLibrary.ensureInitialized()
        withUnsafeMutableBytes(of: &key) { randombytes_buf($0.baseAddress!, 4) }
        let lengthBytes = count < 126 ? 0 : count <= 0xFFFF ? 2 : 8
        let headerCount = 2 + lengthBytes + 4
        let start = payload - headerCount
        start[0] = (final ? 0x80 : 0) | opcode
        switch lengthBytes {
        case 0:
            start[1] = 0x80 | UInt8(count)
        case 2:
            start[1] = 0x80 | 126
            start[2] = UInt8(count >> 8)
            start[3] = UInt8(count & 0xFF)
        default:
            start[1] = 0x80 | 127
            for index in 0..<8 { start[2 + index] = UInt8(truncatingIfNeeded: UInt64(count) >> (56 - 8 * index)) }
        }
        withUnsafeBytes(of: key) { keyBytes in
            for index in 0..<4 { start[2 + lengthBytes + index] = keyBytes[index] }
        }
        mask(payload, count: count, key: key)
        return (start, headerCount + count)
    }

    /// A whole control or small frame in a buffer of its own (with lws's headroom before it).
    static func standalone(opcode: UInt8, payload: [UInt8]) -> [UInt8] {
        let headroom = Int(caro_lws_pre)
        var buffer = [UInt8](repeating: 0, count: headroom + payload.count)
        buffer.replaceSubrange(headroom..., with: payload)
        let frameStart = buffer.withUnsafeMutableBufferPointer { pointer -> Int in
            let framed = frame(opcode: opcode, final: true, payload: pointer.baseAddress! + headroom, count: payload.count)
            return framed.start - pointer.baseAddress!
        }
        return Array(buffer[frameStart...])
    }

    /// A close frame with `code`.
    static func close(code: UInt16) -> [UInt8] {
        standalone(opcode: 0x8, payload: [UInt8(code >> 8), UInt8(code & 0xFF)])
    }

    /// XORs `count` bytes with the 4-byte `key` (in memory order), eight bytes at a time.
    static func mask(_ bytes: UnsafeMutablePointer<UInt8>, count: Int, key: UInt32) {
        let wide = UInt64(key) | UInt64(key) << 32
        var index = 0
        let raw = UnsafeMutableRawPointer(bytes)
        while index + 8 <= count {
            let value = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            raw.storeBytes(of: value ^ wide, toByteOffset: index, as: UInt64.self)
            index += 8
        }
        withUnsafeBytes(of: key) { keyBytes in
            while index < count {
                bytes[index] ^= keyBytes[index & 3]
                index += 1
            }
        }
    }

    /// Writes `bytes` (a standalone frame, the upgrade request) to a raw connection, copied behind lws's
    /// headroom; false if lws refused them.
    @discardableResult
    static func write(_ bytes: [UInt8], to wsi: OpaquePointer) -> Bool {
        var copy = [UInt8](repeating: 0, count: Int(caro_lws_pre)) + bytes
        return copy.withUnsafeMutableBufferPointer { buffer in
            lws_write(wsi, buffer.baseAddress! + Int(caro_lws_pre), bytes.count, caro_lws_write_raw) >= 0
        }
    }
}
