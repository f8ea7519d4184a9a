/// Writes an `Encodable` value as one line of compact JSON, straight into a byte buffer, in the order
/// the value encodes its fields (Foundation's JSONEncoder builds a tree of boxed values first, which
/// made `caro history search --json` spend most of its time encoding). Handles what the `Output`
/// structs use: objects, arrays, strings, booleans, integers, finite doubles and null.
enum JSONLineEncoder {
    struct NonFiniteNumber: Error, CustomStringConvertible {
        var description: String { "a number in the output is not finite, which JSON cannot carry" }
    }

    static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let buffer = JSONBuffer()
        let encoder = JSONStreamEncoder(buffer: buffer)
        try value.encode(to: encoder)
        encoder.finish()
        return buffer.bytes
    }
}

/// The bytes written so far, shared by the encoders of one value.
final class JSONBuffer {
    var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(4_096) }

    func string(_ text: String) {
        let utf8 = text.utf8
        // Most text needs no escaping: copy it in one append.
        guard utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else {
            bytes.append(UInt8(ascii: "\""))
            bytes.append(contentsOf: utf8)
            bytes.append(UInt8(ascii: "\""))
            return
        }
        var escaped: [UInt8] = [UInt8(ascii: "\"")]
        escaped.reserveCapacity(utf8.count + 16)
        let hex = Array("0123456789abcdef".utf8)
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "\""): escaped += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): escaped += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case UInt8(ascii: "\n"): escaped += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case UInt8(ascii: "\r"): escaped += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case UInt8(ascii: "\t"): escaped += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0..<0x20: escaped += [UInt8(ascii: "\\"), UInt8(ascii: "u"), 48, 48, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: escaped.append(byte)
            }
        }
        escaped.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: escaped)
    }

    func raw(_ text: String) { bytes += text.utf8 }
}

/// One JSON value being written: it opens an object or array when asked for a container and closes
/// it in ``finish()``, which its parent calls once the value has encoded itself.
final class JSONStreamEncoder: Encoder {
    enum Opened { case nothing, object, array, single }

    let buffer: JSONBuffer
    var opened = Opened.nothing
    var count = 0
    /// A nested container handed out by one of our containers, closed before the next member.
    var pending: JSONStreamEncoder?
    var codingPath: [CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] = [:]

    init(buffer: JSONBuffer) { self.buffer = buffer }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if opened == .nothing {
            opened = .object
            buffer.bytes.append(UInt8(ascii: "{"))
        }
        return KeyedEncodingContainer(KeyedJSON<Key>(encoder: self))
    }

    func unkeyedContainer() -> UnkeyedEncodingContainer {
        if opened == .nothing {
            opened = .array
            buffer.bytes.append(UInt8(ascii: "["))
        }
        return UnkeyedJSON(encoder: self)
    }

    func singleValueContainer() -> SingleValueEncodingContainer {
        opened = .single
        return SingleJSON(encoder: self)
    }

    func finish() {
        closePending()
        switch opened {
        case .object: buffer.bytes.append(UInt8(ascii: "}"))
        case .array: buffer.bytes.append(UInt8(ascii: "]"))
        case .nothing: buffer.raw("{}")
        case .single: break
        }
    }

    /// Writes the separator before the next member.
    func next() {
        closePending()
        if count > 0 { buffer.bytes.append(UInt8(ascii: ",")) }
        count += 1
    }

    private func closePending() {
        pending?.finish()
        pending = nil
    }

    /// A child that writes a nested object or array into the same buffer (closed by ``finish()``).
    func nested(_ kind: Opened) -> JSONStreamEncoder {
        buffer.bytes.append(UInt8(ascii: kind == .object ? "{" : "["))
        let child = JSONStreamEncoder(buffer: buffer)
        child.opened = kind
        pending = child
        return child
    }

    /// Writes any value: primitives directly, everything else through a child encoder.
    func write<T: Encodable>(_ value: T) throws {
        switch value {
        case let text as String: buffer.string(text)
        case let flag as Bool: buffer.raw(flag ? "true" : "false")
        case let number as Int: buffer.raw(String(number))
        case let number as Int64: buffer.raw(String(number))
        case let number as Int32: buffer.raw(String(number))
        case let number as UInt64: buffer.raw(String(number))
        case let number as Double:
            guard number.isFinite else { throw JSONLineEncoder.NonFiniteNumber() }
            buffer.raw(number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number))
        default:
            let child = JSONStreamEncoder(buffer: buffer)
            try value.encode(to: child)
            child.finish()
        }
    }
}

struct KeyedJSON<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: JSONStreamEncoder
    var codingPath: [CodingKey] { encoder.codingPath }

    private func key(_ key: Key) {
        encoder.next()
        encoder.buffer.string(key.stringValue)
        encoder.buffer.bytes.append(UInt8(ascii: ":"))
    }

    mutating func encodeNil(forKey key: Key) throws {
        self.key(key)
        encoder.buffer.raw("null")
    }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        self.key(key)
        try encoder.write(value)
    }

    // The common field types, written without a dynamic cast.
    mutating func encode(_ value: String, forKey key: Key) throws {
        self.key(key)
        encoder.buffer.string(value)
    }

    mutating func encode(_ value: Bool, forKey key: Key) throws {
        self.key(key)
        encoder.buffer.raw(value ? "true" : "false")
    }

    mutating func encode(_ value: Int, forKey key: Key) throws {
        self.key(key)
        encoder.buffer.raw(String(value))
    }

    mutating func encode(_ value: Int64, forKey key: Key) throws {
        self.key(key)
        encoder.buffer.raw(String(value))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey>
    {
        self.key(key)
        return KeyedEncodingContainer(KeyedJSON<NestedKey>(encoder: encoder.nested(.object)))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> UnkeyedEncodingContainer {
        self.key(key)
        return UnkeyedJSON(encoder: encoder.nested(.array))
    }

    mutating func superEncoder() -> Encoder { encoder }
    mutating func superEncoder(forKey key: Key) -> Encoder { encoder }
}

struct UnkeyedJSON: UnkeyedEncodingContainer {
    let encoder: JSONStreamEncoder
    var codingPath: [CodingKey] { encoder.codingPath }
    var count: Int { encoder.count }

    mutating func encodeNil() throws {
        encoder.next()
        encoder.buffer.raw("null")
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        encoder.next()
        try encoder.write(value)
    }

    mutating func encode(_ value: String) throws {
        encoder.next()
        encoder.buffer.string(value)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        encoder.next()
        return KeyedEncodingContainer(KeyedJSON<NestedKey>(encoder: encoder.nested(.object)))
    }

    mutating func nestedUnkeyedContainer() -> UnkeyedEncodingContainer {
        encoder.next()
        return UnkeyedJSON(encoder: encoder.nested(.array))
    }

    mutating func superEncoder() -> Encoder { encoder }
}

struct SingleJSON: SingleValueEncodingContainer {
    let encoder: JSONStreamEncoder
    var codingPath: [CodingKey] { encoder.codingPath }

    mutating func encodeNil() throws { encoder.buffer.raw("null") }
    mutating func encode<T: Encodable>(_ value: T) throws { try encoder.write(value) }
}

extension KeyedEncodingContainer {
    /// Encodes `value`, or `null` when it is nil (the `Output` shapes always carry every key).
    mutating func encodeOrNull(_ value: String?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }

    mutating func encodeOrNull(_ value: Int?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }

    mutating func encodeOrNull(_ value: Int64?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
}
