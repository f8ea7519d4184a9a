import Testing

@testable import JazzProto

/// Bad cojson strings give typed errors with useful messages, never a crash or a wrong value.
@Suite("Typed cojson strings")
struct IdentifierTests {
    static let signer = "signer_z3J4B6emyqqy4VwFMTBjjsYt1jSxtGz9RjSoB7FjKdrBL"

    @Test func wrongPrefixIsRejected() {
        #expect(throws: IdentifierError.self) { _ = try SealerID(Self.signer) }
        do {
            _ = try SealerID(Self.signer)
        } catch {
            #expect(error.description.contains("sealer_z"))
        }
    }

    @Test func truncatedValuesAreRejected() {
        let truncated = String(Self.signer.dropLast(5))
        #expect(throws: IdentifierError.self) { _ = try SignerID(truncated) }
        #expect(throws: IdentifierError.self) { _ = try Signature("signature_z" + String(repeating: "2", count: 40)) }
        #expect(throws: IdentifierError.self) { _ = try CoID("co_z") }
    }

    @Test func invalidBase58IsRejected() {
        #expect(throws: IdentifierError.self) { _ = try SignerID("signer_z0OIl" + String(Self.signer.dropFirst(12))) }
    }

    @Test func invalidBase64IsRejected() {
        #expect(throws: IdentifierError.self) { _ = try Encrypted("encrypted_U***") }
        #expect(throws: IdentifierError.self) { _ = try Encrypted("encrypted_UAA", requirePadding: true) }
        #expect(throws: IdentifierError.self) { _ = try Sealed("nope") }
    }

    @Test func agentAndSessionShapes() throws {
        let agent = try AgentSecret(secretSeed: [UInt8](repeating: 0, count: 32)).agentID
        #expect(throws: IdentifierError.self) { _ = try AgentID(agent.sealerID.description) }
        let account = CoValueHeader.account(agent: agent).id
        let session = try SessionID("\(account)_session_zAn6UebxCZd")
        #expect(session.author == .account(account))
        #expect(!session.isDeleteSession)
        let agentSession = session.withAuthor(.agent(agent))
        #expect(agentSession.description == "\(agent)_session_zAn6UebxCZd")
        #expect(try SessionID(agentSession.description).author == .agent(agent))
        let delete = try SessionID("\(account)_session_d3DUyZY2dc$")
        #expect(delete.isDeleteSession)
        for bad in ["\(account)", "\(account)_session_", "\(account)_session_x12", "\(account)_session_d12", "nobody_session_z12"] {
            #expect(throws: IdentifierError.self, "\(bad)") { _ = try SessionID(bad) }
        }
    }
}
