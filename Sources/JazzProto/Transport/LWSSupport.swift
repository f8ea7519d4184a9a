import CWebSockets
import Glibc

/// C strings handed to lws that must outlive the context (protocol names, certificate paths,
/// interface, vhost names). Freed when the owner (and thus the context) is gone.
final class CStringStore {
    private var pointers: [UnsafeMutablePointer<CChar>] = []

    /// A NUL-terminated copy of `string` that lives as long as this store.
    func keep(_ string: String) -> UnsafePointer<CChar> {
        let bytes = string.utf8CString
        let copy = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count)
        bytes.withUnsafeBufferPointer { buffer in
            if let base = buffer.baseAddress { copy.initialize(from: base, count: buffer.count) }
        }
        pointers.append(copy)
        return UnsafePointer(copy)
    }

    func keep(_ string: String?) -> UnsafePointer<CChar>? {
        string.map { keep($0) }
    }

    deinit {
        for pointer in pointers { pointer.deallocate() }
    }
}

/// The C type of an lws protocol callback.
typealias LWSCallback = @convention(c) (
    OpaquePointer?, lws_callback_reasons, UnsafeMutableRawPointer?, UnsafeMutableRawPointer?, Int
) -> Int32

/// A zero-terminated `lws_protocols` array with one protocol, kept for the context lifetime.
final class ProtocolTable {
    let pointer: UnsafeMutablePointer<lws_protocols>

    init(name: UnsafePointer<CChar>, callback: LWSCallback, bufferSize: Int) {
        pointer = .allocate(capacity: 2)
        var entry = lws_protocols()
        entry.name = name
        entry.callback = callback
        entry.per_session_data_size = 0
        entry.rx_buffer_size = bufferSize
        entry.tx_packet_size = bufferSize
        pointer.initialize(to: entry)
        (pointer + 1).initialize(to: lws_protocols())
    }

    deinit {
        pointer.deinitialize(count: 2)
        pointer.deallocate()
    }
}

enum LWS {
    /// Receive buffer and send packet size (a 1 MiB message arrives in 16 callbacks).
    static let bufferSize = 64 * 1024
    /// Payload per outgoing fragment, leaving room for the frame header within `bufferSize`.
    static let fragmentSize = 64 * 1024 - 64

    /// The value of a request header, if present (server side, during the handshake).
    static func header(_ wsi: OpaquePointer, _ token: lws_token_indexes) -> String? {
        let length = Int(lws_hdr_total_length(wsi, token))
        guard length > 0 else { return nil }
        var buffer = [CChar](repeating: 0, count: length + 1)
        let copied = lws_hdr_copy(wsi, &buffer, Int32(buffer.count), token)
        guard copied >= 0 else { return nil }
        return String(decoding: buffer.prefix(Int(copied)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The peer's numeric address.
    static func peerAddress(_ wsi: OpaquePointer) -> String {
        var buffer = [CChar](repeating: 0, count: 128)
        guard lws_get_peer_simple(wsi, &buffer, buffer.count) != nil else { return "unknown" }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        let address = String(decoding: bytes, as: UTF8.self)
        // The listening socket is dual-stack: show IPv4 peers as plain IPv4.
        if address.hasPrefix("::ffff:"), address.contains(".") { return String(address.dropFirst(7)) }
        return address
    }

    /// A C string from an lws `in` argument of `length` bytes (not necessarily terminated).
    static func string(_ pointer: UnsafeMutableRawPointer?, length: Int) -> String? {
        guard let pointer, length > 0 else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self)
    }

    /// A NUL-terminated C string from an lws `in` argument.
    static func cString(_ pointer: UnsafeMutableRawPointer?) -> String? {
        guard let pointer else { return nil }
        return String(cString: pointer.assumingMemoryBound(to: CChar.self))
    }

    /// Packs a small integer into the per-connection opaque pointer.
    static func opaque(_ value: UInt64) -> UnsafeMutableRawPointer? {
        UnsafeMutableRawPointer(bitPattern: UInt(value))
    }

    static func opaqueValue(_ wsi: OpaquePointer) -> UInt64? {
        guard let pointer = lws_get_opaque_user_data(wsi) else { return nil }
        return UInt64(UInt(bitPattern: pointer))
    }
}

/// Minimal JSON string quoting (for the ping's `dc` field).
enum JSONQuote {
    static func quoted(_ string: String) -> String {
        var result = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }
}
