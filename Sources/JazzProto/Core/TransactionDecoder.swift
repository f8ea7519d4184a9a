/// Turns valid transactions of one CoValue into their changes and meta: parse (trusting) or decrypt and
/// parse (private). A transaction that cannot be read (unknown key, garbage after decryption, not JSON)
/// yields nil and is simply skipped — unlike cojson 0.20.19, one bad transaction never hides the ones after it.
///
/// One decoder serves many transactions: it remembers the key of each `keyUsed` text and the nonce
/// material of the current session, so a long run of private transactions costs one key lookup and
/// a short hash per transaction.
struct TransactionDecoder {
    let coID: CoID
    /// The secret of a key ID (asked at most once per distinct `keyUsed`).
    private let keys: (KeyID) -> KeySecret?
    /// `keyUsed` text (exact bytes) -> its secret, nil when the ID is malformed or the key unavailable.
    private var secrets: [ExactStringKey: KeySecret?] = [:]
    private var lastSecret: (keyUsed: String, secret: KeySecret?)?
    /// Reused for decoding, decrypting and parsing private changes and meta.
    private var scratch: [UInt8] = []
    /// The nonces of the session of the previous private transaction.
    private var nonces: (session: SessionID, nonces: TransactionNonces)?

    init(coID: CoID, keys: @escaping (KeyID) -> KeySecret?) {
        self.coID = coID
        self.keys = keys
    }

    /// One transaction.
    mutating func decode(_ transaction: Transaction, txID: TransactionID) -> DecodedTransaction? {
        switch transaction {
        case .trusting(let madeAt, let changes, let meta):
            guard let parsed = try? JSONValue(parsing: changes), let array = parsed.arrayValue else { return nil }
            var metaObject: JSONObject? = nil
            if let meta {
                guard let parsedMeta = try? JSONValue(parsing: meta), let object = parsedMeta.objectValue else { return nil }
                metaObject = object
            }
            return DecodedTransaction(txID: txID, madeAt: madeAt, changes: array, meta: metaObject)
        case .private(let madeAt, let keyUsed, let encryptedChanges, let meta):
            guard let secret = secret(forKeyUsed: keyUsed) else { return nil }
            let nonce = nonce(of: txID)
            guard let array = decryptAndParse(encryptedChanges, key: secret, nonce: nonce)?.arrayValue else { return nil }
            var metaObject: JSONObject? = nil
            if let meta {
                guard let object = decryptAndParse(meta, key: secret, nonce: nonce)?.objectValue else { return nil }
                metaObject = object
            }
            return DecodedTransaction(txID: txID, madeAt: madeAt, changes: array, meta: metaObject)
        }
    }

    private static let encryptedPrefix = Array(Encrypted.prefix.utf8)

    /// `encrypted_U<base64url>` (padding required) decrypted and parsed as JSON; nil if any step fails.
    /// The usual text is decoded, decrypted and parsed inside one reused buffer.
    private mutating func decryptAndParse(_ text: String, key: KeySecret, nonce: [UInt8]) -> JSONValue? {
        let prefix = Self.encryptedPrefix
        let fast: JSONValue?? = text.utf8.withContiguousStorageIfAvailable { utf8 -> JSONValue?? in
            // Other text takes the general path below (it reports the same failures).
            guard utf8.count >= prefix.count, utf8[..<prefix.count].elementsEqual(prefix) else { return .none }
            let payload = UnsafeBufferPointer(rebasing: utf8[prefix.count...])
            guard let length = Base64URL.decode(payload, requirePadding: true, into: &scratch) else { return .some(nil) }
            let parsed = scratch.withUnsafeMutableBufferPointer { buffer -> JSONValue? in
                let plaintext = UnsafeMutableBufferPointer(rebasing: buffer[..<length])
                guard (try? XSalsa20.xorInPlace(plaintext, key: key.bytes, nonce: nonce)) != nil else { return nil }
                return try? JSONParser.parse(UnsafeBufferPointer(plaintext)).get()
            }
            return .some(parsed)
        } ?? .none
        if let fast { return fast }
        guard let encrypted = try? Encrypted(text, requirePadding: true) else { return nil }
        return try? JSONValue(parsing: key.xor(encrypted.bytes, nonce: nonce))
    }

    private mutating func secret(forKeyUsed keyUsed: String) -> KeySecret? {
        if let last = lastSecret, ExactStringKey.sameBytes(last.keyUsed, keyUsed) { return last.secret }
        let secret: KeySecret?
        if let known = secrets[ExactStringKey(keyUsed)] {
            secret = known
        } else {
            secret = (try? KeyID(keyUsed)).flatMap(keys)
            secrets[ExactStringKey(keyUsed)] = secret
        }
        lastSecret = (keyUsed, secret)
        return secret
    }

    private mutating func nonce(of txID: TransactionID) -> [UInt8] {
        if let current = nonces, ExactStringKey.sameBytes(current.session.description, txID.sessionID.description) {
            return current.nonces.nonce(txIndex: txID.txIndex)
        }
        let fresh = TransactionNonces(coID: coID, sessionID: txID.sessionID)
        nonces = (txID.sessionID, fresh)
        return fresh.nonce(txIndex: txID.txIndex)
    }
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
        var decoder = TransactionDecoder(coID: id) { keyID in authority?.readKey(keyID, reader: reader, resolver: self) }
        var decoded: [DecodedTransaction] = []
        decoded.reserveCapacity(decisions.count)
        var position = 0
        for run in runs {
            defer { position += run.count }
            if run.sessionID.isDeleteSession { continue }
            for offset in 0..<run.count {
                switch decisions[position + offset] {
                case .valid:
                    if let item = decoder.decode(run.transaction(at: offset), txID: run.txID(at: offset)) { decoded.append(item) }
                case .branchPointerOnly:
                    decoded.append(DecodedTransaction(txID: run.txID(at: offset), madeAt: run.transaction(at: offset).madeAt, changes: []))
                case .ownerNotLoaded, .noWritePermission:
                    continue
                }
            }
        }
        return decoded
    }
}
