/// A JSON object that keeps member insertion order. Equality and hashing ignore order.
///
/// Keys are compared code point by code point (JavaScript semantics), not with Swift's canonical
/// equivalence: `"é"` (U+00E9) and `"e\u{301}"` are two different keys.
///
/// Printing order is decided by the serializers: ``JSONValue/jsonStringify()`` uses JavaScript
/// property order, ``JSONValue/stableStringify()`` sorts.
public struct JSONObject: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    /// Keys in insertion order, parallel to `storedValues`.
    private var storedKeys: [String]
    private var storedValues: [JSONValue]
    /// Key -> position, built only for objects larger than `linearSearchLimit`.
    private var positions: [ExactKey: Int]?

    /// Up to this many members, lookups scan the keys (faster than hashing for small objects).
    private static let linearSearchLimit = 12

    /// An empty object.
    public init() {
        storedKeys = []
        storedValues = []
        positions = nil
    }

    /// An object with these members in this order. A later duplicate key overwrites the value but keeps
    /// the first position (like `JSON.parse`).
    public init(_ members: [(String, JSONValue)]) {
        self.init()
        storedKeys.reserveCapacity(members.count)
        storedValues.reserveCapacity(members.count)
        for (key, value) in members { setValue(value, forKey: key) }
    }

    private init(keys: [String], values: [JSONValue], positions: [ExactKey: Int]?) {
        storedKeys = keys
        storedValues = values
        self.positions = positions
    }

    /// An object from parallel key and value arrays as a parser collected them; duplicate keys are
    /// resolved like ``init(_:)``.
    static func parsed(keys: [String], values: [JSONValue]) -> JSONObject {
        if keys.count <= linearSearchLimit {
            for index in keys.indices.dropFirst() {
                for earlier in 0..<index where JSONStrings.utf8Equal(keys[earlier], keys[index]) {
                    return JSONObject(Array(zip(keys, values)))
                }
            }
            return JSONObject(keys: keys, values: values, positions: nil)
        }
        var table = [ExactKey: Int](minimumCapacity: keys.count)
        for (index, key) in keys.enumerated() { table[ExactKey(key)] = index }
        guard table.count == keys.count else { return JSONObject(Array(zip(keys, values))) }
        return JSONObject(keys: keys, values: values, positions: table)
    }

    /// An object from parallel key and value arrays whose keys are known to be distinct.
    static func parsed(uniqueKeys keys: [String], values: [JSONValue]) -> JSONObject {
        if keys.count <= linearSearchLimit { return JSONObject(keys: keys, values: values, positions: nil) }
        return parsed(keys: keys, values: values)
    }

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements)
    }

    /// The keys in insertion order.
    public var keys: [String] { storedKeys }

    /// The values in insertion order (parallel to ``keys``).
    public var values: [JSONValue] { storedValues }

    /// The number of members.
    public var count: Int { storedKeys.count }

    /// Whether the object has no members.
    public var isEmpty: Bool { storedKeys.isEmpty }

    /// The value of `key`. Setting a new key appends it; setting an existing key replaces the value in
    /// place; setting `nil` removes the member.
    public subscript(key: String) -> JSONValue? {
        get {
            guard let position = position(of: key) else { return nil }
            return storedValues[position]
        }
        set {
            if let newValue {
                setValue(newValue, forKey: key)
            } else {
                removeValue(forKey: key)
            }
        }
    }

    /// Removes `key` and returns its value, if it was present. Later members keep their order.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        guard let position = position(of: key) else { return nil }
        storedKeys.remove(at: position)
        let removed = storedValues.remove(at: position)
        rebuildPositions()
        return removed
    }

    /// Sets `value` for `key`: replaces in place when present, appends otherwise.
    mutating func setValue(_ value: JSONValue, forKey key: String) {
        if let position = position(of: key) {
            storedValues[position] = value
            return
        }
        storedKeys.append(key)
        storedValues.append(value)
        if positions != nil {
            positions?[ExactKey(key)] = storedKeys.count - 1
        } else if storedKeys.count > Self.linearSearchLimit {
            rebuildPositions()
        }
    }

    /// The member at `position` in insertion order (for the serializers).
    func member(at position: Int) -> (key: String, value: JSONValue) {
        (storedKeys[position], storedValues[position])
    }

    /// The position of `key` in insertion order, if present.
    func index(forKey key: String) -> Int? { position(of: key) }

    /// The value at `position` in insertion order.
    func value(at position: Int) -> JSONValue { storedValues[position] }

    /// Whether both objects use one stored key list (then every key is at the same position in both).
    /// The parser shares equal key lists between the objects it makes.
    func sharesKeyStorage(with other: JSONObject) -> Bool {
        storedKeys.withUnsafeBufferPointer { mine in
            other.storedKeys.withUnsafeBufferPointer { theirs in
                mine.baseAddress == theirs.baseAddress && mine.count == theirs.count
            }
        }
    }

    private func position(of key: String) -> Int? {
        if let positions { return positions[ExactKey(key)] }
        for index in storedKeys.indices where JSONStrings.utf8Equal(storedKeys[index], key) { return index }
        return nil
    }

    private mutating func rebuildPositions() {
        guard storedKeys.count > Self.linearSearchLimit else {
            positions = nil
            return
        }
        var table = [ExactKey: Int](minimumCapacity: storedKeys.count)
        for (index, key) in storedKeys.enumerated() { table[ExactKey(key)] = index }
        positions = table
    }

    // MARK: Sequence

    /// Iterates the members in insertion order.
    public struct Iterator: IteratorProtocol {
        private let object: JSONObject
        private var position = 0

        init(_ object: JSONObject) { self.object = object }

        public mutating func next() -> (key: String, value: JSONValue)? {
            guard position < object.count else { return nil }
            defer { position += 1 }
            return object.member(at: position)
        }
    }

    public func makeIterator() -> Iterator { Iterator(self) }

    public var underestimatedCount: Int { count }

    // MARK: Equality and hashing (order-independent)

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for index in lhs.storedKeys.indices {
            // Fast path: same key at the same position (the usual case for equal objects).
            if index < rhs.count, JSONStrings.utf8Equal(lhs.storedKeys[index], rhs.storedKeys[index]) {
                guard lhs.storedValues[index] == rhs.storedValues[index] else { return false }
                continue
            }
            guard let other = rhs[lhs.storedKeys[index]], other == lhs.storedValues[index] else { return false }
        }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        // Order-independent: sum of per-member hashes.
        var sum = 0
        for index in storedKeys.indices {
            var memberHasher = Hasher()
            JSONStrings.hashUTF8(storedKeys[index], into: &memberHasher)
            memberHasher.combine(storedValues[index])
            sum = sum &+ memberHasher.finalize()
        }
        hasher.combine(sum)
    }

    /// A dictionary key that compares strings by code points (not canonical equivalence).
    private struct ExactKey: Hashable, Sendable {
        let string: String
        init(_ string: String) { self.string = string }
        static func == (lhs: ExactKey, rhs: ExactKey) -> Bool { JSONStrings.utf8Equal(lhs.string, rhs.string) }
        func hash(into hasher: inout Hasher) { JSONStrings.hashUTF8(string, into: &hasher) }
    }
}

extension JSONObject: CustomStringConvertible {
    /// The object as `JSON.stringify` prints it.
    public var description: String { JSONValue.object(self).jsonStringify() }
}
