import Synchronization

/// A group or account as cojson sees it: which of its transactions are valid, the resulting
/// member/key map, roles at any time, and the read keys a reader can obtain.
///
/// Built from scratch from all transactions (validity is a pure function of the data); rebuild it
/// whenever the group or one of its parents changes.
public final class GroupState: Sendable {
    public let id: CoID
    public let header: CoValueHeader
    /// True for an account (a group whose meta is `{"type":"account"}`).
    public let isAccount: Bool
    /// Validity of every transaction, by position.
    public let validity: [TransactionID: TransactionValidity]
    let history: GroupEditHistory
    /// Parent groups ever recorded by a valid `parent_<ID>` set, in first-seen order, each with its mapping history.
    let parentHistory: [(id: CoID, changes: [(madeAt: UInt64, mapping: String)])]
    /// `<keyID>` → key IDs it is encrypted under inside this group (`<keyID>_for_<keyID2>` entries).
    let keyRevelations: [String: [String]]
    private let readKeyCache = Mutex<[String: KeySecret]>([:])

    /// The initial admin named in the header.
    public var initialAdmin: AccountOrAgentID {
        if case .group(let admin) = header.ruleset { return admin }
        return .account(id)
    }

    /// Validates `transactions` (all sessions of this group) with cojson's group rules.
    public init(id: CoID, header: CoValueHeader, transactions: [(TransactionID, Transaction)], resolver: some GroupResolving) {
        self.id = id
        self.header = header
        self.isAccount = header.isAccount
        var builder = GroupValidation(groupID: id, header: header, resolver: resolver)
        builder.run(transactions)
        validity = builder.validity
        history = builder.history
        parentHistory = builder.parentOrder.map { ($0, builder.parentChanges[$0] ?? []) }
        keyRevelations = builder.keyRevelations
    }

    // MARK: Reading the map

    /// The current value of a group key (a role, `readKey`, a reveal, …), or at a point in time.
    public func value(_ key: String, atTime time: UInt64? = nil) -> JSONValue? {
        history.value(key, atTime: time)
    }

    /// The latest valid edit of a key (value, author, transaction).
    public func lastEdit(_ key: String, atTime time: UInt64? = nil) -> GroupEdit? {
        history.lastEdit(key, atTime: time)
    }

    /// All valid edits of a key in order.
    public func edits(_ key: String) -> [GroupEdit] { history.edits(key) }

    /// Keys with a current value, in first-edit order.
    public var keys: [String] { history.keyOrder.filter { history.value($0, atTime: nil) != nil } }

    /// The group's view as JSON (cojson `toJSON()`): every key with its latest valid value.
    public var json: JSONValue {
        var object = JSONObject()
        for key in history.keyOrder {
            if let value = history.value(key, atTime: nil) { object[key] = value }
        }
        return .object(object)
    }

    /// The current `readKey` ID.
    public var currentReadKeyID: KeyID? {
        value("readKey")?.stringValue.flatMap { try? KeyID($0) }
    }

    /// Direct members (account or agent keys) with their direct roles.
    public var directMembers: [(member: AccountOrAgentID, role: Role)] {
        history.keyOrder.compactMap { key in
            guard key.hasPrefix("co_") || AgentID.looksLikeAgentID(key),
                let member = try? AccountOrAgentID(key),
                let role = value(key)?.stringValue.flatMap(Role.init(rawValue:))
            else { return nil }
            return (member, role)
        }
    }

    /// Parent groups whose current mapping is not `revoked`, with that mapping (`extend` or a role).
    public func parents(atTime time: UInt64? = nil) -> [(id: CoID, mapping: String)] {
        parentHistory.compactMap { entry in
            guard let mapping = Self.mapping(entry.changes, atTime: time), mapping != Role.revoked.rawValue else { return nil }
            return (entry.id, mapping)
        }
    }

    static func mapping(_ changes: [(madeAt: UInt64, mapping: String)], atTime time: UInt64?) -> String? {
        guard let time else { return changes.last?.mapping }
        return changes.last(where: { $0.madeAt <= time })?.mapping
    }

    // MARK: Roles (cojson `roleOfInternal`, jazz-protocol-core.md §6.5)

    /// The role of a member (account ID, agent ID or `everyone`), including parents and the
    /// `everyone` fallback, now or at a point in time.
    public func role(of member: String, atTime time: UInt64? = nil, resolver: some GroupResolving) -> Role? {
        role(of: member, atTime: time, resolver: resolver, depth: 0)
    }

    func role(of member: String, atTime time: UInt64?, resolver: some GroupResolving, depth: Int) -> Role? {
        if isAccount, member == id.description { return .admin }
        var role = value(member, atTime: time)?.stringValue.flatMap(Role.init(rawValue:))
        if role == .revoked { role = nil }
        if depth < Self.maxParentDepth {
            for (parentID, changes) in parentHistory {
                guard let mapping = Self.mapping(changes, atTime: time), mapping != Role.revoked.rawValue,
                    let parent = resolver.groupState(for: parentID),
                    let parentRole = parent.role(of: member, atTime: time, resolver: resolver, depth: depth + 1),
                    parentRole.isInheritable
                else { continue }
                guard let inherited = mapping == "extend" ? parentRole : Role(rawValue: mapping) else { continue }
                if Self.shouldInherit(inherited, over: role) { role = inherited }
            }
        }
        if role == nil, member != "everyone",
            let everyone = value("everyone", atTime: time)?.stringValue.flatMap(Role.init(rawValue:)), everyone != .revoked
        {
            return everyone
        }
        return role
    }

    /// cojson `isMorePermissiveAndShouldInherit(roleInParent, roleInChild)`.
    static func shouldInherit(_ parent: Role, over child: Role?) -> Bool {
        switch parent {
        case .revoked: return true
        case .manager: return child == nil || (child != .manager && child != .admin)
        case .admin: return child == nil || child != .admin
        case .writer: return child == nil || child == .reader || child == .writeOnly
        case .reader: return child == nil
        default: return false
        }
    }

    /// Parent chains deeper than this are treated as absent (guards against cyclic data).
    static let maxParentDepth = 64

    // MARK: Keys (cojson `getReadKey`, jazz-protocol-core.md §8.2)

    /// The secret of `keyID` as `reader` can obtain it from this group, or nil.
    public func readKey(_ keyID: KeyID, reader: KeyReader, resolver: some GroupResolving) -> KeySecret? {
        readKey(keyID.description, reader: reader, resolver: resolver, visiting: [])
    }

    func readKey(_ keyID: String, reader: KeyReader, resolver: some GroupResolving, visiting: Set<String>) -> KeySecret? {
        if let cached = readKeyCache.withLock({ $0[keyID] }) { return cached }
        let visitKey = "\(id)/\(keyID)"
        guard !visiting.contains(visitKey), visiting.count < 256 else { return nil }
        let visiting = visiting.union([visitKey])
        guard let secret = uncachedReadKey(keyID, reader: reader, resolver: resolver, visiting: visiting) else { return nil }
        readKeyCache.withLock { $0[keyID] = secret }
        return secret
    }

    private func uncachedReadKey(_ keyID: String, reader: KeyReader, resolver: some GroupResolving, visiting: Set<String>)
        -> KeySecret?
    {
        // 1. Public.
        if let everyone = value("\(keyID)_for_everyone")?.stringValue, let secret = try? KeySecret(everyone) {
            return secret
        }
        // 2. Sealed to me: the latest reveal that opens. cojson looks only at the latest one; but a reveal's
        // transaction can be replayed under another session of the same signer (signatures cover the hash
        // chain, not the session ID), and such a copy cannot be opened (its nonce names the session) — it
        // must not hide the genuine reveal.
        for edit in edits("\(keyID)_for_\(reader.memberKey(in: id))").reversed() {
            if let sealedString = edit.value.stringValue, let sealed = try? Sealed(sealedString),
                let revealer = agent(of: edit.author, resolver: resolver),
                let secret = try? reader.agentSecret.sealerSecret.unsealKeySecret(
                    sealed, from: revealer.sealerID,
                    nonceMaterial: .transaction(coID: id, sessionID: edit.txID.sessionID, txIndex: edit.txID.txIndex))
            {
                return secret
            }
        }
        // 3. Encrypted under another key of this group (rotation history).
        for encryptingID in keyRevelations[keyID] ?? [] {
            guard let encryptingSecret = readKey(encryptingID, reader: reader, resolver: resolver, visiting: visiting),
                let secret = decryptKeyForKey(keyID, encryptingID: encryptingID, with: encryptingSecret)
            else { continue }
            return secret
        }
        // 4. Through parent groups.
        for (parentID, _) in parentHistory {
            guard let parent = resolver.groupState(for: parentID) else { continue }
            for encryptingID in keyRevelations[keyID] ?? [] {
                guard let parentSecret = parent.readKey(encryptingID, reader: reader, resolver: resolver, visiting: visiting),
                    let secret = decryptKeyForKey(keyID, encryptingID: encryptingID, with: parentSecret)
                else { continue }
                return secret
            }
            if let secret = unsealWithGroupSealer(keyID, parent: parent, reader: reader, resolver: resolver, visiting: visiting) {
                return secret
            }
        }
        return nil
    }

    private func decryptKeyForKey(_ keyID: String, encryptingID: String, with encryptingSecret: KeySecret) -> KeySecret? {
        guard let encryptedString = value("\(keyID)_for_\(encryptingID)")?.stringValue,
            let encrypted = try? Encrypted(encryptedString),
            let encryptedKeyID = try? KeyID(keyID), let encryptingKeyID = try? KeyID(encryptingID)
        else { return nil }
        return try? encryptingSecret.decryptKeySecret(encrypted, encryptedID: encryptedKeyID, encryptingID: encryptingKeyID)
    }

    private func unsealWithGroupSealer(
        _ keyID: String, parent: GroupState, reader: KeyReader, resolver: some GroupResolving, visiting: Set<String>
    ) -> KeySecret? {
        for sealerEdit in parent.edits("groupSealer").reversed() {
            guard let value = sealerEdit.value.stringValue, let at = value.firstIndex(of: "@") else { continue }
            let readKeyID = String(value[..<at])
            let sealerID = String(value[value.index(after: at)...])
            guard let parentReadKey = parent.readKey(readKeyID, reader: reader, resolver: resolver, visiting: visiting)
            else { continue }
            let sealerSecret = SealerSecret.groupSealer(fromReadKey: parentReadKey)
            // The latest sealed copy that opens (see step 2 of `uncachedReadKey` on replayed copies).
            for sealedEdit in edits("\(keyID)_sealedFor_\(sealerID)").reversed() {
                guard let sealedString = sealedEdit.value.stringValue, let sealed = try? SealedForGroup(sealedString)
                else { continue }
                if let secret = try? sealerSecret.unsealKeySecretForGroup(
                    sealed,
                    nonceMaterial: .transaction(
                        coID: id, sessionID: sealedEdit.txID.sessionID, txIndex: sealedEdit.txID.txIndex))
                {
                    return secret
                }
            }
        }
        return nil
    }

    /// The agent behind an author: itself, or the agent in a loaded account's header.
    func agent(of author: AccountOrAgentID, resolver: some GroupResolving) -> AgentID? {
        switch author {
        case .agent(let agent): return agent
        case .account(let account): return resolver.agent(ofAccount: account)
        }
    }
}
