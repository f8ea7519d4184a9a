/// What a nonce is derived from: the nonce is the first 24 bytes of BLAKE3 of the canonical JSON of this material.
public enum NonceMaterial: Sendable, Hashable {
    /// `{"in":<CoID>,"tx":{"sessionID":<session>,"txIndex":<i>}}`: private transactions and seals.
    case transaction(coID: CoID, sessionID: SessionID, txIndex: Int)
    /// `{"encryptedID":<key>,"encryptingID":<key>}`: a key secret encrypted under another key.
    case keyForKey(encryptedID: KeyID, encryptingID: KeyID)
    /// Any other material (canonicalised with `stableStringify`).
    case json(JSONValue)

    /// The canonical JSON (cojson `stableStringify`; keys happen to be alphabetical).
    public var canonicalJSON: String {
        switch self {
        case .transaction(let coID, let sessionID, let txIndex):
            let material: JSONValue = [
                "in": .string(coID.description),
                "tx": ["sessionID": .string(sessionID.description), "txIndex": .number(Double(txIndex))],
            ]
            return material.stableStringify()
        case .keyForKey(let encryptedID, let encryptingID):
            let material: JSONValue = [
                "encryptedID": .string(encryptedID.description), "encryptingID": .string(encryptingID.description),
            ]
            return material.stableStringify()
        case .json(let material):
            return material.stableStringify()
        }
    }

    /// The 24-byte nonce.
    public var nonce: [UInt8] {
        if case .transaction(let coID, let sessionID, let txIndex) = self,
            let bytes = Self.fastTransactionMaterial(coID.description, sessionID.description, txIndex)
        {
            return Array(BLAKE3.hash(bytes).prefix(24))
        }
        return Self.nonce(forCanonicalJSON: canonicalJSON)
    }

    /// The transaction material's bytes written directly (the hot path of decrypting private transactions),
    /// or nil if an ID would need JSON escaping (then the general serializer is used).
    private static func fastTransactionMaterial(_ coID: String, _ sessionID: String, _ txIndex: Int) -> [UInt8]? {
        func isPlain(_ string: String) -> Bool {
            string.utf8.allSatisfy { $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
        }
        guard txIndex >= 0, isPlain(coID), isPlain(sessionID) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(coID.utf8.count + sessionID.utf8.count + 48)
        bytes.append(contentsOf: #"{"in":""#.utf8)
        bytes.append(contentsOf: coID.utf8)
        bytes.append(contentsOf: #"","tx":{"sessionID":""#.utf8)
        bytes.append(contentsOf: sessionID.utf8)
        bytes.append(contentsOf: #"","txIndex":"#.utf8)
        bytes.append(contentsOf: String(txIndex).utf8)
        bytes.append(contentsOf: "}}".utf8)
        return bytes
    }

    /// The nonce for arbitrary canonical nonce-material JSON text.
    public static func nonce(forCanonicalJSON json: String) -> [UInt8] {
        Array(BLAKE3.hash(Array(json.utf8)).prefix(24))
    }
}
