/// One valid `set` of a group key, with when and by whom it was made.
public struct GroupEdit: Sendable, Hashable {
    public let key: String
    public let value: JSONValue
    public let madeAt: UInt64
    public let txID: TransactionID

    /// The account or agent that made the edit.
    public var author: AccountOrAgentID { txID.sessionID.author }
}

/// The valid edits of each key of a group, in transaction order, with point-in-time lookups.
struct GroupEditHistory: Sendable {
    private(set) var editsByKey: [String: [GroupEdit]] = [:]
    /// Keys in first-edit order.
    private(set) var keyOrder: [String] = []

    mutating func append(_ edit: GroupEdit) {
        if editsByKey[edit.key] == nil { keyOrder.append(edit.key) }
        editsByKey[edit.key, default: []].append(edit)
    }

    /// The latest edit of `key` with `madeAt ≤ time` (all edits if `time` is nil).
    func lastEdit(_ key: String, atTime time: UInt64?) -> GroupEdit? {
        guard let edits = editsByKey[key] else { return nil }
        guard let time else { return edits.last }
        // Edits are in madeAt order: binary search for the last one with madeAt ≤ time.
        var low = 0
        var high = edits.count
        while low < high {
            let mid = (low + high) / 2
            if edits[mid].madeAt <= time { low = mid + 1 } else { high = mid }
        }
        return low == 0 ? nil : edits[low - 1]
    }

    func value(_ key: String, atTime time: UInt64?) -> JSONValue? {
        lastEdit(key, atTime: time)?.value
    }

    func edits(_ key: String) -> [GroupEdit] { editsByKey[key] ?? [] }
}
