/// A problem with a transaction object received from a peer or storage.
public enum TransactionError: Error, CustomStringConvertible, Equatable, Sendable {
    case notAnObject
    case invalidMadeAt(String)
    case missingField(String)
    case invalidMeta

    public var description: String {
        switch self {
        case .notAnObject: return "A transaction must be a JSON object."
        case .invalidMadeAt(let value):
            return "Transaction madeAt must be a non-negative integer of milliseconds, got \(value)."
        case .missingField(let field):
            return "The transaction lacks \"\(field)\" (a trusting one needs changes; a private one encryptedChanges and keyUsed)."
        case .invalidMeta: return "Transaction meta must be a string or null."
        }
    }
}

/// One entry of a session log.
///
/// String fields are kept exactly as received: they are hashed verbatim (after JSON un-escaping) and
/// interpreted only later (parsing changes, decrypting).
public enum Transaction: Sendable, Hashable {
    /// Plaintext changes: `changes` is a JSON array in a string.
    case trusting(madeAt: UInt64, changes: String, meta: String?)
    /// Changes (and meta) encrypted with the read key `keyUsed`, same nonce for both.
    case `private`(madeAt: UInt64, keyUsed: String, encryptedChanges: String, meta: String?)

    /// Parses a wire transaction the way cojson's Rust core does: the variant is decided by shape,
    /// unknown fields are dropped, `meta: null` counts as absent, `madeAt` must be a non-negative integer.
    public init(json: JSONValue) throws(TransactionError) {
        guard case .object(let object) = json else { throw .notAnObject }
        guard let madeAtValue = object["madeAt"] else { throw .missingField("madeAt") }
        guard case .number(let number) = madeAtValue, number >= 0, number < 18_446_744_073_709_551_616.0,
            Double(UInt64(number)) == number, !(number == 0 && number.sign == .minus)
        else {
            throw .invalidMadeAt(madeAtValue.jsonStringify())
        }
        let madeAt = UInt64(number)
        let meta: String?
        switch object["meta"] {
        case .none, .some(.null): meta = nil
        case .some(.string(let string)): meta = string
        case .some: throw .invalidMeta
        }
        if let encrypted = object["encryptedChanges"]?.stringValue, let keyUsed = object["keyUsed"]?.stringValue,
            object["privacy"] != nil
        {
            self = .private(madeAt: madeAt, keyUsed: keyUsed, encryptedChanges: encrypted, meta: meta)
        } else if let changes = object["changes"]?.stringValue, object["privacy"] != nil {
            self = .trusting(madeAt: madeAt, changes: changes, meta: meta)
        } else {
            throw .missingField(object["privacy"]?.stringValue == "private" ? "encryptedChanges" : "changes")
        }
    }

    /// The author's wall-clock time in milliseconds.
    public var madeAt: UInt64 {
        switch self {
        case .trusting(let madeAt, _, _), .private(let madeAt, _, _, _): return madeAt
        }
    }

    public var isPrivate: Bool {
        if case .private = self { return true }
        return false
    }

    /// The raw meta string (JSON text for trusting, `encrypted_U…` for private).
    public var meta: String? {
        switch self {
        case .trusting(_, _, let meta), .private(_, _, _, let meta): return meta
        }
    }

    /// Size for checkpoints and piece boundaries: UTF-8 length of `changes` / `encryptedChanges`.
    public var size: Int {
        switch self {
        case .trusting(_, let changes, _): return changes.utf8.count
        case .private(_, _, let encrypted, _): return encrypted.utf8.count
        }
    }

    /// The wire/JSON form (canonical member order).
    public var json: JSONValue {
        var members: [(String, JSONValue)] = []
        switch self {
        case .trusting(let madeAt, let changes, let meta):
            members.append(("changes", .string(changes)))
            members.append(("madeAt", .number(Double(madeAt))))
            if let meta { members.append(("meta", .string(meta))) }
            members.append(("privacy", "trusting"))
        case .private(let madeAt, let keyUsed, let encrypted, let meta):
            members.append(("encryptedChanges", .string(encrypted)))
            members.append(("keyUsed", .string(keyUsed)))
            members.append(("madeAt", .number(Double(madeAt))))
            if let meta { members.append(("meta", .string(meta))) }
            members.append(("privacy", "private"))
        }
        return .object(JSONObject(members))
    }

    /// The canonical JSON that the session hash chain consumes (serde field order, JSON.stringify escaping).
    public var canonicalJSON: String { JSONWriter.string(from: canonicalUTF8) }

    /// `canonicalJSON` as UTF-8 bytes, written directly.
    public var canonicalUTF8: [UInt8] {
        var writer = JSONWriter(sortsKeys: false, capacity: size + (meta?.utf8.count ?? 0) + 96)
        appendCanonicalJSON(to: &writer)
        return writer.bytes
    }

    /// Appends ``canonicalJSON`` to `writer` (the hot path of verifying session logs: a whole batch is
    /// written into one buffer and hashed at once).
    func appendCanonicalJSON(to writer: inout JSONWriter) {
        switch self {
        case .trusting(let madeAt, let changes, let meta):
            writer.appendASCII(#"{"changes":"#)
            writer.writeQuoted(changes)
            writer.appendASCII(#","madeAt":"#)
            writer.appendDecimal(madeAt)
            if let meta {
                writer.appendASCII(#","meta":"#)
                writer.writeQuoted(meta)
            }
            writer.appendASCII(#","privacy":"trusting"}"#)
        case .private(let madeAt, let keyUsed, let encrypted, let meta):
            writer.appendASCII(#"{"encryptedChanges":"#)
            writer.writeQuoted(encrypted)
            writer.appendASCII(#","keyUsed":"#)
            writer.writeQuoted(keyUsed)
            writer.appendASCII(#","madeAt":"#)
            writer.appendDecimal(madeAt)
            if let meta {
                writer.appendASCII(#","meta":"#)
                writer.writeQuoted(meta)
            }
            writer.appendASCII(#","privacy":"private"}"#)
        }
    }
}

/// The position of a transaction: its session and its index there.
public struct TransactionID: Sendable, Hashable, CustomStringConvertible {
    public let sessionID: SessionID
    public let txIndex: Int

    public init(sessionID: SessionID, txIndex: Int) {
        self.sessionID = sessionID
        self.txIndex = txIndex
    }

    public var description: String { "\(sessionID)#\(txIndex)" }

    /// `{"sessionID":…,"txIndex":…}`
    public var json: JSONValue {
        .object(JSONObject([("sessionID", .string(sessionID.description)), ("txIndex", .number(Double(txIndex)))]))
    }
}
