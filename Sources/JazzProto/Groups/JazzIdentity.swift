/// A Jazz identity from a recovery phrase: the words are the BIP39 encoding of the 32-byte secret seed,
/// exactly as jazz-tools' passphrase login uses them, so the same words open the same account anywhere.
public struct JazzIdentity: Sendable, Hashable {
    public let secretSeed: [UInt8]
    public let agentSecret: AgentSecret

    /// 24 words → seed → agent secret → account. Wrong words or checksum give a `PassphraseError`.
    public init(phrase: String) throws(PassphraseError) {
        let seed = try BIP39.secretSeed(fromPhrase: phrase)
        do {
            try self.init(secretSeed: seed)
        } catch {
            throw .invalidEntropyLength(seed.count)  // unreachable: a 24-word phrase always yields 32 bytes
        }
    }

    /// From a 32-byte secret seed.
    public init(secretSeed: [UInt8]) throws(CryptoError) {
        self.secretSeed = secretSeed
        self.agentSecret = try AgentSecret(secretSeed: secretSeed)
    }

    public var agentID: AgentID { agentSecret.agentID }

    /// The account ID (a hash of the deterministic account header naming this agent).
    public var accountID: CoID { CoValueHeader.account(agent: agentID).id }

    /// The 24-word phrase of this identity.
    public var phrase: String { (try? BIP39.phrase(fromEntropy: secretSeed)) ?? "" }
}
