import Testing

@testable import JazzProto

/// The hash chain over batches larger than the buffer they are hashed through (`SessionLog.hashBufferSize`):
/// however the canonical JSON is cut into updates, the hash is BLAKE3 over all of it in order.
@Suite("SessionLog hash of large batches")
struct SessionLogHashTests {
    static func text(_ count: Int, seed: Int) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        return String(decoding: (0..<count).map { alphabet[($0 &* 31 &+ seed) % alphabet.count] }, as: UTF8.self)
    }

    @Test func aBatchOfAnySizesHashesLikeItsWholeCanonicalJSON() throws {
        let session = try TestSessions.a()
        // Private transactions around and above the buffer, and trusting ones whose quotes double when
        // escaped (the writer's room estimate counts their raw size).
        let sizes = [10, 60_000, 150_000, 3_000, 60_000, 60_000, 200_000, 1]
        var batch: [Transaction] = sizes.enumerated().map { index, size in
            .private(madeAt: UInt64(1_700_000_000_000 + index), keyUsed: "key_zTest",
                     encryptedChanges: "encrypted_U" + Self.text(size, seed: index), meta: index == 3 ? "encrypted_Umeta" : nil)
        }
        batch.insert(.trusting(madeAt: 5, changes: String(repeating: #"[{"op":"set","key":"q\"","value":"\"\""}]"#, count: 4_000), meta: nil), at: 2)
        batch.append(.trusting(madeAt: 6, changes: String(repeating: "\"", count: 140_000), meta: #"{"a":1}"#))
        // Ciphertext with characters that must be escaped between long plain runs (a forged one could).
        batch.append(.private(madeAt: 7, keyUsed: "key_zTest", encryptedChanges: Self.text(20_000, seed: 1) + "\"" + Self.text(16_383, seed: 2)
                                  + "\n\u{1}é" + Self.text(16_384, seed: 3) + "\\", meta: Self.text(16_389, seed: 4)))
        let log = SessionLog(sessionID: session)
        let (hash, _) = log.hash(afterAppending: batch)
        let whole = batch.flatMap { Array($0.canonicalJSON.utf8) }
        let digest = BLAKE3.hash(whole)
        #expect(hash.bytes == digest)
        #expect(hash.description == Hash.prefix + Base58.encode(digest))
        // And one transaction at a time continues the same chain.
        var staged = BLAKE3()
        for transaction in batch { staged.update(Array(transaction.canonicalJSON.utf8)) }
        #expect(staged.finalize() == digest)
    }
}
