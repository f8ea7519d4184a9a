/// A dictionary key that compares strings by their exact UTF-8 bytes, as JavaScript compares property
/// names, instead of Swift's canonical equivalence (`"é"` and `"e\u{301}"` are different keys here).
struct ExactStringKey: Hashable, Sendable {
    let string: String

    init(_ string: String) { self.string = string }

    static func == (lhs: ExactStringKey, rhs: ExactStringKey) -> Bool {
        sameBytes(lhs.string, rhs.string)
    }

    /// True iff both strings have exactly the same UTF-8 bytes (no canonical equivalence). Strings that
    /// share storage (copies of one value) are recognised without reading the bytes.
    static func sameBytes(_ lhs: String, _ rhs: String) -> Bool {
        let left = lhs.utf8
        let right = rhs.utf8
        guard left.count == right.count else { return false }
        let fast: Bool?? = left.withContiguousStorageIfAvailable { leftBuffer in
            right.withContiguousStorageIfAvailable { rightBuffer in
                guard let leftBase = leftBuffer.baseAddress, let rightBase = rightBuffer.baseAddress else { return true }
                if leftBase == rightBase { return true }
                return RawBytes.equal(leftBase, rightBase, count: leftBuffer.count)
            }
        }
        if let fast, let fast { return fast }
        return left.elementsEqual(right)
    }

    func hash(into hasher: inout Hasher) {
        let hashedContiguously: Void? = string.utf8.withContiguousStorageIfAvailable { buffer in
            hasher.combine(bytes: UnsafeRawBufferPointer(buffer))
        }
        if hashedContiguously == nil {
            for byte in string.utf8 { hasher.combine(byte) }
        }
        hasher.combine(0xFF as UInt8)  // terminator: no valid UTF-8 contains 0xFF
    }
}
