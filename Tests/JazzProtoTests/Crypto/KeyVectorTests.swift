import Foundation
import Testing

@testable import JazzProto

/// Fixtures/jazz/keys.json: agents from seeds, account IDs, group sealers.
@Suite("keys.json vectors")
struct KeyVectorTests {
    let file: [String: Any]

    init() throws {
        file = try Fixtures.jazz("keys.json")
    }

    @Test func accountsFromSeeds() throws {
        let accounts = try file.objects("accounts")
        for account in accounts {
            let seed = Hex.decode(try account.string("secretSeedHex"))
            let agent = try AgentSecret(secretSeed: seed)
            #expect(agent.sealerSecret.description == (try account.string("sealerSecret")))
            #expect(agent.signerSecret.description == (try account.string("signerSecret")))
            #expect(Hex.encode(agent.sealerSecret.bytes) == (try account.string("sealerSecretBytesHex")))
            #expect(Hex.encode(agent.signerSecret.bytes) == (try account.string("signerSecretBytesHex")))
            #expect(agent.description == (try account.string("agentSecret")))
            #expect(agent.agentID.sealerID.description == (try account.string("sealerID")))
            #expect(agent.agentID.signerID.description == (try account.string("signerID")))
            #expect(agent.agentID.description == (try account.string("agentID")))
            let header = CoValueHeader.account(agent: agent.agentID)
            #expect(header.canonicalJSON == (try account.string("accountHeaderStableStringify")))
            #expect(header.id.description == (try account.string("accountID")))
            // Parsing the header as it travels gives the same ID.
            let wire = try JSONSerialization.data(withJSONObject: try account.object("accountHeader"))
            #expect(try CoValueHeader(json: JSONValue(parsing: [UInt8](wire))).id == header.id)
            // The passphrase leads to the same account.
            let fromPhrase = try AgentSecret(secretSeed: BIP39.secretSeed(fromPhrase: account.string("passphrase")))
            #expect(fromPhrase == agent)
            // String forms round-trip through the parsers.
            #expect(try AgentSecret(agent.description) == agent)
            #expect(try AgentID(agent.agentID.description) == agent.agentID)
        }
        Fixtures.report("keys.json", "accounts", count: accounts.count)
    }

    @Test func passphrasesToAccounts() throws {
        let vectors = try file.objects("passphraseToSeed")
        for vector in vectors {
            let seed = try BIP39.secretSeed(fromPhrase: vector.string("passphrase"))
            #expect(Hex.encode(seed) == (try vector.string("secretSeedHex")))
            let agent = try AgentSecret(secretSeed: seed)
            #expect(agent.description == (try vector.string("agentSecret")))
            #expect(CoValueHeader.account(agent: agent.agentID).id.description == (try vector.string("accountID")))
        }
        Fixtures.report("keys.json", "passphraseToSeed", count: vectors.count)
    }

    @Test func groupSealers() throws {
        let vectors = try file.objects("groupSealerFromReadKey")
        for vector in vectors {
            let sealer = SealerSecret.groupSealer(fromReadKey: try KeySecret(vector.string("readKeySecret")))
            #expect(sealer.description == (try vector.string("groupSealerSecret")))
            #expect(sealer.sealerID.description == (try vector.string("groupSealerID")))
        }
        Fixtures.report("keys.json", "groupSealerFromReadKey", count: vectors.count)
    }

    @Test func worstCaseSeedLengthsAreErrors() {
        #expect(throws: CryptoError.invalidSecretSeedLength(31)) { _ = try AgentSecret(secretSeed: [UInt8](repeating: 0, count: 31)) }
        #expect(throws: CryptoError.invalidSecretSeedLength(0)) { _ = try AgentSecret(secretSeed: []) }
    }
}
