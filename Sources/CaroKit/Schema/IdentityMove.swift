import Foundation
import JazzProto

/// Where an identity moved after `caro sync revoke-identity` (Docs/schema.md, "Identity revocation"):
/// the new identity's account and Caro IDs, written by the old identity into the old root once per
/// device that moves, as `movedTo_<device account>` = `{"nonce", "sealed"}`, sealed (cojson `seal`:
/// X25519 between the old identity's agent and the device's agent, XSalsa20-Poly1305) to that device
/// only. Whoever else holds the old words reads the old root, but not where the devices went.
/// `movedAt` (ms) marks the old root as moved.
public struct IdentityMove: Codable, Sendable, Equatable {
    public var identity: String
    public var group: String
    public var root: String
    public var history: String
    public var preferences: String
    public var devices: String

    static let movedAtKey = "movedAt"
    static func key(for deviceAccount: CoID) -> String { "movedTo_\(deviceAccount)" }

    static func nonceMaterial(root: CoID, device: CoID, nonce: String) -> NonceMaterial {
        .json(["movedTo": .string(device.description), "root": .string(root.description), "nonce": .string(nonce)])
    }

    /// The value for `device` (whose agent is `deviceAgent`), sealed by `identity` (the old account's agent).
    func sealed(from identity: AgentSecret, to deviceAgent: AgentID, device: CoID, root: CoID) throws -> JSONValue {
        let nonce = Base58.encode(SecureRandom.bytes(16))
        let plaintext = [UInt8](try JSONEncoder().encode(self))
        let sealed = try identity.sealerSecret.seal(plaintext, to: deviceAgent.sealerID,
                                                    nonceMaterial: Self.nonceMaterial(root: root, device: device, nonce: nonce))
        return .object(JSONObject([("nonce", .string(nonce)), ("sealed", .string(sealed.description))]))
    }

    /// The move written for this node's account in `root`, by the identity `identity` only; nil if there
    /// is none (or it does not open).
    static func read(root: CoID, in node: LocalNode, identity: CoID) -> IdentityMove? {
        guard let device = node.accountID, node.hasContent(root), let identityAgent = node.agent(ofAccount: identity) else { return nil }
        let state = CoMapState(transactions: node.decodedTransactions(of: root))
        guard let value = state.edits(forKey: key(for: device)).last(where: { $0.author == .account(identity) })?.value,
            let nonce = value["nonce"]?.stringValue, let text = value["sealed"]?.stringValue, let sealed = try? Sealed(text),
            let plaintext = try? node.agentSecret.sealerSecret.unseal(
                sealed, from: identityAgent.sealerID, nonceMaterial: nonceMaterial(root: root, device: device, nonce: nonce))
        else { return nil }
        return try? JSONDecoder().decode(IdentityMove.self, from: Data(plaintext))
    }

    /// When the identity of `root` moved (its `movedAt`, by the identity), or nil.
    static func movedAt(root: CoID, in node: LocalNode, identity: CoID) -> Int64? {
        guard node.hasContent(root) else { return nil }
        let state = CoMapState(transactions: node.decodedTransactions(of: root))
        return state.edits(forKey: movedAtKey).last { $0.author == .account(identity) }?.value?.int64Value
    }
}

extension DeviceCredentials {
    /// The same device (secret, account, session, relay) under the identity `move` names.
    func moved(to move: IdentityMove) -> DeviceCredentials {
        var moved = self
        moved.identity = move.identity
        moved.group = move.group
        moved.root = move.root
        moved.history = move.history
        moved.preferences = move.preferences
        moved.devices = move.devices
        return moved
    }
}
