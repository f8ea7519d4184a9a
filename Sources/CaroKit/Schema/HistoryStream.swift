import CaroStore
import JazzProto

/// A history CoStream in its own **history group** (Docs/schema.md, "Compaction"): a group whose only
/// parent is the Caro group with the mapping `admin` and whose direct members have all left it. Every
/// current member of the Caro group is therefore admin of the stream's group — so any device (a writer
/// in the Caro group) may delete the stream after a compaction — and a device removed from the Caro
/// group loses every role in it at once. The stream's read key is its own (fresh at each compaction),
/// revealed to the Caro group's read key.
public enum HistoryStream {
    /// The parent mapping a history group gives the Caro group.
    static let parentMapping = Role.admin.rawValue

    /// Creates a history group under `caroGroup` and an empty stream in it; the creator then leaves the
    /// group's direct members (it keeps its role through the Caro group while it is a member there).
    public static func create(in node: LocalNode, caroGroup: CoID) throws(NodeError) -> CoID {
        let group = try node.createGroup()
        try node.extend(group, withParent: caroGroup, role: parentMapping)
        let stream = try node.createValue(type: "costream", owner: group)
        try node.setGroupKey(group, key: node.me.description, value: .string(Role.revoked.rawValue))
        return stream
    }

    /// Writes `rows` (live entries and tombstones) into `stream`, one item per
    /// ``CaroSchema/maxRecordsPerBatch`` records, sealed with `cipher`; `progress` is told the items written.
    static func write(_ rows: [HistoryRow], into stream: CoID, cipher: FieldCipher, node: LocalNode,
                      progress: ((Int, Int) -> Void)?) throws {
        let batches = HistoryBatch.batches(from: rows)
        for (index, batch) in batches.enumerated() {
            try node.makeTransaction(in: stream, changes: CoStreamChanges.push(try batch.encoded(with: cipher)), privacy: .private)
            progress?(index + 1, batches.count)
        }
    }

    /// Whether the node holds what ``isTrusted(_:in:caroGroup:)`` reads of `stream`: its header and its whole
    /// owner group. Its content may still be arriving (a restore starts on what has come).
    static func canJudge(_ stream: CoID, in node: LocalNode) -> Bool {
        guard let owner = node.core(stream)?.header?.ownerGroup else { return false }
        return node.isCompletelyLoaded(owner)
    }

    /// Whether `stream` may be trusted as the history when a device (not the identity) pointed the root
    /// at it: a loaded CoStream whose group has the Caro group as its only parent with the `admin`
    /// mapping, no `everyone` role and no direct member left. A stream that fails this (a group a
    /// compromised device shaped to let an outsider read) is ignored.
    static func isTrusted(_ stream: CoID, in node: LocalNode, caroGroup: CoID) -> Bool {
        guard let header = node.core(stream)?.header, header.type == "costream", let owner = header.ownerGroup, owner != caroGroup,
            let state = node.groupState(for: owner), !state.isAccount
        else { return false }
        let parents = state.parents()
        guard parents.count == 1, parents[0].id == caroGroup, parents[0].mapping == parentMapping else { return false }
        if let everyone = state.value("everyone")?.stringValue, everyone != Role.revoked.rawValue { return false }
        return state.directMembers.allSatisfy { $0.role == .revoked }
    }

    /// Rotates the read key of the history group of `stream` (after the Caro group's key was rotated to
    /// remove a device: the stream's old key was revealed to the Caro group's old key, which the removed
    /// device holds). A stream owned by the Caro group itself needs nothing.
    public static func rotateKey(of stream: CoID, in node: LocalNode, caroGroup: CoID) throws(NodeError) {
        guard let owner = node.core(stream)?.header?.ownerGroup, owner != caroGroup else { return }
        try node.rotateReadKey(of: owner)
    }

    /// Whether this node may delete `stream` (admin of its group, directly or through the Caro group).
    static func canDelete(_ stream: CoID, in node: LocalNode) -> Bool {
        guard let owner = node.core(stream)?.header?.ownerGroup, let state = node.groupState(for: owner) else { return false }
        return state.role(of: node.me.description, resolver: node) == .admin
    }
}
