/// Whether messages that pile up while a socket is busy are joined into `"\n"`-separated
/// frames (the Jazz batch format) before they are written.
///
/// Only messages already waiting when the socket becomes writable are joined; a message sent
/// to an idle socket always leaves in its own frame, as in `cojson-transport-ws`. Pings are
/// never batched.
public enum OutgoingBatching: Sendable, Equatable {
    /// Every message is its own frame.
    case never
    /// Waiting messages are joined into frames of at most `limit` UTF-8 bytes
    /// (a longer single message still travels alone). JS clients do this by default.
    case always(limit: Int)
    /// Like `always`, but only after the peer itself sent a frame holding more than one message
    /// (what `jazz-run sync` does for each connection, for compatibility with old clients).
    case afterPeerBatches(limit: Int)

    /// The limit in effect for a connection, 0 meaning "do not batch".
    func limit(peerHasBatched: Bool) -> Int {
        switch self {
        case .never: 0
        case let .always(limit): max(0, limit)
        case let .afterPeerBatches(limit): peerHasBatched ? max(0, limit) : 0
        }
    }
}
