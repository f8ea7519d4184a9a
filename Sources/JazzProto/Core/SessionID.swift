/// A session: one writer's append-only log inside a CoValue.
///
/// Forms: `<author>_session_z<base58>` (normal) and `<author>_session_d<base58>$` (a delete session),
/// where the author is an account ID or an agent ID (everything before the first `_session`).
public struct SessionID: CanonicalString {
    public let description: String
    /// The account or agent whose signer signs this session.
    public let author: AccountOrAgentID
    /// True for a delete session (`…_session_d…$`), which may only hold one delete marker.
    public let isDeleteSession: Bool
    /// The offset of `_session` in the UTF-8 of `description`.
    private let suffixStart: Int

    /// Parses and checks the form.
    public init(_ string: some StringProtocol) throws(IdentifierError) {
        let value = String(string)
        let utf8 = Array(value.utf8)
        let marker = Array("_session_".utf8)
        guard let start = Self.firstIndex(of: marker, in: utf8) else {
            throw .malformed(kind: "session ID", value: value, expectedShape: "<account or agent ID>_session_z…")
        }
        let authorString = String(decoding: utf8[..<start], as: UTF8.self)
        author = try AccountOrAgentID(authorString)
        let kind = start + marker.count < utf8.count ? utf8[start + marker.count] : 0
        let random = utf8[min(start + marker.count + 1, utf8.count)...]
        switch kind {
        case UInt8(ascii: "z"):
            isDeleteSession = false
            // cojson never checks the random part; we only require one (and no `$`, which marks deletes).
            guard !random.isEmpty, !random.contains(UInt8(ascii: "$")) else {
                throw .malformed(kind: "session ID", value: value, expectedShape: "<author>_session_z<base58>")
            }
        case UInt8(ascii: "d"):
            isDeleteSession = true
            guard random.count >= 2, random.last == UInt8(ascii: "$") else {
                throw .malformed(kind: "delete session ID", value: value, expectedShape: "<author>_session_d<base58>$")
            }
        default:
            throw .malformed(kind: "session ID", value: value, expectedShape: "<author>_session_z… or <author>_session_d…$")
        }
        description = value
        suffixStart = start
    }

    private init(author: AccountOrAgentID, suffix: String, isDeleteSession: Bool) {
        let authorString = author.description
        self.description = authorString + suffix
        self.author = author
        self.isDeleteSession = isDeleteSession
        self.suffixStart = authorString.utf8.count
    }

    /// A fresh session for `author` (8 random bytes, like `newRandomSessionID`).
    public static func random(for author: AccountOrAgentID) -> SessionID {
        SessionID(author: author, suffix: "_session_z" + Base58.encode(SecureRandom.bytes(8)), isDeleteSession: false)
    }

    /// A fresh delete session for `author` (7 random bytes and a trailing `$`, like `newDeleteSessionID`).
    public static func randomDeleteSession(for author: AccountOrAgentID) -> SessionID {
        SessionID(author: author, suffix: "_session_d" + Base58.encode(SecureRandom.bytes(7)) + "$", isDeleteSession: true)
    }

    /// The same session with another author and the same random part. cojson writes an account's own
    /// transactions in `<agentID>_session_<same random part>` (jazz-protocol-core.md §5.1).
    public func withAuthor(_ newAuthor: AccountOrAgentID) -> SessionID {
        let suffix = String(decoding: Array(description.utf8)[suffixStart...], as: UTF8.self)
        return SessionID(author: newAuthor, suffix: suffix, isDeleteSession: isDeleteSession)
    }

    public static func == (lhs: SessionID, rhs: SessionID) -> Bool { lhs.description == rhs.description }
    public func hash(into hasher: inout Hasher) { hasher.combine(description) }

    private static func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        outer: for i in 0...(haystack.count - needle.count) {
            for j in 0..<needle.count where haystack[i + j] != needle[j] { continue outer }
            return i
        }
        return nil
    }
}
