import Dispatch
import Synchronization

/// Plaintexts of one session's private transactions, decrypted ahead of the first view: transaction
/// `firstIndex + k` has its changes at `changes[k]` and its meta at `meta[k]` (byte ranges of `storage`;
/// start -1: not decrypted — another key, no meta, or text that does not decode).
final class PrefetchedPlaintexts: @unchecked Sendable {
    let sessionID: SessionID
    let firstIndex: Int
    /// The `keyUsed` text and the key's bytes the plaintexts were decrypted with.
    let keyUsed: String
    let keyBytes: [UInt8]
    /// Start and length of each transaction's plaintext changes and meta in `storage`.
    let changes: [(start: Int32, count: Int32)]
    let meta: [(start: Int32, count: Int32)]
    /// The plaintext bytes (owned; written once by the decrypting thread, read-only afterwards).
    let storage: UnsafeMutableRawBufferPointer

    init(sessionID: SessionID, firstIndex: Int, keyUsed: String, keyBytes: [UInt8],
         changes: [(start: Int32, count: Int32)], meta: [(start: Int32, count: Int32)], storage: UnsafeMutableRawBufferPointer) {
        self.sessionID = sessionID
        self.firstIndex = firstIndex
        self.keyUsed = keyUsed
        self.keyBytes = keyBytes
        self.changes = changes
        self.meta = meta
        self.storage = storage
    }

    deinit { storage.deallocate() }

    /// The plaintext bytes of `range` (start ≥ 0).
    func bytes(_ range: (start: Int32, count: Int32)) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: storage.baseAddress!.assumingMemoryBound(to: UInt8.self) + Int(range.start), count: Int(range.count))
    }

    /// The position of transaction `index` here, if it falls in this run.
    func offset(of index: Int) -> Int? {
        let offset = index - firstIndex
        return offset >= 0 && offset < changes.count ? offset : nil
    }

    /// One transaction's plaintexts: its changes, and its meta if it had one that was decrypted. Plain
    /// pointers into `storage`, valid while this object lives.
    struct Slot {
        let changes: UnsafeBufferPointer<UInt8>
        let meta: UnsafeBufferPointer<UInt8>?
    }

    /// The plaintexts of transaction `index`, if it was decrypted here.
    func slot(at index: Int) -> Slot? {
        guard let k = offset(of: index), changes[k].start >= 0 else { return nil }
        return Slot(changes: bytes(changes[k]), meta: meta[k].start >= 0 ? bytes(meta[k]) : nil)
    }
}

/// Decrypts (base64url, nonce, XSalsa20) the private transactions of freshly verified content on a
/// background thread while the node verifies the next pieces; the first view then only parses. Only plain
/// bytes cross between threads (no shared objects to count references on).
final class PlaintextPrefetch: Sendable {
    private struct State {
        var done: [CoID: [PrefetchedPlaintexts]] = [:]
        /// CoValues in `done`, oldest first (the first to give way when the budget is reached).
        var doneOrder: [CoID] = []
        var heldBytes = 0
    }

    /// Batches with less private ciphertext than this (bytes) are left to the view (not worth a thread hop).
    static let minimumBytes = 16 << 10
    /// At most this many plaintext bytes are held for views not taken yet by default; beyond the budget,
    /// what waits longest is dropped (its view decrypts as without a prefetch).
    static let defaultBudget = 64 << 20
    let budget: Int

    init(budget: Int = defaultBudget) {
        self.budget = budget
    }

    private let state = Mutex(State())
    private let pending = DispatchGroup()
    private let worker = DispatchQueue(label: "jazz.plaintext-prefetch")

    /// Queues the private transactions of `transactions` (from `firstIndex` of `sessionID`) that use
    /// `keyUsed` for decryption with `key`.
    func submit(coID: CoID, sessionID: SessionID, firstIndex: Int, transactions: ArraySlice<Transaction>, keyUsed: String, key: [UInt8]) {
        let estimate = transactions.reduce(0) { $0 + $1.size + ($1.meta?.utf8.count ?? 0) }
        // Which transactions use `keyUsed`, decided here: the `keyUsed` text is usually one string shared by
        // every transaction, and two threads counting references to it would slow each other down.
        let usesKey = transactions.map { transaction -> Bool in
            if case .private(_, let txKey, _, _) = transaction { return ExactStringKey.sameBytes(txKey, keyUsed) }
            return false
        }
        let (admitted, dropped) = state.withLock { state -> (Bool, [PrefetchedPlaintexts]) in
            var dropped: [PrefetchedPlaintexts] = []
            while state.heldBytes + estimate > budget, !state.doneOrder.isEmpty {
                let oldest = state.doneOrder.removeFirst()
                let runs = state.done.removeValue(forKey: oldest) ?? []
                state.heldBytes -= runs.reduce(0) { $0 + $1.storage.count }
                dropped += runs
            }
            guard state.heldBytes + estimate <= budget else { return (false, dropped) }
            state.heldBytes += estimate
            return (true, dropped)
        }
        _ = consume dropped  // freed here, outside the lock
        guard admitted else { return }
        worker.async(group: pending) { [self] in
            let result = Self.decrypt(transactions, usesKey: usesKey, coID: coID, sessionID: sessionID, firstIndex: firstIndex,
                                      keyUsed: keyUsed, key: key, capacity: estimate)
            state.withLock { state in
                if state.done[coID] == nil { state.doneOrder.append(coID) }
                state.done[coID, default: []].append(result)
            }
        }
    }

    /// Waits for queued work, then removes and returns what was decrypted for `coID`.
    func take(_ coID: CoID) -> [PrefetchedPlaintexts] {
        guard state.withLock({ $0.heldBytes > 0 }) else { return [] }

        pending.wait()

        return state.withLock { state in
            guard let runs = state.done.removeValue(forKey: coID) else { return [] }
            state.doneOrder.removeAll { $0 == coID }
            state.heldBytes -= runs.reduce(0) { $0 + $1.storage.count }
            return runs
        }
    }

    private static func decrypt(_ transactions: ArraySlice<Transaction>, usesKey: [Bool], coID: CoID, sessionID: SessionID, firstIndex: Int,
                                keyUsed: String, key: [UInt8], capacity: Int) -> PrefetchedPlaintexts {
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(capacity, 1), alignment: 8)
        var changes: [(start: Int32, count: Int32)] = []
        var meta: [(start: Int32, count: Int32)] = []
        changes.reserveCapacity(transactions.count)
        meta.reserveCapacity(transactions.count)
        let nonces = TransactionNonces(coID: coID, sessionID: sessionID)
        var prefixBytes: (UInt64, UInt32, UInt16, UInt8) = (0, 0, 0, 0)  // room for "encrypted_U" (11 bytes)
        withUnsafeMutableBytes(of: &prefixBytes) { $0.copyBytes(from: Encrypted.prefix.utf8) }
        let prefixCount = Encrypted.prefix.utf8.count
        var used = 0
        key.withUnsafeBytes { keyBytes in
            /// Decodes and decrypts `text` (`encrypted_U…`) into `storage` at `used`; its range, or start -1.
            func open(_ text: String, nonce: UnsafeRawBufferPointer) -> (start: Int32, count: Int32) {
                var text = text
                let length = text.withUTF8 { utf8 -> Int? in
                    guard utf8.count >= prefixCount, let base = utf8.baseAddress,
                        withUnsafeBytes(of: prefixBytes, { RawBytes.equal($0.baseAddress!, base, count: prefixCount) })
                    else { return nil }
                    let payload = UnsafeBufferPointer(rebasing: utf8[prefixCount...])
                    let output = UnsafeMutableRawBufferPointer(rebasing: storage[used...])
                    guard let count = Base64URL.decode(payload, requirePadding: true, into: output) else { return nil }
                    let plaintext = UnsafeMutableBufferPointer(start: output.baseAddress!.assumingMemoryBound(to: UInt8.self), count: count)
                    return FastXSalsa20.xorInPlace(plaintext, key: keyBytes, nonce: nonce) ? count : nil
                }
                guard let length else { return (-1, 0) }
                defer { used += length }
                return (Int32(used), Int32(length))
            }
            for (offset, transaction) in transactions.enumerated() {
                guard usesKey[offset], case .private(_, _, let encrypted, let encryptedMeta) = transaction else {
                    changes.append((-1, 0))
                    meta.append((-1, 0))
                    continue
                }
                var nonce = InlineNonce()
                withUnsafeMutableBytes(of: &nonce.bytes) { nonces.write(txIndex: firstIndex + offset, into: $0.baseAddress!) }
                withUnsafeBytes(of: nonce.bytes) { nonceBytes in
                    changes.append(open(encrypted, nonce: nonceBytes))
                    meta.append(encryptedMeta.map { open($0, nonce: nonceBytes) } ?? (-1, 0))
                }
            }
        }
        return PrefetchedPlaintexts(sessionID: sessionID, firstIndex: firstIndex, keyUsed: keyUsed, keyBytes: key,
                                    changes: changes, meta: meta, storage: storage)
    }
}
