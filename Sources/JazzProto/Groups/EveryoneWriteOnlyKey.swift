/// Writing into a value whose group gives `everyone` the `writeOnly` role, as a non-member (cojson
/// `getCurrentReadKeyId` → `internalCreateWriteOnlyKeyForMember`).
extension LocalNode {
    /// When this node is not a member of `id`'s owner group, the group sets `everyone: writeOnly`, and this
    /// node has no write key there yet: creates one, as cojson does on the first write — `writeKeyFor_<me>`
    /// = a fresh key's ID, the key sealed to this node, and sealed to every member that can read (so the
    /// group's owners read what was added; other write-only writers do not). Returns the key, or nil when
    /// the case does not apply. (Parent groups are not given the key: cojson also reveals it to them.)
    func createEveryoneWriteOnlyKey(for id: CoID) throws(NodeError) -> KeyPair? {
        guard let header = cores[id]?.header, !header.isGroup, let groupID = header.ownerGroup,
            let group = groupState(for: groupID)
        else { return nil }
        let me = keyReader.memberKey(in: groupID)
        guard group.value("everyone")?.stringValue == Role.writeOnly.rawValue,
            group.role(of: me, resolver: self) == .writeOnly, group.value("writeKeyFor_\(me)") == nil
        else { return nil }
        let key = newKey()
        try setGroupKey(groupID, key: "writeKeyFor_\(me)", value: .string(key.id.description))
        try revealKey(key, in: groupID, to: me, agent: agentSecret.agentID)
        for (member, role) in group.directMembers where role.canRead && member.description != me {
            guard let agent = agentOfMember(member.description) else { continue }
            try revealKey(key, in: groupID, to: member.description, agent: agent)
        }
        return key
    }
}
