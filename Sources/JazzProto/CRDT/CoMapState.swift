/// The view of a CoMap (jazz-sync §6.4), also usable for groups and accounts (their maps follow the same
/// latest-wins rule over the transactions the permission layer accepts).
///
/// Every key keeps all its ops sorted in §6.2 order (`madeAt`, session ID, `txIndex`, then `changeIdx`
/// inside one transaction). The key's value is its last op's value if that is a `set`; a `del` wins like a
/// `set`, and a later `set` revives the key. Ops are `{"op":"set","key":K,"value":V}` and
/// `{"op":"del","key":K}`; anything else is skipped and reported in ``skippedChanges`` (cojson would
/// treat any op other than `del` as a set, and file key-less ops under the key "undefined").
///
/// Time travel is cheap: per key the edits are sorted by `madeAt`, so ``value(forKey:atTime:)`` and
/// ``lastEdit(forKey:atTime:)`` are binary searches (O(log n)); ``atTime(_:)`` makes a filtered copy.
///
/// Key order of ``keys`` and ``json``: integer-like keys ("0", "17") first in numeric order, then the
/// others in the order of their first op (JS object semantics; cojson uses its processing order).
/// Keys are compared by exact code points (`"é"` ≠ `"e\u{301}"`). Keys that are not valid Unicode
/// (lone surrogates) cannot be represented and are skipped.
public struct CoMapState: Sendable, Equatable {
    /// Keys with their ops, ordered by each key's first op.
    private var slots: [Slot] = []
    private var slotIndex: [ExactStringKey: Int] = [:]
    /// Changes that could not be interpreted (skipped).
    public private(set) var skippedChanges: [CRDTError] = []

    private struct Slot: Sendable, Equatable {
        let key: String
        var edits: [CoMapEdit]
    }

    /// An empty map.
    public init() {}

    /// Builds the view from transactions in any order (invisible ones are ignored).
    public init(transactions: some Sequence<DecodedTransaction>) {
        let sorted = TransactionSorting.sorted(Array(transactions))
        guard !TransactionSorting.hasRepeatedIDs(sorted) else {
            // Two transactions with one ID (merged twice): their ops interleave, so insert them one by one.
            for position in sorted.indices where sorted[position].isVisible {
                apply(changes: sorted[position].changes, txID: sorted[position].txID, madeAt: sorted[position].madeAt)
            }
            return
        }
        // In sorted order with distinct IDs every op comes after the ops before it: it is appended to its
        // key's edits, and a new key's slot goes last (no order checks, no moving).
        var keys: [String] = []
        var editsBySlot: [[CoMapEdit]] = []
        var lookup: MemberLookup? = MemberLookup(Self.opMembers)
        for position in sorted.indices where sorted[position].isVisible {
            let changes = sorted[position].changes
            for changeIdx in changes.indices {
                switch Self.parseOp(changes[changeIdx], txID: sorted[position].txID, changeIdx: changeIdx, lookup: &lookup) {
                case .skipped(let error):
                    skippedChanges.append(error)
                case .edit(let key, let value):
                    let edit = CoMapEdit(txID: sorted[position].txID, madeAt: sorted[position].madeAt, changeIdx: changeIdx, value: value)
                    let exact = ExactStringKey(key)
                    if let slot = slotIndex[exact] {
                        editsBySlot[slot].append(edit)
                    } else {
                        slotIndex[exact] = keys.count
                        keys.append(key)
                        editsBySlot.append([edit])
                    }
                }
            }
        }
        slots.reserveCapacity(keys.count)
        for (key, edits) in zip(keys, editsBySlot) { slots.append(Slot(key: key, edits: edits)) }
    }

    /// `CoMapState(transactions:).json` without keeping every key's edit history (the cold-view path):
    /// the same latest-wins values and key order.
    public static func json(of transactions: some Sequence<DecodedTransaction>) -> JSONValue {
        let sorted = TransactionSorting.sorted(Array(transactions))
        guard !TransactionSorting.hasRepeatedIDs(sorted) else { return CoMapState(transactions: sorted).json }
        var keys: [String] = []
        var latest: [JSONValue?] = []
        var slotIndex: [ExactStringKey: Int] = [:]
        var lookup: MemberLookup? = MemberLookup(opMembers)
        for position in sorted.indices where sorted[position].isVisible {
            let changes = sorted[position].changes
            for changeIdx in changes.indices {
                guard case .edit(let key, let value) = parseOp(changes[changeIdx], txID: sorted[position].txID,
                                                               changeIdx: changeIdx, lookup: &lookup)
                else { continue }
                let exact = ExactStringKey(key)
                if let slot = slotIndex[exact] {
                    latest[slot] = value
                } else {
                    slotIndex[exact] = keys.count
                    keys.append(key)
                    latest.append(value)
                }
            }
        }
        var members: [(String, JSONValue)] = []
        members.reserveCapacity(keys.count)
        for (slot, key) in keys.enumerated() {
            if let value = latest[slot] { members.append((key, value)) }
        }
        return .object(JSONObject(javaScriptKeyOrder(members) { $0.0 }))
    }

    /// Adds one transaction's ops. Cheapest when transactions arrive in §6.2 order (each op is appended);
    /// an earlier transaction is inserted at its sorted place, so the result never depends on the order of
    /// `apply` calls. Invisible transactions are ignored.
    public mutating func apply(_ transaction: DecodedTransaction) {
        guard transaction.isVisible else { return }
        apply(changes: transaction.changes, txID: transaction.txID, madeAt: transaction.madeAt)
    }

    private mutating func apply(changes: [JSONValue], txID: TransactionID, madeAt: UInt64) {
        var lookup: MemberLookup? = nil
        for changeIdx in changes.indices {
            switch Self.parseOp(changes[changeIdx], txID: txID, changeIdx: changeIdx, lookup: &lookup) {
            case .skipped(let error):
                skippedChanges.append(error)
            case .edit(let key, let value):
                insert(CoMapEdit(txID: txID, madeAt: madeAt, changeIdx: changeIdx, value: value), forKey: key)
            }
        }
    }

    /// What one change does: set (`value`) or delete (`nil`) `key`, or nothing (skipped, with the reason).
    private enum ParsedOp: Sendable {
        case edit(key: String, value: JSONValue?)
        case skipped(CRDTError)
    }

    /// The members ``parseOp(_:txID:changeIdx:lookup:)`` reads, in the order of its lookup indices.
    private static let opMembers = ["op", "key", "value"]

    /// `lookup` (for ``opMembers``), when given, finds the members of ops sharing a key list faster.
    private static func parseOp(_ change: JSONValue, txID: TransactionID, changeIdx: Int, lookup: inout MemberLookup?) -> ParsedOp {
        guard case .object(let op) = change else {
            return .skipped(.malformedChange(txID: txID, changeIndex: changeIdx, reason: "a CoMap change must be an object"))
        }
        let opName: JSONValue?, keyValue: JSONValue?, setValue: JSONValue?
        if lookup != nil {
            lookup?.prepare(op)
            opName = lookup?.value(0, in: op)
            keyValue = lookup?.value(1, in: op)
            setValue = lookup?.value(2, in: op)
        } else {
            opName = op["op"]
            keyValue = op["key"]
            setValue = op["value"]
        }
        guard case .string(let key)? = keyValue else {
            return .skipped(.malformedChange(txID: txID, changeIndex: changeIdx, reason: "a CoMap op needs a string \"key\""))
        }
        switch opName {
        case .string("set"):
            guard let setValue else {
                return .skipped(.malformedChange(txID: txID, changeIndex: changeIdx, reason: "\"set\" without \"value\""))
            }
            return .edit(key: key, value: setValue)
        case .string("del"):
            return .edit(key: key, value: nil)
        default:
            let name = opName.map { $0.jsonStringify() } ?? "(missing)"
            return .skipped(.malformedChange(txID: txID, changeIndex: changeIdx, reason: "unknown CoMap op \(name)"))
        }
    }

    private mutating func insert(_ edit: CoMapEdit, forKey key: String) {
        let exact = ExactStringKey(key)
        guard let slot = slotIndex[exact] else {
            let newSlot = Slot(key: key, edits: [edit])
            if let last = slots.last, CoMapEdit.precedes(edit, last.edits[0]) {
                slots.append(newSlot)
                reorderSlot(at: slots.count - 1)
            } else {
                slotIndex[exact] = slots.count
                slots.append(newSlot)
            }
            return
        }
        if let last = slots[slot].edits.last, !CoMapEdit.precedes(edit, last) {
            slots[slot].edits.append(edit)
            return
        }
        let position = Self.insertionPoint(of: edit, in: slots[slot].edits)
        slots[slot].edits.insert(edit, at: position)
        if position == 0 { reorderSlot(at: slot) }
    }

    /// Moves a slot whose first op changed to its place among the others (rare: out-of-order `apply`).
    private mutating func reorderSlot(at index: Int) {
        let slot = slots.remove(at: index)
        var low = 0
        var high = slots.count
        while low < high {
            let mid = (low + high) / 2
            if CoMapEdit.precedes(slots[mid].edits[0], slot.edits[0]) { low = mid + 1 } else { high = mid }
        }
        slots.insert(slot, at: low)
        slotIndex.removeAll(keepingCapacity: true)
        for (position, existing) in slots.enumerated() { slotIndex[ExactStringKey(existing.key)] = position }
    }

    private static func insertionPoint(of edit: CoMapEdit, in edits: [CoMapEdit]) -> Int {
        var low = 0
        var high = edits.count
        while low < high {
            let mid = (low + high) / 2
            if CoMapEdit.precedes(edits[mid], edit) { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// Index of the first edit with `madeAt > t` (edits are sorted by `madeAt` first).
    private static func upperBound(madeAt t: UInt64, in edits: [CoMapEdit]) -> Int {
        var low = 0
        var high = edits.count
        while low < high {
            let mid = (low + high) / 2
            if edits[mid].madeAt <= t { low = mid + 1 } else { high = mid }
        }
        return low
    }

    // MARK: Reading

    /// The current value of `key` (`nil` if absent or deleted).
    public func value(forKey key: String) -> JSONValue? {
        lastEdit(forKey: key)?.value
    }

    /// Subscript form of ``value(forKey:)``.
    public subscript(key: String) -> JSONValue? { value(forKey: key) }

    /// The latest op on `key` (`set` or `del`), cojson `lastEditAt`.
    public func lastEdit(forKey key: String) -> CoMapEdit? {
        slotIndex[ExactStringKey(key)].flatMap { slots[$0].edits.last }
    }

    /// Every op on `key` in §6.2 order, cojson `editsAt`.
    public func edits(forKey key: String) -> [CoMapEdit] {
        slotIndex[ExactStringKey(key)].map { slots[$0].edits } ?? []
    }

    /// The value of `key` at time `t`: the last op with `madeAt ≤ t`. O(log n).
    public func value(forKey key: String, atTime t: UInt64) -> JSONValue? {
        lastEdit(forKey: key, atTime: t)?.value
    }

    /// The last op on `key` with `madeAt ≤ t`. O(log n).
    public func lastEdit(forKey key: String, atTime t: UInt64) -> CoMapEdit? {
        guard let slot = slotIndex[ExactStringKey(key)] else { return nil }
        let edits = slots[slot].edits
        let end = Self.upperBound(madeAt: t, in: edits)
        return end > 0 ? edits[end - 1] : nil
    }

    /// Keys whose latest op is a `set` (cojson `keys()`).
    public var keys: [String] {
        Self.javaScriptKeyOrder(slots.compactMap { $0.edits.last?.value == nil ? nil : $0.key })
    }

    /// Every key that has at least one op, deleted ones included, in ``keys`` order.
    public var keysWithEdits: [String] {
        Self.javaScriptKeyOrder(slots.map(\.key))
    }

    /// The number of keys that currently have a value.
    public var count: Int { slots.reduce(0) { $0 + ($1.edits.last?.value == nil ? 0 : 1) } }

    /// `toJSON()` / `asObject()`: `{key: value}` for the keys that currently have a value.
    public var json: JSONValue {
        var members: [(String, JSONValue)] = []
        for key in keys {
            if let value = value(forKey: key) { members.append((key, value)) }
        }
        return .object(JSONObject(members))
    }

    // MARK: Time travel

    /// The map as it was at time `t`: only ops with `madeAt ≤ t` (cojson `atTime`).
    public func atTime(_ t: UInt64) -> CoMapState {
        filtered { $0.madeAt <= t }
    }

    /// The map at a frontier: only ops with `txIndex < frontier[session]`; sessions missing from the
    /// frontier are excluded (cojson `atFrontier`).
    public func atFrontier(_ frontier: [SessionID: Int]) -> CoMapState {
        filtered { $0.txID.txIndex < (frontier[$0.txID.sessionID] ?? 0) }
    }

    private func filtered(_ isIncluded: (CoMapEdit) -> Bool) -> CoMapState {
        var result = CoMapState()
        result.skippedChanges = skippedChanges
        for slot in slots {
            let edits = slot.edits.filter(isIncluded)
            guard !edits.isEmpty else { continue }
            result.slotIndex[ExactStringKey(slot.key)] = result.slots.count
            result.slots.append(Slot(key: slot.key, edits: edits))
        }
        // Filtering can change a key's first op, so restore the first-op order.
        result.slots.sort { CoMapEdit.precedes($0.edits[0], $1.edits[0]) }
        for (position, slot) in result.slots.enumerated() { result.slotIndex[ExactStringKey(slot.key)] = position }
        return result
    }

    // MARK: Key order

    /// JS own-property order: array-index keys ("0" … "4294967294", canonical form) first in numeric
    /// order, then the others in their given order.
    static func javaScriptKeyOrder(_ keys: [String]) -> [String] {
        javaScriptKeyOrder(keys) { $0 }
    }

    /// ``javaScriptKeyOrder(_:)`` for items that carry their key.
    static func javaScriptKeyOrder<Item>(_ items: [Item], key: (Item) -> String) -> [Item] {
        var indexed: [(UInt32, Item)] = []
        var others: [Item] = []
        others.reserveCapacity(items.count)
        for item in items {
            if let index = arrayIndex(key(item)) { indexed.append((index, item)) } else { others.append(item) }
        }
        if indexed.isEmpty { return others }
        indexed.sort { $0.0 < $1.0 }
        return indexed.map(\.1) + others
    }

    /// The array index a property name denotes in JS (`"0"`, `"17"`; not `"01"`, `"-1"`, `"4294967295"`).
    static func arrayIndex(_ key: String) -> UInt32? {
        let utf8 = key.utf8
        guard let first = utf8.first, !utf8.isEmpty, utf8.count <= 10 else { return nil }
        if first == UInt8(ascii: "0") { return utf8.count == 1 ? 0 : nil }
        var value: UInt64 = 0
        for byte in utf8 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + UInt64(byte - UInt8(ascii: "0"))
        }
        return value < 4_294_967_295 ? UInt32(value) : nil
    }
}
