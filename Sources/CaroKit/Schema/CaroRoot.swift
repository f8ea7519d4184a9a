import JazzProto

/// The CaroRoot CoMap as read from a node (Docs/schema.md): the schema version, the IDs of the history
/// feed, preferences and devices, and the field keys.
public struct CaroRoot: Sendable {
    public var schemaVersion: Int
    public var history: CoID
    public var preferences: CoID
    public var devices: CoID
    public var cipher: FieldCipher

    /// Reads the root `id` from `node`, trusting only edits made by `admin` (the 24-word account: a
    /// device, a writer in the group, cannot redirect the history or replace a field key); nil when it
    /// is not loaded, lacks a part, or this node cannot read it.
    public init?(_ id: CoID, in node: LocalNode, admin: CoID) {
        guard node.hasContent(id) else { return nil }
        let state = CoMapState(transactions: node.decodedTransactions(of: id))
        func value(_ key: String) -> JSONValue? { Self.identityValue(key, in: state, admin: admin) }
        func reference(_ key: String) -> CoID? { value(key)?.stringValue.flatMap { try? CoID($0) } }
        guard let version = value(CaroSchema.RootKey.schemaVersion)?.int64Value,
            let history = Self.history(in: state, node: node, admin: admin, caroGroup: node.core(id)?.header?.ownerGroup),
            let preferences = reference(CaroSchema.RootKey.preferences), let devices = reference(CaroSchema.RootKey.devices)
        else { return nil }
        let current = Int(value(CaroSchema.RootKey.fieldKeyVersion)?.int64Value ?? 0)
        var keys: [Int: [UInt8]] = [:]
        for version in 1...max(current, 1) {
            if let text = value(CaroSchema.RootKey.fieldKey(version))?.stringValue, let key = try? Base64URL.decode(text),
                key.count == SecretBox.keyByteCount
            {
                keys[version] = key
            }
        }
        self.schemaVersion = Int(version)
        self.history = history
        self.preferences = preferences
        self.devices = devices
        self.cipher = FieldCipher(keys: keys, currentVersion: current)
    }

    /// The history stream: the last `history` edit made by the identity, or made later by a device after
    /// a compaction if it points at a trusted history stream (``HistoryStream/isTrusted(_:in:caroGroup:)``).
    static func history(in state: CoMapState, node: LocalNode, admin: CoID, caroGroup: CoID?) -> CoID? {
        for edit in state.edits(forKey: CaroSchema.RootKey.history).reversed() {
            guard let target = edit.value?.stringValue.flatMap({ try? CoID($0) }) else { continue }
            if edit.author == .account(admin) { return target }
            if let caroGroup, HistoryStream.isTrusted(target, in: node, caroGroup: caroGroup) { return target }
        }
        return nil
    }

    /// The preferences and devices CoMaps the identity's edits of root `id` name (readable before the
    /// history stream is judged): a new device loads these small ones before the history, which a relay
    /// would otherwise send first.
    public static func settingsMaps(_ id: CoID, in node: LocalNode, admin: CoID) -> [CoID] {
        guard node.hasContent(id) else { return [] }
        let state = CoMapState(transactions: node.decodedTransactions(of: id))
        return [CaroSchema.RootKey.preferences, CaroSchema.RootKey.devices].compactMap { key in
            identityValue(key, in: state, admin: admin)?.stringValue.flatMap { try? CoID($0) }
        }
    }

    /// The identity's last edit of `key` (a device's edits of the root count only where the schema says so).
    private static func identityValue(_ key: String, in state: CoMapState, admin: CoID) -> JSONValue? {
        state.edits(forKey: key).last { $0.author == .account(admin) }?.value
    }

    /// Streams a device pointed the root's `history` at that this node has not loaded yet (load them
    /// before reading the root, or it falls back to an older stream).
    public static func unloadedHistories(_ id: CoID, in node: LocalNode) -> [CoID] {
        guard node.hasContent(id) else { return [] }
        let state = CoMapState(transactions: node.decodedTransactions(of: id))
        return state.edits(forKey: CaroSchema.RootKey.history).compactMap { edit in
            edit.value?.stringValue.flatMap { try? CoID($0) }
        }.filter { !node.isCompletelyLoaded($0) }
    }

    /// The changes that create a root (one private transaction).
    static func creation(history: CoID, preferences: CoID, devices: CoID, fieldKey: [UInt8]) -> [JSONValue] {
        CoMapChanges.assign([
            (CaroSchema.RootKey.schemaVersion, .number(Double(CaroSchema.version))),
            (CaroSchema.RootKey.history, .string(history.description)),
            (CaroSchema.RootKey.preferences, .string(preferences.description)),
            (CaroSchema.RootKey.devices, .string(devices.description)),
            (CaroSchema.RootKey.fieldKeyVersion, .number(1)),
            (CaroSchema.RootKey.fieldKey(1), .string(Base64URL.encode(fieldKey))),
        ])
    }

    /// Every history item of the feed, decoded with the field keys, and the problems met (entries
    /// skipped). Items of a format this caro does not know are skipped silently.
    /// With `after` (per feed session, the transactions already applied), only the items past it are
    /// decrypted and decoded.
    public func feedItems(in node: LocalNode, after applied: [String: Int]? = nil) -> (items: [SyncEngine.FeedItem], problems: [String]) {
        var items: [SyncEngine.FeedItem] = []
        var problems: [String] = []
        let transactions: [DecodedTransaction]
        if let applied {
            var counts: [SessionID: Int] = [:]
            for session in node.knownState(of: history).sessions.keys { counts[session] = applied[session.description] ?? 0 }
            transactions = node.decodedTransactions(of: history, after: counts)
        } else {
            transactions = node.decodedTransactions(of: history)
        }
        for item in CoStreamState(transactions: transactions).allItems {
            guard let decoded = HistoryBatch.decode(item.value, cipher: cipher) else { continue }
            problems += decoded.problems
            items.append(SyncEngine.FeedItem(session: item.txID.sessionID.description, txIndex: item.txID.txIndex,
                                             batch: decoded.batch))
        }
        return (items, problems)
    }
}
