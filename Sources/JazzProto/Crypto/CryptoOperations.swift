// The cojson crypto operations (jazz-protocol-core.md §1.2), on the typed values.

extension Hash {
    /// The hash of raw bytes.
    public init(digestOf bytes: some Collection<UInt8>) {
        let digest = BLAKE3.hash(bytes)
        self.init(uncheckedString: Hash.prefix + Base58.encode(digest), bytes: digest)
    }

    /// cojson's `secureHash(value)`: BLAKE3 of `stableStringify(value)`.
    public init(secureHashOf value: JSONValue) {
        self.init(digestOf: Array(value.stableStringify().utf8))
    }

    /// The bytes a session signature signs: the hash string with its JSON quotes.
    public var signingMessage: [UInt8] { Array("\"\(description)\"".utf8) }
}

extension ShortHash {
    /// cojson's `shortHash(value)`: the first 19 bytes of BLAKE3 of `stableStringify(value)`.
    public init(of value: JSONValue) {
        self.init(digestPrefixOf: Array(value.stableStringify().utf8))
    }

    /// The first 19 bytes of BLAKE3 of raw bytes.
    public init(digestPrefixOf bytes: some Collection<UInt8>) {
        let digest = Array(BLAKE3.hash(bytes).prefix(ShortHash.byteCount))
        self.init(uncheckedString: ShortHash.prefix + Base58.encode(digest), bytes: digest)
    }
}

extension KeySecret {
    /// XSalsa20 (no MAC) of `plaintext` with the nonce from `material` (cojson `encrypt`).
    public func encrypt<Bytes: Collection>(_ plaintext: Bytes, nonceMaterial material: NonceMaterial) -> Encrypted
    where Bytes.Element == UInt8 {
        Encrypted(bytes: xor(plaintext, nonce: material.nonce))
    }

    /// Inverse of `encrypt`. Never fails on a wrong key: it yields garbage (callers check UTF-8/JSON).
    public func decrypt(_ encrypted: Encrypted, nonceMaterial material: NonceMaterial) -> [UInt8] {
        xor(encrypted.bytes, nonce: material.nonce)
    }

    /// XSalsa20 with an explicit 24-byte nonce (a key secret is always 32 bytes, so this cannot fail).
    func xor<Bytes: Collection>(_ bytes: Bytes, nonce: [UInt8]) -> [UInt8] where Bytes.Element == UInt8 {
        (try? XSalsa20.xor(bytes, key: self.bytes, nonce: nonce)) ?? []
    }

    /// cojson `encryptKeySecret`: `toEncrypt`'s secret (as the JSON string `"keySecret_z…"`) under this key.
    public func encryptKeySecret(_ toEncrypt: KeyPair, encryptingID: KeyID) -> Encrypted {
        let plaintext = JSONValue.string(toEncrypt.secret.description).stableStringify()
        return encrypt(Array(plaintext.utf8), nonceMaterial: .keyForKey(encryptedID: toEncrypt.id, encryptingID: encryptingID))
    }

    /// cojson `decryptKeySecret`: the key secret `encryptedID` that was encrypted under this key.
    public func decryptKeySecret(_ encrypted: Encrypted, encryptedID: KeyID, encryptingID: KeyID) throws(CryptoError) -> KeySecret {
        let plaintext = decrypt(encrypted, nonceMaterial: .keyForKey(encryptedID: encryptedID, encryptingID: encryptingID))
        return try KeySecret.fromQuotedJSON(plaintext)
    }

    /// Parses the JSON string `"keySecret_z…"` (the plaintext of sealed and encrypted key secrets).
    static func fromQuotedJSON(_ plaintext: [UInt8]) throws(CryptoError) -> KeySecret {
        guard let text = String(validating: plaintext, as: UTF8.self) else { throw .decryptedBytesNotUTF8 }
        let value: JSONValue
        do {
            value = try JSONValue(parsing: plaintext)
        } catch {
            throw .decryptedTextNotJSON(error.description)
        }
        guard let string = value.stringValue, let secret = try? KeySecret(string) else {
            throw .decryptedTextNotJSON("expected a \"keySecret_z…\" string, got \(text.prefix(40))")
        }
        return secret
    }
}

extension SealerSecret {
    /// cojson `seal`: secretbox keyed with the raw X25519(self, recipient) shared secret (not `crypto_box`).
    public func seal<Bytes: Collection>(_ plaintext: Bytes, to recipient: SealerID, nonceMaterial material: NonceMaterial)
        throws(CryptoError) -> Sealed where Bytes.Element == UInt8
    {
        let shared = try X25519.sharedSecret(secret: bytes, publicKey: recipient.bytes)
        return Sealed(bytes: try SecretBox.seal(plaintext, key: shared, nonce: material.nonce))
    }

    /// cojson `unseal`: opens a value sealed by `sender` to this secret.
    public func unseal(_ sealed: Sealed, from sender: SealerID, nonceMaterial material: NonceMaterial) throws(CryptoError) -> [UInt8] {
        let shared = try X25519.sharedSecret(secret: bytes, publicKey: sender.bytes)
        return try SecretBox.open(sealed.bytes, key: shared, nonce: material.nonce)
    }

    /// cojson `unsealForGroup`: opens an anonymous seal made to this (group) sealer.
    public func unsealForGroup(_ sealed: SealedForGroup, nonceMaterial material: NonceMaterial) throws(CryptoError) -> [UInt8] {
        guard sealed.bytes.count >= 32 + SecretBox.tagByteCount else { throw .ciphertextTooShort(sealed.bytes.count) }
        let ephemeralPublic = Array(sealed.bytes.prefix(32))
        let shared = try X25519.sharedSecret(secret: bytes, publicKey: ephemeralPublic)
        return try SecretBox.open(Array(sealed.bytes.dropFirst(32)), key: shared, nonce: material.nonce)
    }

    /// Seals a key secret (as the JSON string `"keySecret_z…"`) to a member.
    public func sealKeySecret(_ secret: KeySecret, to recipient: SealerID, nonceMaterial material: NonceMaterial)
        throws(CryptoError) -> Sealed
    {
        try seal(Array(JSONValue.string(secret.description).stableStringify().utf8), to: recipient, nonceMaterial: material)
    }

    /// Opens a sealed key secret.
    public func unsealKeySecret(_ sealed: Sealed, from sender: SealerID, nonceMaterial material: NonceMaterial)
        throws(CryptoError) -> KeySecret
    {
        try KeySecret.fromQuotedJSON(unseal(sealed, from: sender, nonceMaterial: material))
    }

    /// Opens a key secret sealed anonymously to this group sealer.
    public func unsealKeySecretForGroup(_ sealed: SealedForGroup, nonceMaterial material: NonceMaterial)
        throws(CryptoError) -> KeySecret
    {
        try KeySecret.fromQuotedJSON(unsealForGroup(sealed, nonceMaterial: material))
    }
}

extension SealedForGroup {
    /// cojson `sealForGroup`: a fresh ephemeral X25519 key, secretbox keyed with X25519(ephemeral, recipient);
    /// output = ephemeral public key ‖ tag ‖ ciphertext. Not reproducible (random ephemeral key).
    public static func seal<Bytes: Collection>(_ plaintext: Bytes, to recipient: SealerID, nonceMaterial material: NonceMaterial)
        throws(CryptoError) -> SealedForGroup where Bytes.Element == UInt8
    {
        let ephemeral = SealerSecret.random()
        let shared = try X25519.sharedSecret(secret: ephemeral.bytes, publicKey: recipient.bytes)
        let boxed = try SecretBox.seal(plaintext, key: shared, nonce: material.nonce)
        return SealedForGroup(bytes: ephemeral.sealerID.bytes + boxed)
    }

    /// Seals a key secret (as the JSON string `"keySecret_z…"`) to a group sealer.
    public static func sealKeySecret(_ secret: KeySecret, to recipient: SealerID, nonceMaterial material: NonceMaterial)
        throws(CryptoError) -> SealedForGroup
    {
        try seal(Array(JSONValue.string(secret.description).stableStringify().utf8), to: recipient, nonceMaterial: material)
    }
}
