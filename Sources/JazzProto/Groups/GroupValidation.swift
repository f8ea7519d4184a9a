/// cojson's `determineValidTransactionsForGroup` (jazz-protocol-core.md §6.3): replays a group's
/// transactions in order and decides which are valid, building the member/key map as it goes.
struct GroupValidation<Resolver: GroupResolving> {
    let groupID: CoID
    let header: CoValueHeader
    let resolver: Resolver
    let initialAdmin: String
    /// True for a plain group, false for an account.
    let isPlainGroup: Bool

    private(set) var validity: [TransactionID: TransactionValidity] = [:]
    private(set) var history = GroupEditHistory()
    private(set) var parentOrder: [CoID] = []
    private(set) var parentChanges: [CoID: [(madeAt: UInt64, mapping: String)]] = [:]
    private(set) var keyRevelations: [String: [String]] = [:]

    // Replay state (MemberRoleResolver).
    private var directRoles: [String: String] = [:]
    private var resolverParents: [(group: GroupState, mapping: String)] = []
    private var writeOnlyKeys: [String: String] = [:]
    private var writeKeysSeen: Set<String> = []

    init(groupID: CoID, header: CoValueHeader, resolver: Resolver) {
        self.groupID = groupID
        self.header = header
        self.resolver = resolver
        if case .group(let admin) = header.ruleset {
            initialAdmin = admin.description
        } else {
            initialAdmin = ""
        }
        isPlainGroup = !header.isAccount
    }

    mutating func run(_ transactions: [(TransactionID, Transaction)]) {
        let sorted = transactions.sorted {
            TransactionOrder.precedes(
                ($0.1.madeAt, $0.0.sessionID, $0.0.txIndex), ($1.1.madeAt, $1.0.sessionID, $1.0.txIndex))
        }
        for (txID, transaction) in sorted {
            let outcome = validate(txID, transaction)
            validity[txID] = outcome
        }
    }

    /// The transactor's role at `time` in the replay so far (cojson `MemberRoleResolver.getRoleAtTime`):
    /// direct role, raised by parents through `isHigherRole`; the group's own `everyone` is not consulted.
    private func roleAtTime(_ member: String, _ time: UInt64) -> Role? {
        var role = directRoles[member].flatMap(Role.init(rawValue:))
        for (parent, mapping) in resolverParents {
            guard let parentRole = parent.role(of: member, atTime: time, resolver: resolver), parentRole.isInheritable
            else { continue }
            guard let resolved = mapping == "extend" ? parentRole : Role(rawValue: mapping) else { continue }
            if Role.isHigher(resolved, than: role) { role = resolved }
        }
        return role
    }

    private mutating func validate(_ txID: TransactionID, _ transaction: Transaction) -> TransactionValidity {
        let transactor = txID.sessionID.author.description
        let madeAt = transaction.madeAt
        let role = roleAtTime(transactor, madeAt)

        guard case .trusting(_, let changesText, _) = transaction else {
            if isPlainGroup { return .invalid("Can't make private transactions in groups") }
            return role == .admin ? .valid : .invalid("Only admins can make private transactions in groups")
        }
        guard let changesJSON = try? JSONValue(parsing: changesText), let changes = changesJSON.arrayValue else {
            return .unparseable
        }
        guard changes.count == 1 else { return .invalid("Group transaction must have exactly one change") }
        let change = changes[0]
        guard change["op"]?.stringValue == "set", let key = change["key"]?.stringValue else {
            return .invalid("Group transaction must set a role or readKey")
        }
        let value = change["value"] ?? .null

        func accept() -> TransactionValidity {
            record(GroupEdit(key: key, value: value, madeAt: madeAt, txID: txID))
            return .valid
        }

        switch key {
        case "readKey", "groupSealer", "profile", "root":
            guard role?.canAdmin == true else {
                return .invalid(key == "readKey" ? "Only admins can set readKeys" : "Only admins can set \(key)")
            }
            return accept()
        default:
            break
        }

        if Self.isKeyReveal(key) {
            let revealers: Set<Role> = [.admin, .adminInvite, .manager, .managerInvite, .writerInvite, .readerInvite, .writeOnlyInvite]
            guard (role.map { revealers.contains($0) } ?? false) || isOwnWriteKeyReveal(key, transactor) else {
                return .invalid("Only admins and managers can reveal keys")
            }
            return accept()
        }

        if key.hasPrefix("parent_") {
            guard role?.canAdmin == true else { return .invalid("Only admins and managers can set parent extensions") }
            guard let parentID = try? CoID(key.dropFirst("parent_".count)), let parent = resolver.groupState(for: parentID)
            else {
                return .invalid("Parent group is not loaded")
            }
            guard !parent.isAccount else { return .invalid("Parent group is not a group") }
            // cojson checks the parent's current parents (its full view), not a point in time.
            if Self.extends(parent, target: groupID, resolver: resolver) {
                return .invalid("Parent group is a circular dependency")
            }
            let mapping = value.stringValue ?? ""
            if mapping == Role.revoked.rawValue {
                resolverParents.removeAll { $0.group.id == parentID }
            } else if let index = resolverParents.firstIndex(where: { $0.group.id == parentID }) {
                resolverParents[index].mapping = mapping
            } else {
                resolverParents.append((parent, mapping))
            }
            if parentChanges[parentID] == nil { parentOrder.append(parentID) }
            parentChanges[parentID, default: []].append((madeAt, mapping))
            return accept()
        }

        if key.hasPrefix("child_") { return .invalid("Child extensions are not allowed anymore") }

        if key.hasPrefix("writeKeyFor_") {
            let member = String(key.dropFirst("writeKeyFor_".count))
            guard role == .admin || role == .manager || role == .writeOnlyInvite || member == transactor else {
                return .invalid("Only admins and managers can set writeKeys")
            }
            // cojson records the write key before the override check (reference quirk).
            if let keyID = value.stringValue { writeOnlyKeys[member] = keyID }
            if writeKeysSeen.contains(key) && role?.canAdmin != true {
                return .invalid("Write key already exists and can't be overridden by invite")
            }
            writeKeysSeen.insert(key)
            return accept()
        }

        // A role assignment: key = member, value = role.
        guard let assigned = value.stringValue.flatMap(Role.init(rawValue:)) else {
            return .invalid("Group transaction must set a valid role")
        }
        if key == "everyone" && ![.reader, .writer, .writeOnly, .revoked].contains(assigned) {
            return .invalid("Everyone can only be set to reader, writer, writeOnly or revoked")
        }
        func acceptRole() -> TransactionValidity {
            directRoles[key] = assigned.rawValue
            return accept()
        }
        if role == nil && transactor == initialAdmin && key == transactor && assigned == .admin {
            return acceptRole()
        }
        if key == transactor && assigned == .revoked { return acceptRole() }
        let targetRole = roleAtTime(key, madeAt)
        switch role {
        case .admin:
            if targetRole == .admin && assigned != .admin && key != transactor {
                return .invalid("Admins can't demote admins.")
            }
            return acceptRole()
        case .manager:
            if targetRole == .admin { return .invalid("Managers can't demote admins.") }
            if assigned == .admin { return .invalid("Managers can't promote to admin.") }
            if assigned == .adminInvite { return .invalid("Managers can't invite admins.") }
            if assigned == .managerInvite { return .invalid("Managers can't invite managers.") }
            return acceptRole()
        case .adminInvite?, .managerInvite?, .writerInvite?, .readerInvite?, .writeOnlyInvite?:
            guard let role, assigned == role.invitedRole else {
                return .invalid(role?.inviteRefusal ?? "Invites can only create their own role.")
            }
            return acceptRole()
        default:
            return .invalid("Group transaction must be made by current admin, manager, or invite")
        }
    }

    private mutating func record(_ edit: GroupEdit) {
        history.append(edit)
        if edit.key.hasPrefix("key_") && edit.key.contains("_for_key") {
            let parts = edit.key.split(separator: "_for_", omittingEmptySubsequences: false).map(String.init)
            if parts.count == 2 {
                if !(keyRevelations[parts[0]]?.contains(parts[1]) ?? false) {
                    keyRevelations[parts[0], default: []].append(parts[1])
                }
            }
        }
    }

    /// The reveal key shapes (cojson `isKeyForKeyField`, `isKeyForAccountField`, `isKeySealedForGroupField`).
    static func isKeyReveal(_ key: String) -> Bool {
        let isKey = key.hasPrefix("key_")
        if isKey && key.contains("_for_key") { return true }
        if isKey && (key.contains("_for_sealer") || key.contains("_for_co")) { return true }
        if key.contains("_for_everyone") { return true }
        return isKey && key.contains("_sealedFor_sealer")
    }

    /// cojson `isOwnWriteKeyRevelation`: the revealed key is the transactor's own write-only key.
    private func isOwnWriteKeyReveal(_ key: String, _ transactor: String) -> Bool {
        let keyID: Substring
        if let range = key.firstRange(of: "_for_") {
            keyID = key[..<range.lowerBound]
        } else if let range = key.firstRange(of: "_sealedFor_") {
            keyID = key[..<range.lowerBound]
        } else {
            return false
        }
        guard !keyID.isEmpty else { return false }
        return writeOnlyKeys[transactor] == String(keyID)
    }

    /// True if `parent` (or, transitively, its current parents) is `target` (cojson `isSelfExtension`).
    static func extends(_ parent: GroupState, target: CoID, resolver: Resolver) -> Bool {
        var checked: Set<CoID> = []
        var queue = [parent]
        while let current = queue.popLast() {
            if current.id == target { return true }
            checked.insert(current.id)
            for (id, _) in current.parents() where !checked.contains(id) {
                if let next = resolver.groupState(for: id) { queue.append(next) }
            }
        }
        return false
    }
}
