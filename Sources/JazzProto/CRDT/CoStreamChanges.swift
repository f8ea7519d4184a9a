/// Builds the change array cojson 0.20.19's `RawCoStream.push` writes: exactly one item per transaction
/// (a CoValue reference is written as its ID string).
public enum CoStreamChanges {
    /// `push(item)` → `[item]`.
    public static func push(_ item: JSONValue) -> [JSONValue] { [item] }
}
