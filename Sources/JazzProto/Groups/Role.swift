/// A member's role in a group (jazz-protocol-core.md §6.2).
public enum Role: String, Sendable, Hashable, CaseIterable, Codable {
    case admin, manager, writer, reader, writeOnly, revoked
    case adminInvite, managerInvite, writerInvite, readerInvite, writeOnlyInvite

    /// Roles that may write to values owned by the group.
    public var canWriteOwnedValues: Bool { [.admin, .manager, .writer, .writeOnly].contains(self) }

    /// Roles a group may inherit from a parent.
    public var isInheritable: Bool { [.admin, .manager, .writer, .reader].contains(self) }

    /// `canAdmin` in cojson: admin or manager.
    public var canAdmin: Bool { self == .admin || self == .manager }

    /// Roles that count as readers (`canRead`): they get new read keys on rotation.
    public var canRead: Bool {
        [.admin, .manager, .writer, .reader, .adminInvite, .writerInvite, .readerInvite].contains(self)
    }

    /// The role an invite of this kind may assign (`writerInvite` → `writer`).
    public var invitedRole: Role? {
        switch self {
        case .adminInvite: return .admin
        case .managerInvite: return .manager
        case .writerInvite: return .writer
        case .readerInvite: return .reader
        case .writeOnlyInvite: return .writeOnly
        default: return nil
        }
    }

    /// cojson's reason when an invite of this kind assigns another role.
    var inviteRefusal: String? {
        switch self {
        case .adminInvite: return "AdminInvites can only create admins."
        case .managerInvite: return "managerInvite can only create managers."
        case .writerInvite: return "WriterInvites can only create writers."
        case .readerInvite: return "ReaderInvites can only create reader."
        case .writeOnlyInvite: return "WriteOnlyInvites can only create writeOnly."
        default: return nil
        }
    }

    /// cojson `isHigherRole(a, b)`, used when validating group transactions.
    static func isHigher(_ a: Role?, than b: Role?) -> Bool {
        guard let a, a != .revoked else { return false }
        guard let b, b != .revoked else { return true }
        if b == .admin { return false }
        if a == .admin { return true }
        if b == .manager { return false }
        if a == .manager { return true }
        return a == .writer && b == .reader
    }
}
