/// Identifies one accepted WebSocket connection of a ``WebSocketServer``.
///
/// IDs come from a counter that only grows for the lifetime of the server, so two clients that
/// connect from the same address in the same millisecond still get different IDs, and an ID is
/// never reused after its connection closed.
public struct ConnectionID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The counter value (1 for the first connection a server accepts).
    public let rawValue: UInt64

    /// Wraps a counter value; servers create IDs, tests may create them to name unknown connections.
    public init(rawValue: UInt64) {
        self.rawValue = rawValue
    }

    /// Earlier connections sort first.
    public static func < (lhs: ConnectionID, rhs: ConnectionID) -> Bool {
        lhs.rawValue < rhs.rawValue
    }

    /// `connection #N`, for logs.
    public var description: String { "connection #\(rawValue)" }
}
