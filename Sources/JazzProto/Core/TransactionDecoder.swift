import Dispatch
import Synchronization

/// The secrets of the `keyUsed` texts of a CoValue's private transactions, looked up before decoding
/// starts, so decoders need no access to the node and can run on several threads at once.
struct KeyRing: Sendable {
    /// `keyUsed` text (exact bytes) -> its index in `secrets`.
    private var indices: [ExactStringKey: Int32] = [:]
    /// The secrets in resolution order; nil when the ID is malformed or the key unavailable.
    private(set) var secrets: [KeySecret?] = []
    /// The text looked up last and its index (a long run of private transactions usually names one key).
    private var last: (keyUsed: String, index: Int32)?

    /// Looks up `keyUsed` with `keys` unless it is already known (`keys` is asked at most once per text);
    /// returns its index in ``secrets``.
    @discardableResult
    mutating func resolve(_ keyUsed: String, using keys: (KeyID) -> KeySecret?) -> Int32 {
        if let last, ExactStringKey.sameBytes(last.keyUsed, keyUsed) { return last.index }
        let key = ExactStringKey(keyUsed)
        let index: Int32
        if let known = indices[key] {
            index = known
        } else {
            index = Int32(secrets.count)
            secrets.append((try? KeyID(keyUsed)).flatMap(keys))
            indices[key] = index
        }
        last = (keyUsed, index)
        return index
    }

    /// The secret of `keyUsed`; nil if it was not resolved, is malformed or unavailable.
    func secret(forKeyUsed keyUsed: String) -> KeySecret? {
        indices[ExactStringKey(keyUsed)].flatMap { secrets[Int($0)] }
    }
}

/// Turns valid transactions of one CoValue into their changes and meta: parse (trusting) or decrypt and
/// parse (private). A transaction that cannot be read (unknown key, garbage after decryption, not JSON)
/// yields nil and is simply skipped — unlike cojson 0.20.19, one bad transaction never hides the ones after it.
///
/// One decoder serves many transactions: the secret of each transaction's `keyUsed` was looked up before
/// (its index comes with the transaction), and the nonce material of a session is absorbed once per run,
/// so a long run of private transactions costs one short hash per transaction besides decrypting and parsing.
///
/// Decoders of one CoValue may run on several threads at once. Each keeps its own copies (own storage) of
/// the IDs and keys it uses in every transaction, and none reads a transaction's `keyUsed` text (usually
/// one string shared by all of them), so the threads do not contend for the reference counts of shared objects.
struct TransactionDecoder {
    /// This decoder's own copy of the CoValue ID.
    let coID: CoID
    /// Own copies of the secrets of every `keyUsed` this decoder will meet, by ``KeyRing`` index.
    private let secrets: [KeySecret?]
    /// Reused for decoding, decrypting and parsing private changes and meta.
    private var scratch: [UInt8] = []
    /// Reused by every parse of this decoder: its changes share repeated strings (session IDs of op IDs)
    /// and key lists (`{"op","key","value"}`) instead of allocating them for each transaction.
    private var parseCache = JSONParseCache()

    init(coID: CoID, keys: KeyRing) {
        self.coID = CoID(uncheckedString: Self.ownCopy(coID.description), bytes: Self.ownCopy(coID.bytes))
        self.secrets = keys.secrets.map { secret in
            secret.map { KeySecret(uncheckedString: Self.ownCopy($0.description), bytes: Self.ownCopy($0.bytes)) }
        }
    }

    /// `string` in storage of its own (long strings are otherwise shared by their copies).
    private static func ownCopy(_ string: String) -> String {
        String(decoding: Array(string.utf8), as: UTF8.self)
    }

    private static func ownCopy(_ bytes: [UInt8]) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: bytes.count) { buffer, count in
            count = buffer.initialize(fromContentsOf: bytes)
        }
    }

    /// `session` with storage of its own (the same value).
    private static func ownCopy(_ session: SessionID) -> SessionID {
        (try? SessionID(ownCopy(session.description))) ?? session
    }

    /// The work of decoding one transaction, in bytes of text: a fixed cost (nonce, allocations) plus
    /// the changes' text. Only an estimate for splitting the work into chunks.
    private static func work(_ transaction: Transaction) -> Int {
        switch transaction {
        case .trusting(_, let changes, _): return 256 + changes.utf8.count
        case .private(_, _, let encryptedChanges, _): return 256 + encryptedChanges.utf8.count
        }
    }

    /// Less work than this (about 512 small transactions) is decoded on the calling thread.
    static let parallelThreshold = 512 * 320
    /// At most this many chunks: enough to balance the work over the cores when some are busy.
    static let maximumChunkCount = 8

    /// The readable transactions of `runs` whose decision (parallel to the transactions of `runs`, run
    /// after run) lets them through, in the order of `runs`. Transactions of delete sessions are left
    /// out; branch pointers get empty changes. Much work is split into chunks of consecutive transactions
    /// that are decoded on several threads (each chunk with its own decoder) and joined in order.
    /// `keyOfPosition` gives, per position, the ``KeyRing`` index of a private transaction's `keyUsed`
    /// (-1 for the others).
    static func decode(runs: [SessionRun], decisions: [OwnedValueDecision], coID: CoID, keys: KeyRing, keyOfPosition: [Int32],
                       prefetched: [PrefetchedPlaintexts] = []) -> [DecodedTransaction] {
        let chunks = chunks(of: runs, decisions: decisions)
        // Every position yields at most one transaction, so each chunk fills its own region of the result
        // (one slot per position, from the chunk's first position on); the regions are then closed up by
        // moving the transactions down (no copies).
        return [DecodedTransaction](unsafeUninitializedCapacity: decisions.count) { buffer, initializedCount in
            initializedCount = 0
            guard let base = buffer.baseAddress else { return }
            let slots = ResultSlots(base: base)
            let written = Mutex([Int](repeating: 0, count: chunks.count))
            let decodeChunk: @Sendable (Int) -> Void = { chunk in
                var decoder = TransactionDecoder(coID: coID, keys: keys)
                let count = decoder.decode(runs: runs, decisions: decisions, keyOfPosition: keyOfPosition, positions: chunks[chunk],
                                           prefetched: prefetched, into: slots.base)
                written.withLock { $0[chunk] = count }
            }
            if chunks.count == 1 {
                decodeChunk(0)
            } else {
                DispatchQueue.concurrentPerform(iterations: chunks.count, execute: decodeChunk)
            }
            let counts = written.withLock { $0 }
            var end = 0
            for (chunk, count) in zip(chunks, counts) {
                if chunk.lowerBound != end { (base + end).moveInitialize(from: base + chunk.lowerBound, count: count) }
                end += count
            }
            initializedCount = end
        }
    }

    /// Consecutive ranges of positions (counted over all runs) with about equal work each, covering
    /// every position; a single range when there is too little work to share.
    private static func chunks(of runs: [SessionRun], decisions: [OwnedValueDecision]) -> [Range<Int>] {
        var total = 0
        var position = 0
        for run in runs {
            defer { position += run.count }
            for offset in 0..<run.count where decisions[position + offset] == .valid {
                total += work(run.transactions[run.transactions.startIndex + offset])
            }
        }
        guard total >= parallelThreshold else { return [0..<decisions.count] }
        let target = total / maximumChunkCount + 1
        var chunks: [Range<Int>] = []
        var chunkStart = 0
        var chunkWork = 0
        position = 0
        for run in runs {
            defer { position += run.count }
            for offset in 0..<run.count where decisions[position + offset] == .valid {
                chunkWork += work(run.transactions[run.transactions.startIndex + offset])
                if chunkWork >= target {
                    chunks.append(chunkStart..<(position + offset + 1))
                    chunkStart = position + offset + 1
                    chunkWork = 0
                }
            }
        }
        if chunkStart < decisions.count { chunks.append(chunkStart..<decisions.count) }
        return chunks
    }

    /// ``decode(runs:decisions:coID:keys:)`` for the transactions at `positions` (counted over all runs):
    /// initializes `result[positions.lowerBound...]` with the decoded transactions (at most one per
    /// position) and returns how many.
    private mutating func decode(
        runs: [SessionRun], decisions: [OwnedValueDecision], keyOfPosition: [Int32], positions: Range<Int>,
        prefetched: [PrefetchedPlaintexts], into result: UnsafeMutablePointer<DecodedTransaction>
    ) -> Int {
        var next = result + positions.lowerBound
        var runStart = 0
        for run in runs {
            defer { runStart += run.count }
            let first = max(positions.lowerBound - runStart, 0)
            let end = min(positions.upperBound - runStart, run.count)
            if first >= end || run.sessionID.isDeleteSession { continue }
            let session = Self.ownCopy(run.sessionID)
            let ready = prefetched.filter { ExactStringKey.sameBytes($0.sessionID.description, run.sessionID.description) }
            // The prefetched run holding the current index (looked up again only when the index leaves it).
            var current: PrefetchedPlaintexts?
            var nonces: TransactionNonces?
            for offset in first..<end {
                let item: DecodedTransaction?
                switch decisions[runStart + offset] {
                case .valid:
                    let index = run.firstIndex + offset
                    var plaintext: PrefetchedPlaintexts.Slot?
                    if !ready.isEmpty {
                        if current?.offset(of: index) == nil { current = ready.first { $0.offset(of: index) != nil } }
                        plaintext = current?.slot(at: index)
                    }
                    item = decode(run.transactions[run.transactions.startIndex + offset],
                                  txID: TransactionID(sessionID: session, txIndex: index), keyIndex: keyOfPosition[runStart + offset],
                                  nonces: &nonces, prefetched: plaintext)
                case .branchPointerOnly:
                    item = DecodedTransaction(txID: TransactionID(sessionID: session, txIndex: run.firstIndex + offset),
                                              madeAt: run.transactions[run.transactions.startIndex + offset].madeAt, changes: [])
                case .ownerNotLoaded, .noWritePermission:
                    item = nil
                }
                if let item {
                    next.initialize(to: item)
                    next += 1
                }
            }
        }
        return next - (result + positions.lowerBound)
    }

    /// One transaction of the session of `txID`: `keyIndex` is the ``KeyRing`` index of its `keyUsed`, if
    /// private; `nonces` are that session's (made on first need).
    mutating func decode(_ transaction: Transaction, txID: TransactionID, keyIndex: Int32, nonces: inout TransactionNonces?,
                         prefetched: PrefetchedPlaintexts.Slot? = nil) -> DecodedTransaction? {
        switch transaction {
        case .trusting(let madeAt, let changes, let meta):
            guard let array = parse(changes)?.arrayValue else { return nil }
            var metaObject: JSONObject? = nil
            if let meta {
                // Meta that is JSON but not an object (e.g. `null`) carries nothing: the transaction stays,
                // as in cojson. Meta that is not JSON makes the transaction unreadable.
                guard let parsed = parse(meta) else { return nil }
                metaObject = parsed.objectValue
            }
            return DecodedTransaction(txID: txID, madeAt: madeAt, changes: array, meta: metaObject)
        case .private(let madeAt, _, let encryptedChanges, let meta):
            guard keyIndex >= 0, Int(keyIndex) < secrets.count, let secret = secrets[Int(keyIndex)] else { return nil }
            // Decrypted ahead (only transactions with this `keyUsed`, and with the secret this view uses:
            // checked when taken), so only parsing is left.
            if let prefetched {
                guard let array = parse(prefetched.changes)?.arrayValue else { return nil }
                var metaObject: JSONObject? = nil
                if meta != nil {
                    guard let metaBytes = prefetched.meta, let parsed = parse(metaBytes) else { return nil }
                    metaObject = parsed.objectValue
                }
                return DecodedTransaction(txID: txID, madeAt: madeAt, changes: array, meta: metaObject)
            }
            if nonces == nil { nonces = TransactionNonces(coID: coID, sessionID: txID.sessionID) }
            var nonce = InlineNonce()
            withUnsafeMutableBytes(of: &nonce.bytes) { nonces?.write(txIndex: txID.txIndex, into: $0.baseAddress!) }
            guard let array = decryptAndParse(encryptedChanges, key: secret, nonce: nonce)?.arrayValue else { return nil }
            var metaObject: JSONObject? = nil
            if let meta {
                guard let parsed = decryptAndParse(meta, key: secret, nonce: nonce) else { return nil }
                metaObject = parsed.objectValue
            }
            return DecodedTransaction(txID: txID, madeAt: madeAt, changes: array, meta: metaObject)
        }
    }

    /// `bytes` parsed as JSON with the shared ``parseCache``; nil if they are not JSON.
    private mutating func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> JSONValue? {
        var cache = JSONParseCache()
        swap(&cache, &parseCache)
        defer { swap(&cache, &parseCache) }
        return try? JSONParser.parse(bytes, reusing: &cache).get()
    }

    /// `text` parsed as JSON (with the shared ``parseCache`` when its UTF-8 is contiguous); nil if it is not JSON.
    private mutating func parse(_ text: String) -> JSONValue? {
        var cache = JSONParseCache()
        swap(&cache, &parseCache)
        defer { swap(&cache, &parseCache) }
        let fast: JSONValue?? = text.utf8.withContiguousStorageIfAvailable { utf8 in
            try? JSONParser.parse(utf8, reusing: &cache).get()
        }
        if let fast { return fast }
        return try? JSONValue(parsing: text)
    }

    /// `encrypted_U<base64url>` (padding required) decrypted and parsed as JSON; nil if any step fails.
    /// The usual text is decoded, decrypted and parsed inside one reused buffer.
    private mutating func decryptAndParse(_ text: String, key: KeySecret, nonce: InlineNonce) -> JSONValue? {
        let prefix = Encrypted.prefix.utf8  // a short literal: no shared storage
        var cache = JSONParseCache()
        swap(&cache, &parseCache)
        defer { swap(&cache, &parseCache) }
        let fast: JSONValue?? = text.utf8.withContiguousStorageIfAvailable { utf8 -> JSONValue?? in
            // Other text takes the general path below (it reports the same failures).
            guard utf8.count >= prefix.count, let start = utf8.baseAddress else { return .none }
            var offset = 0
            for byte in prefix {
                guard start[offset] == byte else { return .none }
                offset += 1
            }
            let payload = UnsafeBufferPointer(rebasing: utf8[prefix.count...])
            guard let length = Base64URL.decode(payload, requirePadding: true, into: &scratch) else { return .some(nil) }
            let parsed = scratch.withUnsafeMutableBufferPointer { buffer -> JSONValue? in
                let plaintext = UnsafeMutableBufferPointer(rebasing: buffer[..<length])
                let decrypted = key.bytes.withUnsafeBytes { keyBytes in
                    withUnsafeBytes(of: nonce.bytes) { nonceBytes in FastXSalsa20.xorInPlace(plaintext, key: keyBytes, nonce: nonceBytes) }
                }
                guard decrypted else { return nil }
                return try? JSONParser.parse(UnsafeBufferPointer(plaintext), reusing: &cache).get()
            }
            return .some(parsed)
        } ?? .none
        if let fast { return fast }
        guard let encrypted = try? Encrypted(text, requirePadding: true) else { return nil }
        return try? JSONValue(parsing: key.xor(encrypted.bytes, nonce: withUnsafeBytes(of: nonce.bytes) { Array($0) }))
    }
}

/// A transaction's 24-byte nonce held inline (no allocation per transaction).
struct InlineNonce {
    var bytes: (UInt64, UInt64, UInt64) = (0, 0, 0)
}

/// The result buffer of a parallel decode, shared by the decoding threads. It is `@unchecked Sendable`
/// because the threads never touch the same memory: each initializes only the slots of its own chunk
/// of positions, and the buffer is read only after all of them have finished.
private struct ResultSlots: @unchecked Sendable {
    let base: UnsafeMutablePointer<DecodedTransaction>
}

/// Meta-driven rules applied after decoding (jazz-protocol-sync.md §6.3).
enum MetaRules {
    /// First-writer-wins: among transactions with the same `fww` value only the earliest stays visible.
    static func apply(to transactions: inout [DecodedTransaction]) {
        var seenFirstWriter: Set<String> = []
        for index in transactions.indices {
            guard let fww = transactions[index].meta?["fww"] else { continue }
            let key = fww.jsonStringify()
            if seenFirstWriter.contains(key) {
                transactions[index].isVisible = false
            } else {
                seenFirstWriter.insert(key)
            }
        }
    }
}

/// Consecutive transactions of one session: `transactions[transactions.startIndex + k]` is transaction
/// `firstIndex + k`. Lets validation and decoding walk the session logs without first copying every
/// transaction into a list of `(TransactionID, Transaction)` pairs.
struct SessionRun {
    let sessionID: SessionID
    let firstIndex: Int
    let transactions: ArraySlice<Transaction>

    var count: Int { transactions.count }

    func txID(at offset: Int) -> TransactionID { TransactionID(sessionID: sessionID, txIndex: firstIndex + offset) }

    func transaction(at offset: Int) -> Transaction { transactions[transactions.startIndex + offset] }

    /// Every transaction of `core`, session by session (the order of ``CoValueCore/allTransactions``).
    static func all(of core: CoValueCore) -> [SessionRun] {
        core.sessionOrder.compactMap { session in
            core.sessions[session].map { SessionRun(sessionID: session, firstIndex: 0, transactions: $0.transactions[...]) }
        }
    }

    /// `transactions` as runs, in the same order (a run continues while the session and the next index match).
    static func runs(of transactions: [(TransactionID, Transaction)]) -> [SessionRun] {
        var runs: [SessionRun] = []
        var start = 0
        while start < transactions.count {
            let first = transactions[start].0
            var end = start + 1
            while end < transactions.count, transactions[end].0.txIndex == first.txIndex + (end - start),
                ExactStringKey.sameBytes(transactions[end].0.sessionID.description, first.sessionID.description)
            {
                end += 1
            }
            runs.append(SessionRun(sessionID: first.sessionID, firstIndex: first.txIndex, transactions: ArraySlice(transactions[start..<end].map(\.1))))
            start = end
        }
        return runs
    }
}

extension LocalNode {
    /// The valid, readable transactions of `runs` of the CoValue `id` (unsorted): validity under the
    /// owner's rules (a group's own validity for groups), then parsing or decrypting with the keys this
    /// node can read. Transactions of delete sessions and unreadable ones are left out.
    func decodeValid(_ id: CoID, header: CoValueHeader, runs: [SessionRun]) -> [DecodedTransaction] {
        prepareValid(id, header: header, runs: runs).run()
    }

    /// What ``decodeValid(_:header:runs:)`` needs of the node (decisions, keys, prefetched plaintexts), for
    /// ``TransactionDecoder/Work/run()`` to decode without it.
    func prepareValid(_ id: CoID, header: CoValueHeader, runs: [SessionRun]) -> TransactionDecoder.Work {
        let decisions: [OwnedValueDecision]
        if header.isGroup {
            let validity = groupState(for: id)?.validity ?? [:]
            var groupDecisions: [OwnedValueDecision] = []
            for run in runs {
                for offset in 0..<run.count {
                    groupDecisions.append(validity[run.txID(at: offset)] == .valid ? .valid : .noWritePermission)
                }
            }
            decisions = groupDecisions
        } else {
            let owner = header.ownerGroup.flatMap { groupState(for: $0) }
            decisions = OwnedValueRules.decisions(of: runs, ruleset: header.ruleset, owner: owner, resolver: self)
        }
        let authority = header.ownerGroup.flatMap { groupState(for: $0) } ?? groupState(for: id)
        let reader = keyReader
        // Keys are looked up here, on this thread; decoding may then run on several.
        var keys = KeyRing()
        var keyOfPosition = [Int32](repeating: -1, count: decisions.count)
        var position = 0
        for run in runs {
            defer { position += run.count }
            if run.sessionID.isDeleteSession { continue }
            for offset in 0..<run.count where decisions[position + offset] == .valid {
                if case .private(_, let keyUsed, _, _) = run.transactions[run.transactions.startIndex + offset] {
                    keyOfPosition[position + offset] = keys.resolve(keyUsed) { keyID in
                        authority?.readKey(keyID, reader: reader, resolver: self)
                    }
                }
            }
        }
        // Plaintexts decrypted ahead, where they were decrypted with the secret this view uses.
        let prefetched = header.isGroup ? [] : plaintexts.take(id).filter { run in
            keys.secret(forKeyUsed: run.keyUsed)?.bytes == run.keyBytes
        }
        return TransactionDecoder.Work(runs: runs, decisions: decisions, coID: id, keys: keys, keyOfPosition: keyOfPosition,
                                       prefetched: prefetched)
    }
}

extension TransactionDecoder {
    /// ``decode(runs:decisions:coID:keys:keyOfPosition:prefetched:)``'s arguments, gathered while the node was read.
    struct Work: Sendable {
        let runs: [SessionRun]
        let decisions: [OwnedValueDecision]
        let coID: CoID
        let keys: KeyRing
        let keyOfPosition: [Int32]
        let prefetched: [PrefetchedPlaintexts]

        func run() -> [DecodedTransaction] {
            TransactionDecoder.decode(runs: runs, decisions: decisions, coID: coID, keys: keys, keyOfPosition: keyOfPosition,
                                      prefetched: prefetched)
        }
    }
}
