import JazzProto

/// A problem with CoValue data given to or read from ``SQLiteCoValueStore`` (database failures are
/// ``SQLiteError``s).
public enum CoValueStoreError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Transactions were appended for a CoValue that is not stored yet, without its header.
    case headerMissing(CoID)
    /// The header given with the first append does not hash to the CoValue's ID.
    case headerMismatch(CoID, computed: CoID)
    /// An append carried impossible values (e.g. a negative `after`).
    case invalidAppend(CoID, session: SessionID, reason: String)
    /// A stored row cannot be read back: the file was damaged or edited. `coValue` and `session` are
    /// the raw stored strings (they may themselves be the damaged part).
    case corruptRow(coValue: String, session: String?, reason: String)

    public var description: String {
        switch self {
        case .headerMissing(let id):
            return "Cannot store transactions of \(id) without its header: the first append of a CoValue must carry "
                + "the header (a bug in the caller)."
        case .headerMismatch(let id, let computed):
            return "The header given for \(id) hashes to \(computed): refusing to store it under the wrong ID "
                + "(a bug in the caller, or forged content that escaped verification)."
        case .invalidAppend(let id, let session, let reason):
            return "Invalid append for \(id) session \(session): \(reason) (a bug in the caller)."
        case .corruptRow(let coValue, let session, let reason):
            let place = session.map { "CoValue \(coValue) session \($0)" } ?? "CoValue \(coValue)"
            return "The stored data of \(place) is damaged: \(reason). Restore the database from a backup, or move it "
                + "aside and start again with an empty one (synced data is then fetched again from the relay, or for a "
                + "relay sent again by its clients)."
        }
    }
}
