/// Turns one valid transaction into its changes and meta: parse (trusting) or decrypt and parse (private).
/// A transaction that cannot be read (unknown key, garbage after decryption, not JSON) yields nil and is
/// simply skipped — unlike cojson 0.20.19, one bad transaction never hides the ones after it.
enum TransactionDecoder {
    static func decode(_ transaction: Transaction, txID: TransactionID, coID: CoID, keys: (KeyID) -> KeySecret?)
        -> DecodedTransaction?
    {
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
            guard let keyID = try? KeyID(keyUsed), let secret = keys(keyID),
                let encrypted = try? Encrypted(encryptedChanges, requirePadding: true)
            else { return nil }
            let nonce = NonceMaterial.transaction(coID: coID, sessionID: txID.sessionID, txIndex: txID.txIndex).nonce
            guard let array = try? JSONValue(parsing: secret.xor(encrypted.bytes, nonce: nonce)).arrayValue else { return nil }
            var metaObject: JSONObject? = nil
            if let meta {
                guard let encryptedMeta = try? Encrypted(meta, requirePadding: true),
                    let object = try? JSONValue(parsing: secret.xor(encryptedMeta.bytes, nonce: nonce)).objectValue
                else { return nil }
                metaObject = object
            }
            return DecodedTransaction(txID: txID, madeAt: madeAt, changes: array, meta: metaObject)
        }
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
