/// Builds the change arrays cojson 0.20.19's `RawCoMap` writes (core §5.3), one transaction each, in JS
/// key order: `{"op":"set","key":K,"value":V}` and `{"op":"del","key":K}`. References to CoValues are
/// written as their ID string.
public enum CoMapChanges {
    /// `set(key, value)`.
    public static func set(_ key: String, _ value: JSONValue) -> [JSONValue] {
        [setOp(key, value)]
    }

    /// `assign(entries)`: one `set` per entry, in the given order, in one transaction. Like JS
    /// `Object.entries`, a key given twice is written once, at its first position, with its last value,
    /// and integer-like keys ("0", "17") come first in numeric order.
    public static func assign(_ entries: [(String, JSONValue)]) -> [JSONValue] {
        let object = JSONObject(entries)
        return CoMapState.javaScriptKeyOrder(object.keys).compactMap { key in object[key].map { setOp(key, $0) } }
    }

    /// `delete(key)`.
    public static func delete(_ key: String) -> [JSONValue] {
        [.object(JSONObject([("op", "del"), ("key", .string(key))]))]
    }

    private static func setOp(_ key: String, _ value: JSONValue) -> JSONValue {
        .object(JSONObject([("op", "set"), ("key", .string(key)), ("value", value)]))
    }
}
