import Testing

@testable import JazzProto

/// Accounts as jazz-tools creates them: a profile readable by everyone, referenced from the account.
@Suite("jazz-tools account conventions")
struct JazzAccountTests {
    @Test func signUpCreatesAPublicProfile() throws {
        let identity = try JazzIdentity(secretSeed: SecureRandom.bytes(32))
        let node = try LocalNode.createJazzAccount(agentSecret: identity.agentSecret, name: "Caro User")
        #expect(node.accountID == identity.accountID)
        let profile = try #require(node.accountReferences().profile)
        #expect(node.view(of: profile) == ["name": "Caro User"])

        // A stranger (and a relay) can read the profile through the everyone reveal; the account itself
        // lists profile and no private content.
        let stranger = LocalNode(agentSecret: .random(), accountID: nil)
        for id in [identity.accountID, node.core(profile)!.header!.ownerGroup!, profile] {
            for piece in node.core(id)!.newContentSince(nil) { stranger.ingest(piece) }
        }
        #expect(stranger.view(of: profile) == ["name": "Caro User"])
        #expect(stranger.view(of: identity.accountID)?["profile"] == .string(profile.description))
        // The profile group: account admin, everyone reader.
        let group = try #require(stranger.groupState(for: node.core(profile)!.header!.ownerGroup!))
        #expect(group.role(of: identity.accountID.description, resolver: stranger) == .admin)
        #expect(group.role(of: "everyone", resolver: stranger) == .reader)
    }
}
