import Foundation
import Testing

@testable import JazzProto

/// Fixtures/jazz/session-log.json: canonical transactions, the hash chain, signatures, private encryption.
@Suite("session-log.json vectors")
struct SessionLogVectorTests {
    @Test func sessionBuiltStepByStep() throws {
        let file = try Fixtures.jazz("session-log.json")
        let coID = try CoID(file.string("coID"))
        let session = try SessionID(file.string("sessionID"))
        let agent = try AgentSecret(file.string("agentSecret"))
        #expect(agent.agentID.description == (try file.string("agentID")))
        let keyObject = try file.object("key")
        let key = KeyPair(id: try KeyID(keyObject.string("id")), secret: try KeySecret(keyObject.string("secret")))
        let headerData = try JSONSerialization.data(withJSONObject: try file.object("header"))
        #expect(try CoValueHeader(json: JSONValue(parsing: [UInt8](headerData))).id == coID)

        var written = SessionLog(sessionID: session)
        var transactions: [Transaction] = []
        let steps = try file.objects("steps")
        for (index, step) in steps.enumerated() {
            let input = try step.object("input")
            let madeAt = UInt64(try #require(input["madeAt"] as? NSNumber).int64Value)
            let changes = try input.string("changesJSON")
            let meta = input["metaJSON"] as? String
            let transaction: Transaction
            if try input.string("privacy") == "private" {
                let material = NonceMaterial.transaction(coID: coID, sessionID: session, txIndex: index)
                let expectedMaterial = try CryptoVectorTests.json(step["nOnceMaterial"])
                #expect(material.canonicalJSON == expectedMaterial.stableStringify())
                transaction = .private(
                    madeAt: madeAt, keyUsed: key.id.description,
                    encryptedChanges: key.secret.encrypt(Array(changes.utf8), nonceMaterial: material).description,
                    meta: meta.map { key.secret.encrypt(Array($0.utf8), nonceMaterial: material).description })
            } else {
                transaction = .trusting(madeAt: madeAt, changes: changes, meta: meta)
            }
            #expect(transaction.canonicalJSON == (try step.string("transactionJSON")))
            // The wire form parses back to the same transaction.
            #expect(try Transaction(json: JSONValue(parsing: step.string("transactionJSON"))) == transaction)
            let signature = try written.appendLocal(transaction, signer: agent.signerSecret)
            #expect(written.lastHash?.description == (try step.string("hashAfter")))
            #expect(String(decoding: try #require(written.lastHash).signingMessage, as: UTF8.self) == (try step.string("signedMessage")))
            #expect(signature.description == (try step.string("signature")))
            #expect(agent.agentID.signerID.isValidSignature(signature, for: try #require(written.lastHash).signingMessage))
            // Decryption gives back the plaintext (changes and meta share one nonce).
            if case .private(_, _, let encrypted, let encryptedMeta) = transaction {
                let material = NonceMaterial.transaction(coID: coID, sessionID: session, txIndex: index)
                let decrypted = key.secret.decrypt(try Encrypted(encrypted, requirePadding: true), nonceMaterial: material)
                #expect(String(decoding: decrypted, as: UTF8.self) == (try step.string("decryptedChanges")))
                if let encryptedMeta {
                    let meta = key.secret.decrypt(try Encrypted(encryptedMeta, requirePadding: true), nonceMaterial: material)
                    #expect(String(decoding: meta, as: UTF8.self) == (step["decryptedMeta"] as? String))
                }
            }
            transactions.append(transaction)
        }
        // A receiver verifies the whole log against the last signature only.
        var received = SessionLog(sessionID: session)
        try received.appendVerified(transactions, signature: try #require(written.lastSignature), signer: agent.agentID.signerID)
        #expect(received.count == steps.count)
        #expect(received.lastHash == written.lastHash)
        let known = try file.object("finalKnownState")
        #expect((known["sessions"] as? [String: Int])?[session.description] == received.count)
        Fixtures.report("session-log.json", "steps", count: steps.count)
    }

    @Test func tamperedBatchesAreRejectedAndLeaveTheLogUsable() throws {
        let file = try Fixtures.jazz("session-log.json")
        let session = try SessionID(file.string("sessionID"))
        let agent = try AgentSecret(file.string("agentSecret"))
        var writer = SessionLog(sessionID: session)
        let first = Transaction.trusting(madeAt: 1, changes: #"[{"op":"set","key":"a","value":1}]"#, meta: nil)
        let second = Transaction.trusting(madeAt: 2, changes: #"[{"op":"set","key":"a","value":2}]"#, meta: nil)
        try writer.appendLocal(first, signer: agent.signerSecret)
        let goodSignature = try writer.appendLocal(second, signer: agent.signerSecret)

        var reader = SessionLog(sessionID: session)
        let forged = Transaction.trusting(madeAt: 2, changes: #"[{"op":"set","key":"a","value":666}]"#, meta: nil)
        #expect(throws: SessionLogError.self) {
            try reader.appendVerified([first, forged], signature: goodSignature, signer: agent.agentID.signerID)
        }
        var flipped = goodSignature.bytes
        flipped[10] ^= 0x04
        #expect(throws: SessionLogError.self) {
            try reader.appendVerified([first, second], signature: try Signature(bytes: flipped), signer: agent.agentID.signerID)
        }
        let stranger = AgentSecret.random()
        #expect(throws: SessionLogError.self) {
            try reader.appendVerified([first, second], signature: goodSignature, signer: stranger.agentID.signerID)
        }
        #expect(reader.count == 0)
        // Unlike cojson 0.20.19, a rejected batch does not poison the session: the genuine one still verifies.
        try reader.appendVerified([first, second], signature: goodSignature, signer: agent.agentID.signerID)
        #expect(reader.count == 2)
    }
}
