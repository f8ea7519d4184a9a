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
        guard txIndex >= 0, var bytes = transactionMaterialPrefix(coID, sessionID) else { return nil }
        appendTransactionMaterialSuffix(txIndex, to: &bytes)
        return bytes
    }

    /// `{"in":"<coID>","tx":{"sessionID":"<sessionID>","txIndex":` — the part of the transaction material
    /// shared by all transactions of a session — or nil if an ID would need JSON escaping.
    static func transactionMaterialPrefix(_ coID: String, _ sessionID: String) -> [UInt8]? {
        func isPlain(_ string: String) -> Bool {
            string.utf8.allSatisfy { $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
        }
        guard isPlain(coID), isPlain(sessionID) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(coID.utf8.count + sessionID.utf8.count + 48)
        bytes.append(contentsOf: #"{"in":""#.utf8)
        bytes.append(contentsOf: coID.utf8)
        bytes.append(contentsOf: #"","tx":{"sessionID":""#.utf8)
        bytes.append(contentsOf: sessionID.utf8)
        bytes.append(contentsOf: #"","txIndex":"#.utf8)
        return bytes
    }

    /// Completes a transaction material prefix: `<txIndex>}}` (`txIndex` ≥ 0, written like JSON numbers).
    static func appendTransactionMaterialSuffix(_ txIndex: Int, to bytes: inout [UInt8]) {
        bytes.append(contentsOf: String(txIndex).utf8)
        bytes.append(contentsOf: "}}".utf8)
    }

    /// The nonce for arbitrary canonical nonce-material JSON text.
    public static func nonce(forCanonicalJSON json: String) -> [UInt8] {
        Array(BLAKE3.hash(Array(json.utf8)).prefix(24))
    }
}

/// The nonces of many transactions of one session of one CoValue (the hot path of decrypting private
/// transactions): the material's common beginning is absorbed once and the hasher is forked per
/// transaction. Gives exactly `NonceMaterial.transaction(coID:sessionID:txIndex:).nonce`.
struct TransactionNonces {
    private let coID: CoID
    private let sessionID: SessionID
    /// The hasher after the shared prefix, or nil if the IDs need JSON escaping (general path).
    private let prefixHasher: BLAKE3?

    init(coID: CoID, sessionID: SessionID) {
        self.coID = coID
        self.sessionID = sessionID
        if let prefix = NonceMaterial.transactionMaterialPrefix(coID.description, sessionID.description) {
            var hasher = BLAKE3()
            hasher.update(prefix)
            prefixHasher = hasher
        } else {
            prefixHasher = nil
        }
    }

    /// Writes the 24-byte nonce of transaction `txIndex` to `output` (no allocation on the usual path).
    func write(txIndex: Int, into output: UnsafeMutableRawPointer) {
        guard let hasher = prefixHasher, txIndex >= 0 else {
            let nonce = NonceMaterial.transaction(coID: coID, sessionID: sessionID, txIndex: txIndex).nonce
            nonce.withUnsafeBytes { output.copyMemory(from: $0.baseAddress!, byteCount: XSalsa20.nonceByteCount) }
            return
        }
        // `<txIndex>}}`, written backwards into a small stack buffer (an Int has at most 19 digits).
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { buffer in
            var start = buffer.count - 2
            buffer[start] = UInt8(ascii: "}")
            buffer[start + 1] = UInt8(ascii: "}")
            var rest = txIndex
            repeat {
                start -= 1
                buffer[start] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            } while rest > 0
            let suffix = UnsafeRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(buffer)[start...])
            if hasher.nonceDigest(appending: suffix, into: output) { return }
            var forked = hasher
            forked.update(suffix)
            let digest = forked.finalize(byteCount: XSalsa20.nonceByteCount)
            digest.withUnsafeBytes { output.copyMemory(from: $0.baseAddress!, byteCount: XSalsa20.nonceByteCount) }
        }
    }
}

