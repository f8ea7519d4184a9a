/// Builds the change arrays cojson 0.20.19's `RawCoList` writes (jazz-sync §6.5 "Ops JS generates"), for
/// one new transaction each. Indices refer to the visible elements of the given state. Change objects use
/// JS key order: `{"op","value","after"}`, `{"op","value","before"}`, `{"op","insertion"}`.
public enum CoListChanges {
    /// `appendItems(items, after)`: inserts `items` (in this order) after the element at index `after`
    /// (default: the last element; a negative index counts as 0). On an empty list the anchor is
    /// `"start"` and only `after` 0 (or `nil`) is allowed. When anchored to an element the ops are
    /// emitted in reverse order, so that the items read in the given order. Empty `items` give `[]`
    /// (cojson still writes an empty transaction).
    public static func append(_ items: [JSONValue], after: Int? = nil, in state: CoListState) throws(CRDTError) -> [JSONValue] {
        let count = state.count
        let index = after.map { max(0, $0) } ?? (count > 0 ? count - 1 : 0)
        if count > 0 {
            guard index < count else { throw .invalidIndex(operation: "append", index: index, count: count) }
            return appendOps(items, anchor: state.entries[index].opID)
        }
        guard index == 0 else { throw .invalidIndex(operation: "append", index: index, count: count) }
        return appendOps(items, anchor: nil)
    }

    /// The `app` ops for `items` after `anchor` (`nil` = `"start"`), reversed when anchored to an element.
    static func appendOps(_ items: [JSONValue], anchor: CoListOpID?) -> [JSONValue] {
        let anchorJSON: JSONValue = anchor?.json ?? "start"
        let changes = items.map { item in
            JSONValue.object(JSONObject([("op", "app"), ("value", item), ("after", anchorJSON)]))
        }
        return anchor == nil ? changes : changes.reversed()
    }

    /// `append(item, after)`: one item.
    public static func append(_ item: JSONValue, after: Int? = nil, in state: CoListState) throws(CRDTError) -> [JSONValue] {
        try append([item], after: after, in: state)
    }

    /// `prepend(item, before)`: inserts `item` before the element at index `before` (default 0). `before`
    /// equal to the count, or an empty list (only `before` 0), anchors at `"end"`.
    public static func prepend(_ item: JSONValue, before: Int = 0, in state: CoListState) throws(CRDTError) -> [JSONValue] {
        let count = state.count
        let anchor: JSONValue
        if count > 0, before >= 0, before < count {
            anchor = state.entries[before].opID.json
        } else if before == count {
            anchor = "end"
        } else {
            throw .invalidIndex(operation: "prepend", index: before, count: count)
        }
        return [.object(JSONObject([("op", "pre"), ("value", item), ("before", anchor)]))]
    }

    /// `delete(index)`: one `del` of the element at `index`.
    public static func delete(_ index: Int, in state: CoListState) throws(CRDTError) -> [JSONValue] {
        guard let entry = state.entry(at: index) else {
            throw .invalidIndex(operation: "delete", index: index, count: state.count)
        }
        return [deletion(of: entry.opID)]
    }

    /// `replace(index, value)`: `[app value after element, del element]` in one transaction.
    public static func replace(_ index: Int, with value: JSONValue, in state: CoListState) throws(CRDTError) -> [JSONValue] {
        guard let entry = state.entry(at: index) else {
            throw .invalidIndex(operation: "replace", index: index, count: state.count)
        }
        return [
            .object(JSONObject([("op", "app"), ("value", value), ("after", entry.opID.json)])),
            deletion(of: entry.opID),
        ]
    }

    /// `{"op":"del","insertion":opID}`.
    public static func deletion(of opID: CoListOpID) -> JSONValue {
        .object(JSONObject([("op", "del"), ("insertion", opID.json)]))
    }
}
