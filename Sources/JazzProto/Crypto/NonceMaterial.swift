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
    public var nonce: [UInt8] { Self.nonce(forCanonicalJSON: canonicalJSON) }

    /// The nonce for arbitrary canonical nonce-material JSON text.
    public static func nonce(forCanonicalJSON json: String) -> [UInt8] {
        Array(BLAKE3.hash(Array(json.utf8)).prefix(24))
    }
}
