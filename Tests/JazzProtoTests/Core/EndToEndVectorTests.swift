import Testing

@testable import JazzProto

/// jazz-protocol-core.md §5.9: an account, a group and a map made from fixed inputs must reproduce the
/// reference's transactions, hashes and signatures byte for byte.
@Suite("Creating an account, group and map (core §5.9)")
struct EndToEndVectorTests {
    static let t0: UInt64 = 1_767_225_600_000

    static func makeNode() throws -> (LocalNode, ScriptedEnvironment) {
        let script = ScriptedEnvironment(
            times: [t0, t0 + 1, t0 + 2,  // account transactions
                    t0, t0 + 10, t0 + 11, t0 + 12, t0 + 13,  // group createdAt, group transactions
                    t0 + 1000, t0 + 20, t0 + 21],  // map createdAt, map transactions
            randoms: [Array(1...8),  // session random part
                      [UInt8](repeating: 0x22, count: 12), [UInt8](repeating: 0x11, count: 32),  // account read key
                      [UInt8](repeating: 0x33, count: 12),  // group uniqueness
                      [UInt8](repeating: 0x44, count: 12), [UInt8](repeating: 0x55, count: 32),  // group read key
                      [UInt8](repeating: 0x66, count: 12)])  // map uniqueness
        let agent = try AgentSecret(secretSeed: [UInt8](repeating: 0, count: 32))
        return (try LocalNode.createAccount(agentSecret: agent, environment: script.environment), script)
    }

    static func hashesAndSignatures(_ node: LocalNode, _ id: CoID, _ session: SessionID) throws -> [(String, String)] {
        // Replay the session one transaction at a time to read each prefix's hash and signature.
        let log = try #require(node.core(id)?.sessions[session])
        var replay = SessionLog(sessionID: session)
        var result: [(String, String)] = []
        for transaction in log.transactions {
            let signature = try replay.appendLocal(transaction, signer: node.agentSecret.signerSecret)
            result.append((try #require(replay.lastHash).description, signature.description))
        }
        return result
    }

    @Test func accountGroupAndMapMatchTheReference() throws {
        let (node, script) = try Self.makeNode()
        let accountID = try #require(node.accountID)
        #expect(accountID.description == "co_zJtD4ZYwozugKkhhQ5tnWpjczzs")
        #expect(node.sessionID.description == "co_zJtD4ZYwozugKkhhQ5tnWpjczzs_session_zAn6UebxCZd")

        let agentSession = node.writingSession(for: accountID)
        #expect(try Self.hashesAndSignatures(node, accountID, agentSession).map(\.0) == [
            "hash_z8thVGxZvdH56k1y6rb1fbT155bwex3bVTdcC8m4yvm6V", "hash_zFbqQmqAdtaanthR7mhi5nreV4J1GPKNp15MWwucfSrd2",
            "hash_z6mwJieVMzNqnPjRJMGnRYZciF8jXvUPYn9LirDpNL3Tw",
        ])
        #expect(node.core(accountID)?.sessions[agentSession]?.lastSignature?.description
            == "signature_z4Xs3WdwAZ56CQcs3i1GhY9hY7yRaRh1Pr63nsyP4ZZU4gJZUCwucozFiefiB4dAgp6ZgDFdZb6p3ejRNKGYgwJWL")

        let groupID = try node.createGroup()
        #expect(groupID.description == "co_zC68CskKSd45Ki5Ga3RjTbet9Bh")
        let groupChain = try Self.hashesAndSignatures(node, groupID, node.sessionID)
        #expect(groupChain.map(\.0) == [
            "hash_zGUcfLdotBCHj63oeNgHR5GkPHSKyJMkQ8vp1sMDwU3uV", "hash_z63igKJiQzXUyTBmyf1wumzzn1Xi8vqebb199bgRRR1hT",
            "hash_z2tZXHqG2smQAaK24HApQBvTdBwCguVbArJLfAmUQxS4E", "hash_zGvN1FcB4VBcrgXqEPyF3aCSbDHBSuoPFK16MRjmMYjJ5",
        ])
        #expect(groupChain.last?.1
            == "signature_z46izUBXVnUPRVNKw6iDFZyycP4Xt7UDgt1j6NYiE71x7UaJoz2hDKqxdABMjftfxmrgskL457SZdR27DgV5Pxu4G")

        let mapID = try node.createValue(type: "comap", owner: groupID)
        #expect(mapID.description == "co_zUtT6wDqze1v3N7to426MntBGKY")
        try node.makeTransaction(in: mapID, changes: [["op": "set", "key": "name", "value": "Alice"]].map(Self.ordered), privacy: .private)
        try node.makeTransaction(in: mapID, changes: [["op": "set", "key": "age", "value": 42]].map(Self.ordered),
                                 privacy: .private, meta: ["fww": "init"])
        let mapLog = try #require(node.core(mapID)?.sessions[node.sessionID])
        #expect(mapLog.transactions.first?.canonicalJSON
            == #"{"encryptedChanges":"encrypted_UBcNsezBEj3oEVuWCjMaVtnYmQRlbSRg-q7ElRSMNiC6KXQ8Hj2M0fML6sQ==","keyUsed":"key_z2HigBxv6Jz9uwpJmq","madeAt":1767225600020,"privacy":"private"}"#)
        #expect(mapLog.transactions.last?.meta == "encrypted_Ulp6HPtGzo82IUf0HOv4=")
        #expect(try Self.hashesAndSignatures(node, mapID, node.sessionID).map(\.1) == [
            "signature_z4rmzyxhAHdyvuVeqiiz97xeEwWE3x2VLQzhSYuympnoGdjkckkDhBmFQWL4ASAejXhDiVERNK8QWGWFPfyJWFR1A",
            "signature_z2fvXuJHDEkXpqiasDN7ZnLVFwYLx8Fi4nvo5AS8GoX8GTWrHCK777MEcek75kbd7JfUxcreQDUQTWLXkUoxrXgiU",
        ])
        #expect(script.unusedTimes == 0 && script.unusedRandoms == 0)

        // The node reads its own data back: roles, keys, decrypted map entries.
        let group = try #require(node.groupState(for: groupID))
        #expect(group.role(of: accountID.description, resolver: node) == .admin)
        #expect(node.currentReadKey(of: groupID)?.secret.description == "keySecret_z6k78AbasGMFFrhG95Pj6jQbqkVt7FQMhVgemxJovWKR6")
        let decoded = node.decodedTransactions(of: mapID)
        #expect(decoded.map { $0.changes.map { $0.jsonStringify() } } == [
            [#"{"op":"set","key":"name","value":"Alice"}"#], [#"{"op":"set","key":"age","value":42}"#],
        ])
        #expect(decoded.last?.meta == ["fww": "init"])
    }

    /// JS insertion order for CoMap ops: op, key, value.
    static func ordered(_ change: [String: JSONValue]) -> JSONValue {
        .object(JSONObject(["op", "key", "value"].compactMap { key in change[key].map { (key, $0) } }))
    }
}
