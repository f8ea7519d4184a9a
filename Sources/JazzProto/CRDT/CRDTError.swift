/// A problem building a CRDT view or an edit.
///
/// Views never throw: a malformed change is skipped and reported in the view's `skippedChanges`
/// (cojson would throw on some of them, or silently misread them; see each view's documentation).
/// Edit builders throw ``invalidIndex(operation:index:count:)`` for indices that cojson rejects too.
public enum CRDTError: Error, CustomStringConvertible, Equatable, Sendable {
    /// An edit referred to an element index that does not exist (cojson: `Invalid index …`).
    case invalidIndex(operation: String, index: Int, count: Int)
    /// A change object inside a transaction could not be interpreted for this CoValue type and was skipped.
    case malformedChange(txID: TransactionID, changeIndex: Int, reason: String)
    /// A binary stream `chunk` item whose data could not be decoded; it was skipped.
    case malformedBinaryChunk(txID: TransactionID, changeIndex: Int, reason: String)

    public var description: String {
        switch self {
        case .invalidIndex(let operation, let index, let count):
            return "\(operation): index \(index) is out of range for a list of \(count) element(s); "
                + "pass an index of an existing element (or the documented end position)."
        case .malformedChange(let txID, let changeIndex, let reason):
            return "Change \(changeIndex) of transaction \(txID) was skipped: \(reason). "
                + "The writer produced a change this CoValue type does not understand; the rest of the view is unaffected."
        case .malformedBinaryChunk(let txID, let changeIndex, let reason):
            return "Binary chunk \(changeIndex) of transaction \(txID) was skipped: \(reason). "
                + "Chunks must be \"binary_U\" followed by base64url data (padded or not)."
        }
    }
}
