/// Local writes that could not be stored: they were not sent to any peer, and the node dropped them
/// (it holds what storage holds), so nothing counts as written or pushed that is not on disk.
public struct LocalChangeNotStored: Error, CustomStringConvertible, Sendable {
    /// The CoValue whose changes were dropped.
    public let id: CoID
    /// What storage reported.
    public let reason: String

    public init(id: CoID, reason: String) {
        self.id = id
        self.reason = reason
    }

    public var description: String {
        "Could not store the change to \(id) (\(reason)), so it was not synced; free disk space or repair the store, then write it again."
    }
}
