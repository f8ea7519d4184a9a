/// Why a batch of transactions was not appended to a session log.
public enum SessionLogError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The batch's signature does not verify over the hash chain (forged, tampered or forked).
    case invalidSignature(sessionID: SessionID, hash: Hash)
    /// The batch was empty.
    case emptyBatch(sessionID: SessionID)
    /// A locally made transaction's changes exceed cojson's 1 MiB creation limit.
    case transactionTooLarge(bytes: Int)

    public var description: String {
        switch self {
        case .invalidSignature(let sessionID, let hash):
            return "Signature of session \(sessionID) does not verify over \(hash): the transactions were forged, tampered with, or fork the session."
        case .emptyBatch(let sessionID):
            return "An empty batch was offered for session \(sessionID)."
        case .transactionTooLarge(let bytes):
            return "A transaction's changes are \(bytes) bytes; Jazz refuses to create transactions over 1 MiB — split the change."
        }
    }
}

/// One session of one CoValue: transactions in order, the running BLAKE3 hash chain, and signatures.
///
/// The chain hashes the canonical JSON of every transaction in order from a fresh BLAKE3 state; one
/// Ed25519 signature over `"hash_z…"` (with quotes) covers a whole batch. A batch that fails to verify
/// leaves the log untouched (unlike cojson 0.20.19, whose staged batch poisons the session).
public struct SessionLog: Sendable {
    /// cojson's checkpoint threshold and recommended piece size (100 KiB).
    public static let checkpointThreshold = 102_400
    /// cojson's local transaction size limit (1 MiB of changes).
    public static let maxTransactionSize = 1_048_576

    public let sessionID: SessionID
    public private(set) var transactions: [Transaction] = []
    /// The signature over the whole log.
    public private(set) var lastSignature: Signature?
    /// The hash of the whole log.
    public private(set) var lastHash: Hash?
    /// In-between signatures: transaction index → signature of the prefix ending there (piece boundaries).
    public private(set) var signatureAfter: [Int: Signature] = [:]
    /// Bytes (changes sizes) since the last checkpoint.
    public private(set) var bytesSinceLastSignature = 0
    private var hasher = BLAKE3()
    /// Canonical JSON is hashed in updates of about this many bytes.
    static let hashBufferSize = 128 * 1024

    public init(sessionID: SessionID) {
        self.sessionID = sessionID
    }

    /// Number of transactions.
    public var count: Int { transactions.count }

    /// The hash the chain would have after appending `batch` (nothing is changed).
    public func hash(afterAppending batch: some Collection<Transaction>) -> (Hash, BLAKE3) {
        var staged = hasher
        // The batch's canonical JSON is written into one buffer and hashed in large updates, so BLAKE3
        // compresses whole chunks four at a time instead of a few hundred bytes per call.
        // What was written is hashed before a transaction that would not fit: the buffer never grows (each
        // growth copied it into fresh pages; a content piece of two or three 55 kB transactions did every time).
        func room(for transaction: Transaction) -> Int { transaction.size + (transaction.meta?.utf8.count ?? 0) + 128 }
        let estimate = batch.reduce(0) { $0 + room(for: $1) }
        let largest = batch.reduce(0) { max($0, room(for: $1)) }
        let capacity = max(min(estimate, Self.hashBufferSize + 4096), largest)
        var writer = JSONWriter(sortsKeys: false, capacity: capacity)
        for transaction in batch {
            if !writer.bytes.isEmpty && writer.bytes.count + room(for: transaction) > capacity {
                staged.update(writer.bytes)
                writer.removeAll()
            }
            transaction.appendCanonicalJSON(to: &writer)
        }
        staged.update(writer.bytes)
        let digest = staged.finalize()
        return (Hash(uncheckedString: Hash.prefix + Base58.encode(digest), bytes: digest), staged)
    }

    /// Verifies `batch` (which extends the log exactly at its end) against `signature` by `signer` and
    /// appends it atomically. On failure nothing changes.
    public mutating func appendVerified(_ batch: [Transaction], signature: Signature, signer: SignerID)
        throws(SessionLogError)
    {
        guard !batch.isEmpty else { throw .emptyBatch(sessionID: sessionID) }
        let (hash, staged) = hash(afterAppending: batch)
        guard signer.isValidSignature(signature, for: hash.signingMessage) else {
            throw .invalidSignature(sessionID: sessionID, hash: hash)
        }
        commit(batch, hash: hash, hasher: staged, signature: signature)
    }

    /// Appends a batch whose signature was verified before it was stored (trusted local storage):
    /// the chain is re-hashed, the signature is not checked again.
    public mutating func appendFromTrustedStorage(_ batch: [Transaction], signature: Signature) {
        guard !batch.isEmpty else { return }
        let (hash, staged) = hash(afterAppending: batch)
        commit(batch, hash: hash, hasher: staged, signature: signature)
    }

    /// Appends one locally made transaction, signing the new prefix with `signer`. Returns the signature.
    @discardableResult
    public mutating func appendLocal(_ transaction: Transaction, signer: SignerSecret) throws(SessionLogError) -> Signature {
        let changesSize: Int
        switch transaction {
        case .trusting(_, let changes, _): changesSize = changes.utf8.count
        case .private: changesSize = transaction.size * 3 / 4
        }
        guard changesSize <= Self.maxTransactionSize else { throw .transactionTooLarge(bytes: changesSize) }
        let (hash, staged) = hash(afterAppending: CollectionOfOne(transaction))
        let signature = signer.sign(hash.signingMessage)
        commit([transaction], hash: hash, hasher: staged, signature: signature)
        return signature
    }

    private mutating func commit(_ batch: [Transaction], hash: Hash, hasher staged: BLAKE3, signature: Signature) {
        transactions.append(contentsOf: batch)
        hasher = staged
        lastHash = hash
        lastSignature = signature
        bytesSinceLastSignature += batch.reduce(0) { $0 + $1.size }
        if bytesSinceLastSignature > Self.checkpointThreshold {
            signatureAfter[transactions.count - 1] = signature
            bytesSinceLastSignature = 0
        }
    }

    /// Restores checkpoint bookkeeping read from storage.
    public mutating func restoreCheckpoints(_ checkpoints: [Int: Signature], bytesSinceLastSignature: Int) {
        signatureAfter = checkpoints
        self.bytesSinceLastSignature = bytesSinceLastSignature
    }
}
