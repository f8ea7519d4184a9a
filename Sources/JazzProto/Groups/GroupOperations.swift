/// Creating accounts, groups and values, and changing membership and keys, with exactly the
/// transactions cojson writes (jazz-protocol-core.md §6.6–6.7).
extension LocalNode {
    /// Creates the account of `agentSecret` and a node acting as it: the deterministic account header and
    /// cojson's three creation transactions (admin, sealed read key, readKey) in the agent session.
    public static func createAccount(agentSecret: AgentSecret, environment: NodeEnvironment = .system) throws(NodeError)
        -> LocalNode
    {
        let agentID = agentSecret.agentID
        let header = CoValueHeader.account(agent: agentID)
        let node = LocalNode(agentSecret: agentSecret, accountID: header.id, environment: environment)
        let accountID = node.createCoValue(header)
        let key = node.newKey()
        let member = agentID.description
        try node.setGroupKey(accountID, key: member, value: .string(Role.admin.rawValue))
        try node.revealKey(key, in: accountID, to: member, agent: agentID)
        try node.setGroupKey(accountID, key: "readKey", value: .string(key.id.description))
        return node
    }

    /// The account this node acts as (nil for an agent-only node).
    public var me: AccountOrAgentID { accountID.map { .account($0) } ?? .agent(agentSecret.agentID) }

    /// A fresh random key from the node's randomness.
    func newKey() -> KeyPair {
        let id = environment.randomBytes(KeyID.byteCount)
        let secret = environment.randomBytes(KeySecret.byteCount)
        return KeyPair(
            id: KeyID(uncheckedString: KeyID.prefix + Base58.encode(id), bytes: id),
            secret: KeySecret(uncheckedString: KeySecret.prefix + Base58.encode(secret), bytes: secret))
    }

    /// `createdAt` and `uniqueness` for a new header, from the node's clock and randomness.
    func freshHeaderStamp() -> (createdAt: String, uniqueness: String) {
        let createdAt = NodeEnvironment.isoString(milliseconds: environment.now())
        return (createdAt, "z" + Base58.encode(environment.randomBytes(12)))
    }

    /// Creates a group administered by this node's account (cojson `createGroup`): admin, sealed read
    /// key, `readKey`, `groupSealer`.
    @discardableResult
    public func createGroup(name: String? = nil) throws(NodeError) -> CoID {
        let stamp = freshHeaderStamp()
        let groupID = createCoValue(.group(admin: me, name: name, createdAt: stamp.createdAt, uniqueness: stamp.uniqueness))
        let key = newKey()
        try setGroupKey(groupID, key: me.description, value: .string(Role.admin.rawValue))
        try revealKey(key, in: groupID, to: me.description, agent: agentSecret.agentID)
        try setGroupKey(groupID, key: "readKey", value: .string(key.id.description))
        try setGroupKey(groupID, key: "groupSealer", value: .string(Self.groupSealerValue(for: key)))
        return groupID
    }

    /// `<readKeyID>@<sealerID>` of the sealer derived from a read key.
    static func groupSealerValue(for key: KeyPair) -> String {
        "\(key.id)@\(SealerSecret.groupSealer(fromReadKey: key.secret).sealerID)"
    }

    /// Creates a value owned by `group` (`comap`, `colist`, `costream`, `coplaintext`; binary streams are
    /// `costream` with meta `{"type":"binary"}`).
    @discardableResult
    public func createValue(type: String, owner group: CoID, meta: JSONValue = .null, restrictDeletion: Bool? = nil)
        throws(NodeError) -> CoID
    {
        guard hasContent(group) else { throw .unknownCoValue(group) }
        let stamp = freshHeaderStamp()
        return createCoValue(
            .owned(type: type, by: group, meta: meta, createdAt: stamp.createdAt, uniqueness: stamp.uniqueness,
                   restrictDeletion: restrictDeletion))
    }

    /// One trusting group transaction `[{"op":"set","key":K,"value":V}]`.
    @discardableResult
    public func setGroupKey(_ group: CoID, key: String, value: JSONValue) throws(NodeError) -> TransactionID {
        let change: JSONValue = .object(JSONObject([("op", "set"), ("key", .string(key)), ("value", value)]))
        return try makeTransaction(in: group, changes: [change], privacy: .trusting)
    }

    /// Writes `<keyID>_for_<member>` = the key sealed from this node's agent to `agent`, with the nonce
    /// of the transaction that will carry it.
    func revealKey(_ key: KeyPair, in group: CoID, to member: String, agent: AgentID) throws(NodeError) {
        let session = writingSession(for: group)
        let txIndex = core(group)?.count(of: session) ?? 0
        let sealed: Sealed
        do {
            sealed = try agentSecret.sealerSecret.sealKeySecret(
                key.secret, to: agent.sealerID, nonceMaterial: .transaction(coID: group, sessionID: session, txIndex: txIndex))
        } catch {
            throw .crypto(error)
        }
        try setGroupKey(group, key: "\(key.id)_for_\(member)", value: .string(sealed.description))
    }

    /// The agent behind a member key (an agent ID, or a loaded account).
    func agentOfMember(_ member: String) -> AgentID? {
        if AgentID.looksLikeAgentID(member) { return try? AgentID(member) }
        guard let account = try? CoID(member) else { return nil }
        return agent(ofAccount: account)
    }

    /// The current read key of a group, as this node can obtain it.
    public func currentReadKey(of group: CoID) -> KeyPair? {
        guard let state = groupState(for: group), let keyID = state.currentReadKeyID,
            let secret = state.readKey(keyID, reader: keyReader, resolver: self)
        else { return nil }
        return KeyPair(id: keyID, secret: secret)
    }

    /// cojson `addMember`: role, then the current read key (and every write-only key) revealed to the
    /// member; for `everyone`, the read key in plaintext.
    public func addMember(_ member: String, role: Role, to group: CoID) throws(NodeError) {
        guard let state = groupState(for: group) else { throw .notAGroup(group) }
        guard let readKey = currentReadKey(of: group) else { throw .noWriteKey(group) }
        if member == "everyone" {
            guard [.reader, .writer, .writeOnly].contains(role) else {
                throw .notPermitted(group, "everyone can only be reader, writer or writeOnly")
            }
            try setGroupKey(group, key: "everyone", value: .string(role.rawValue))
            if role != .writeOnly {
                try setGroupKey(group, key: "\(readKey.id)_for_everyone", value: .string(readKey.secret.description))
            }
            return
        }
        guard let agent = agentOfMember(member) else { throw .unknownCoValue((try? CoID(member)) ?? group) }
        try setGroupKey(group, key: member, value: .string(role.rawValue))
        try revealKey(readKey, in: group, to: member, agent: agent)
        for writeKeyEntry in state.keys where writeKeyEntry.hasPrefix("writeKeyFor_") {
            guard let keyIDString = state.value(writeKeyEntry)?.stringValue, let keyID = try? KeyID(keyIDString),
                let secret = state.readKey(keyID, reader: keyReader, resolver: self)
            else { continue }
            try revealKey(KeyPair(id: keyID, secret: secret), in: group, to: member, agent: agent)
        }
    }

    /// cojson `removeMember`: rotate the read key away from the member, then mark it `revoked`.
    public func removeMember(_ member: String, from group: CoID) throws(NodeError) {
        try rotateReadKey(of: group, removing: member)
        try setGroupKey(group, key: member, value: .string(Role.revoked.rawValue))
    }

    /// cojson `rotateReadKey`: a new read key for every remaining reader, the old key stored under the new
    /// one (so history stays readable), then `readKey` and `groupSealer`, then reveals to parents.
    public func rotateReadKey(of group: CoID, removing removed: String? = nil) throws(NodeError) {
        guard let state = groupState(for: group) else { throw .notAGroup(group) }
        if removed != "everyone", let everyone = state.role(of: "everyone", resolver: self), everyone.canRead {
            return  // Everyone can read: rotating would be pointless (the new key would be public too).
        }
        guard let oldKey = currentReadKey(of: group) else { throw .noWriteKey(group) }
        let newKey = newKey()
        for (member, role) in state.directMembers where member.description != removed && role.canRead {
            guard let agent = agentOfMember(member.description) else { continue }
            try revealKey(newKey, in: group, to: member.description, agent: agent)
        }
        let encrypted = newKey.secret.encryptKeySecret(oldKey, encryptingID: newKey.id)
        try setGroupKey(group, key: "\(oldKey.id)_for_\(newKey.id)", value: .string(encrypted.description))
        try setGroupKey(group, key: "readKey", value: .string(newKey.id.description))
        try setGroupKey(group, key: "groupSealer", value: .string(Self.groupSealerValue(for: newKey)))
        for (parentID, _) in state.parents() {
            guard let parentKey = currentReadKey(of: parentID) else { continue }
            let encryptedForParent = parentKey.secret.encryptKeySecret(newKey, encryptingID: parentKey.id)
            try setGroupKey(group, key: "\(newKey.id)_for_\(parentKey.id)", value: .string(encryptedForParent.description))
        }
    }

    /// cojson `extend`: `parent_<P>` = `extend` (or a role), and the child's read key revealed to the parent.
    public func extend(_ child: CoID, withParent parent: CoID, role: String = "extend") throws(NodeError) {
        guard let parentState = groupState(for: parent), !parentState.isAccount else { throw .notAGroup(parent) }
        guard let childKey = currentReadKey(of: child) else { throw .noWriteKey(child) }
        try setGroupKey(child, key: "parent_\(parent)", value: .string(role))
        if let parentKey = currentReadKey(of: parent) {
            let encrypted = parentKey.secret.encryptKeySecret(childKey, encryptingID: parentKey.id)
            try setGroupKey(child, key: "\(childKey.id)_for_\(parentKey.id)", value: .string(encrypted.description))
        } else if let sealerValue = parentState.value("groupSealer")?.stringValue, let at = sealerValue.firstIndex(of: "@"),
            let sealerID = try? SealerID(sealerValue[sealerValue.index(after: at)...])
        {
            let session = writingSession(for: child)
            let txIndex = core(child)?.count(of: session) ?? 0
            do {
                let sealed = try SealedForGroup.sealKeySecret(
                    childKey.secret, to: sealerID, nonceMaterial: .transaction(coID: child, sessionID: session, txIndex: txIndex))
                try setGroupKey(child, key: "\(childKey.id)_sealedFor_\(sealerID)", value: .string(sealed.description))
            } catch let error as CryptoError {
                throw .crypto(error)
            } catch let error as NodeError {
                throw error
            } catch {
                throw .notPermitted(child, "\(error)")
            }
        }
    }
}

extension LocalNode {
    /// Creates an account the way jazz-tools does on sign-up (so a Jazz app logging in with the same
    /// secret accepts it): the cojson account, then a profile group, the profile CoMap `{name}` in it
    /// (private), the account's `profile`, and `everyone: reader` on the profile group.
    /// (jazz-tools adds the inbox itself on the app's next login migration.)
    public static func createJazzAccount(agentSecret: AgentSecret, name: String, environment: NodeEnvironment = .system)
        throws(NodeError) -> LocalNode
    {
        let node = try createAccount(agentSecret: agentSecret, environment: environment)
        guard let accountID = node.accountID else { return node }
        let profileGroup = try node.createGroup()
        let profile = try node.createValue(type: "comap", owner: profileGroup)
        let nameChange: JSONValue = .object(JSONObject([("op", "set"), ("key", "name"), ("value", .string(name))]))
        try node.makeTransaction(in: profile, changes: [nameChange], privacy: .private)
        try node.setGroupKey(accountID, key: "profile", value: .string(profile.description))
        try node.addMember("everyone", role: .reader, to: profileGroup)
        return node
    }

    /// The account's `profile` and `root` CoValue IDs, if set.
    public func accountReferences() -> (profile: CoID?, root: CoID?) {
        guard let accountID, let state = groupState(for: accountID) else { return (nil, nil) }
        return (state.value("profile")?.stringValue.flatMap { try? CoID($0) },
                state.value("root")?.stringValue.flatMap { try? CoID($0) })
    }
}

extension LocalNode {
    /// Deletes a value everywhere (cojson `deleteCoValue`): one trusting transaction `[]` with meta
    /// `{"deleted":"<id>"}` in a fresh delete session. Only an admin of the owner group may; groups and
    /// accounts cannot be deleted. Peers then keep only the tombstone and refuse further writes.
    public func deleteCoValue(_ id: CoID) throws(NodeError) {
        guard let header = core(id)?.header else { throw .unknownCoValue(id) }
        guard !header.isGroup, let owner = header.ownerGroup else {
            throw .notPermitted(id, "only values owned by a group can be deleted (not groups or accounts)")
        }
        guard groupState(for: owner)?.role(of: me.description, resolver: self) == .admin else {
            throw .notPermitted(id, "only an admin of its group may delete it")
        }
        let session = SessionID.randomDeleteSession(for: me)
        let meta: JSONValue = ["deleted": .string(id.description)]
        let marker = Transaction.trusting(madeAt: environment.now(), changes: "[]", meta: meta.jsonStringify())
        try appendTransaction(marker, to: id, session: session)
    }
}
