import JazzProto

/// The JSON parser and both serializers. Any bytes either fail to parse with a typed error, or give a
/// value whose `jsonStringify` and `stableStringify` texts parse back to the same value and print
/// identically again. Exceptions, as in JavaScript: ±infinity (from overflowing literals) prints as
/// `null`; `stableStringify` copies strings starting with `encrypted_U`/`binary_U` verbatim, so such a
/// string with a quote or a control character does not round-trip (cojson's quirk, kept on purpose).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let parsed = try? JSONValue(parsing: bytes)

    // The String and raw-buffer entry points agree with the [UInt8] one.
    let viaBuffer = bytes.withUnsafeBytes { try? JSONValue(parsing: $0) }
    check(viaBuffer?.stableStringifyUTF8() == parsed?.stableStringifyUTF8(), "buffer and array parsing disagree", bytes)
    let string = String(decoding: bytes, as: UTF8.self)
    if string.utf8.elementsEqual(bytes) {
        let viaString = try? JSONValue(parsing: string)
        check(viaString?.stableStringifyUTF8() == parsed?.stableStringifyUTF8(), "String and array parsing disagree", bytes)
    }
    guard let value = parsed else { return 0 }
    let finite = isFinite(value)

    let plain = value.jsonStringify()
    guard let plainAgain = try? JSONValue(parsing: plain) else { fail("jsonStringify output does not parse: \(plain.debugDescription)", bytes) }
    if finite { check(plainAgain == value, "jsonStringify round trip changed the value: \(plain.debugDescription)", bytes) }
    check(plainAgain.jsonStringify() == plain || !finite, "jsonStringify is not a fixed point: \(plain.debugDescription)", bytes)

    guard !hasVerbatimString(value) else { return 0 }
    let stable = value.stableStringify()
    check(Array(stable.utf8) == value.stableStringifyUTF8(), "stableStringify and stableStringifyUTF8 disagree", bytes)
    guard let stableAgain = try? JSONValue(parsing: stable) else { fail("stableStringify output does not parse: \(stable.debugDescription)", bytes) }
    if finite { check(stableAgain == value, "stableStringify round trip changed the value: \(stable.debugDescription)", bytes) }
    check(stableAgain.stableStringify() == stable, "stableStringify is not a fixed point: \(stable.debugDescription)", bytes)
    check(plainAgain.stableStringify() == stable, "the two serializers disagree on the value: \(stable.debugDescription)", bytes)
    return 0
}

private func isFinite(_ value: JSONValue) -> Bool {
    switch value {
    case .number(let number): return number.isFinite
    case .array(let items): return items.allSatisfy(isFinite)
    case .object(let object): return object.values.allSatisfy(isFinite)
    default: return true
    }
}

private func hasVerbatimString(_ value: JSONValue) -> Bool {
    func verbatim(_ units: some Sequence<UInt16>) -> Bool {
        units.starts(with: "encrypted_U".utf16) || units.starts(with: "binary_U".utf16)
    }
    switch value {
    case .string(let string): return verbatim(string.utf16)
    case .utf16String(let units): return verbatim(units)
    case .array(let items): return items.contains(where: hasVerbatimString)
    case .object(let object): return object.keys.contains { verbatim($0.utf16) } || object.values.contains(where: hasVerbatimString)
    default: return false
    }
}

private func check(_ condition: Bool, _ message: @autoclosure () -> String, _ input: [UInt8]) {
    if !condition { fail(message(), input) }
}

private func fail(_ message: String, _ input: [UInt8]) -> Never {
    fatalError("\(message) (input: \(String(decoding: input, as: UTF8.self).debugDescription))")
}
