/// Interns session IDs to small integers. A linear scan over the few distinct sessions is faster than
/// hashing the long ID strings (equal IDs usually share storage, so `==` is a pointer check); a hash
/// table takes over when there are many sessions.
struct SessionTable {
    private(set) var sessions: [SessionID] = []
    private var index: [SessionID: Int32] = [:]
    private var last: Int32 = -1
    private static let linearLimit = 16

    /// The number of `transaction`'s session; cheapest when it is the session of the previous call.
    mutating func intern(sessionOf transaction: DecodedTransaction) -> Int32 {
        // Only the ID text is looked at when it is the previous session's (no copy of the session ID).
        if last >= 0, ExactStringKey.sameBytes(sessions[Int(last)].description, transaction.txID.sessionID.description) {
            return last
        }
        return intern(transaction.txID.sessionID)
    }

    mutating func intern(_ session: SessionID) -> Int32 {
        if last >= 0, sessions[Int(last)] == session { return last }
        let found: Int32?
        if sessions.count <= Self.linearLimit {
            found = sessions.firstIndex(of: session).map { Int32($0) }
        } else {
            found = index[session]
        }
        let result: Int32
        if let found {
            result = found
        } else {
            result = Int32(sessions.count)
            sessions.append(session)
            if sessions.count > Self.linearLimit {
                if index.isEmpty {
                    for (position, existing) in sessions.enumerated() { index[existing] = Int32(position) }
                } else {
                    index[session] = result
                }
            }
        }
        last = result
        return result
    }
}
