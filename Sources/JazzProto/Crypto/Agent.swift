/// An agent's secrets: an X25519 sealer secret and an Ed25519 signer secret,
/// written `sealerSecret_z…/signerSecret_z…`.
public struct AgentSecret: CanonicalString {
    public let sealerSecret: SealerSecret
    public let signerSecret: SignerSecret

    public init(sealerSecret: SealerSecret, signerSecret: SignerSecret) {
        self.sealerSecret = sealerSecret
        self.signerSecret = signerSecret
    }

    /// Parses `sealerSecret_z…/signerSecret_z…`.
    public init(_ string: some StringProtocol) throws(IdentifierError) {
        let parts = string.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw .malformed(kind: "agent secret", value: String(string), expectedShape: "sealerSecret_z…/signerSecret_z…")
        }
        self.init(sealerSecret: try SealerSecret(parts[0]), signerSecret: try SignerSecret(parts[1]))
    }

    /// cojson's `agentSecretFromSecretSeed`: sealer = BLAKE3("seal" ‖ seed), signer = BLAKE3("sign" ‖ seed).
    public init(secretSeed seed: [UInt8]) throws(CryptoError) {
        guard seed.count == 32 else { throw .invalidSecretSeedLength(seed.count) }
        let sealer = BLAKE3.hash(Array("seal".utf8) + seed)
        let signer = BLAKE3.hash(Array("sign".utf8) + seed)
        self.init(
            sealerSecret: SealerSecret(uncheckedString: SealerSecret.prefix + Base58.encode(sealer), bytes: sealer),
            signerSecret: SignerSecret(uncheckedString: SignerSecret.prefix + Base58.encode(signer), bytes: signer))
    }

    /// A fresh random agent (independent random sealer and signer secrets, like `newRandomAgentSecret`).
    public static func random() -> AgentSecret {
        AgentSecret(sealerSecret: .random(), signerSecret: .random())
    }

    /// The public agent ID.
    public var agentID: AgentID {
        AgentID(sealerID: sealerSecret.sealerID, signerID: signerSecret.signerID)
    }

    public var description: String { "\(sealerSecret)/\(signerSecret)" }
}

/// An agent's public identity: `sealer_z…/signer_z…`.
public struct AgentID: CanonicalString {
    public let sealerID: SealerID
    public let signerID: SignerID
    public let description: String

    public init(sealerID: SealerID, signerID: SignerID) {
        self.sealerID = sealerID
        self.signerID = signerID
        self.description = "\(sealerID)/\(signerID)"
    }

    /// Parses `sealer_z…/signer_z…`.
    public init(_ string: some StringProtocol) throws(IdentifierError) {
        let parts = string.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw .malformed(kind: "agent ID", value: String(string), expectedShape: "sealer_z…/signer_z…")
        }
        self.init(sealerID: try SealerID(parts[0]), signerID: try SignerID(parts[1]))
    }

    /// cojson's `isAgentID`: starts with `sealer_` and contains `/signer_`.
    public static func looksLikeAgentID(_ string: some StringProtocol) -> Bool {
        string.hasPrefix("sealer_") && string.contains("/signer_")
    }

    public static func == (lhs: AgentID, rhs: AgentID) -> Bool { lhs.description == rhs.description }
    public func hash(into hasher: inout Hasher) { hasher.combine(description) }
}

extension SignerSecret {
    /// A fresh random signer secret.
    public static func random() -> SignerSecret {
        let bytes = SecureRandom.bytes(byteCount)
        return SignerSecret(uncheckedString: prefix + Base58.encode(bytes), bytes: bytes)
    }

    /// The matching public key.
    public var signerID: SignerID {
        // The expanded key is seed ‖ public key.
        let publicKey = Array(expandedKey.suffix(Ed25519.publicKeyByteCount))
        return SignerID(uncheckedString: SignerID.prefix + Base58.encode(publicKey), bytes: publicKey)
    }

    /// Ed25519 signature of `message` (deterministic, RFC 8032).
    public func sign<Bytes: Collection>(_ message: Bytes) -> Signature where Bytes.Element == UInt8 {
        let signature = withBytes(message) { Ed25519.sign($0, secretKey: expandedKey) }
        return Signature(uncheckedString: Signature.prefix + Base58.encode(signature), bytes: signature)
    }
}

extension SignerID {
    /// True iff `signature` signs `message` under this key.
    public func isValidSignature<Bytes: Collection>(_ signature: Signature, for message: Bytes) -> Bool
    where Bytes.Element == UInt8 {
        Ed25519.isValid(signature: signature.bytes, for: message, publicKey: bytes)
    }
}

extension SealerSecret {
    /// A fresh random sealer secret.
    public static func random() -> SealerSecret {
        let bytes = SecureRandom.bytes(byteCount)
        return SealerSecret(uncheckedString: prefix + Base58.encode(bytes), bytes: bytes)
    }

    /// The matching public key.
    public var sealerID: SealerID {
        let publicKey = (try? X25519.publicKey(secret: bytes)) ?? []
        return SealerID(uncheckedString: SealerID.prefix + Base58.encode(publicKey), bytes: publicKey)
    }

    /// cojson's `groupSealerFromReadKey`: BLAKE3("groupSealer" ‖ UTF-8 of the `keySecret_z…` string).
    public static func groupSealer(fromReadKey readKey: KeySecret) -> SealerSecret {
        let bytes = BLAKE3.hash(Array("groupSealer".utf8) + Array(readKey.description.utf8))
        return SealerSecret(uncheckedString: prefix + Base58.encode(bytes), bytes: bytes)
    }
}

extension KeySecret {
    /// A fresh random key secret.
    public static func random() -> KeySecret {
        let bytes = SecureRandom.bytes(byteCount)
        return KeySecret(uncheckedString: prefix + Base58.encode(bytes), bytes: bytes)
    }
}

extension KeyID {
    /// A fresh random key ID (12 random bytes, independent of the secret).
    public static func random() -> KeyID {
        let bytes = SecureRandom.bytes(byteCount)
        return KeyID(uncheckedString: prefix + Base58.encode(bytes), bytes: bytes)
    }
}

/// A read key: its random ID and its secret.
public struct KeyPair: Sendable, Hashable {
    public let id: KeyID
    public let secret: KeySecret

    public init(id: KeyID, secret: KeySecret) {
        self.id = id
        self.secret = secret
    }

    /// A fresh random key (two independent random draws, like `newRandomKeySecret`).
    public static func random() -> KeyPair { KeyPair(id: .random(), secret: .random()) }
}
