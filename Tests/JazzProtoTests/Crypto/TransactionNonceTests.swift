import Testing

@testable import JazzProto

/// The per-session nonce shortcut (prefix absorbed once, last block finished in place) against the
/// general definition: BLAKE3 of the canonical material JSON, first 24 bytes.
@Suite struct TransactionNonceTests {
    /// Nonces of `indices` written by ``TransactionNonces`` for `coID`/`session`.
    private func shortcut(_ coID: CoID, _ session: SessionID, _ index: Int) -> [UInt8] {
        var nonce = InlineNonce()
        withUnsafeMutableBytes(of: &nonce.bytes) { TransactionNonces(coID: coID, sessionID: session).write(txIndex: index, into: $0.baseAddress!) }
        return withUnsafeBytes(of: nonce.bytes) { Array($0) }
    }

    @Test func matchesTheMaterialDefinitionForManyPrefixLengthsAndIndices() throws {
        let coID = try CoID(bytes: SecureRandom.bytes(CoID.byteCount))
        var checked = 0
        // Agent sessions of different lengths move the prefix's end around the 64-byte block boundaries,
        // so the suffix lands in one block, straddles two, or (for long prefixes) takes the general path.
        for extra in 0..<80 {
            let agent = AgentSecret.random().agentID
            let session = try SessionID(agent.description + "_session_z" + String(repeating: "x", count: 1 + extra))
            for index in [0, 1, 9, 10, 99, 100, 12_345, 1_000_000_007, Int.max] {
                let expected = NonceMaterial.transaction(coID: coID, sessionID: session, txIndex: index).nonce
                #expect(shortcut(coID, session, index) == expected, "extra \(extra), index \(index)")
                checked += 1
            }
        }
        #expect(checked == 720)
    }

    @Test func theMaterialDefinitionIsBLAKE3OfTheCanonicalJSON() throws {
        let coID = try CoID(bytes: SecureRandom.bytes(CoID.byteCount))
        let session = SessionID.random(for: .agent(AgentSecret.random().agentID))
        let material = NonceMaterial.transaction(coID: coID, sessionID: session, txIndex: 42)
        let json = #"{"in":"\#(coID)","tx":{"sessionID":"\#(session)","txIndex":42}}"#
        #expect(material.canonicalJSON == json)
        #expect(material.nonce == Array(BLAKE3.hash(Array(json.utf8)).prefix(24)))
    }
}
