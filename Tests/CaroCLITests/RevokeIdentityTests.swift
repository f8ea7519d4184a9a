import Foundation
import Testing

/// `caro sync revoke-identity`, end to end: a real relay, two devices, the old and the new words on
/// fresh homes.
@Suite("caro sync revoke-identity", .serialized)
struct RevokeIdentityTests {
    static func commands(_ home: TemporaryHome) throws -> Set<String> {
        try CompactionTests.commands(home)
    }

    @Test func theOldWordsOpenNothingNewAndTheOtherDeviceFollowsWithoutTheNewWords() throws {
        let pair = try SyncTests.Pair()
        let (a, b) = (pair.a, pair.b)
        _ = try a.caro("history", "add", "--command", "before-the-revocation")
        try SyncTests.syncNow(a)
        try SyncTests.syncNow(b)
        let oldIdentity = try #require(try CompactionTests.syncJSON(a)["identity"] as? String)
        let newWords = a.path + "-new-words.txt"
        defer { try? FileManager.default.removeItem(atPath: newWords) }

        // Without a terminal and without --yes: refused; with mistyped words: exit 2. Nothing changed.
        let refused = try a.caro("sync", "revoke-identity", "--words-file", pair.words)
        #expect(refused.status != 0)
        var words = try String(contentsOfFile: pair.words, encoding: .utf8).split(whereSeparator: \.isWhitespace).map(String.init)
        words.swapAt(0, 1)
        let mistyped = a.path + "-mistyped.txt"
        defer { try? FileManager.default.removeItem(atPath: mistyped) }
        try words.joined(separator: " ").write(toFile: mistyped, atomically: true, encoding: .utf8)
        let wrong = try a.caro("sync", "revoke-identity", "--words-file", mistyped, "--yes")
        #expect(wrong.status == 2, "\(wrong.stderr)")
        #expect(try a.caro("history", "compact", "--words-file", mistyped).status == 2)
        #expect(try CompactionTests.syncJSON(a)["identity"] as? String == oldIdentity)

        let revoked = try a.caro("sync", "revoke-identity", "--words-file", pair.words, "--new-words-file", newWords, "--yes", "--json")
        #expect(revoked.status == 0, "\(revoked.stderr)")
        let outcome = try JSONSerialization.jsonObject(with: Data(revoked.stdout.utf8)) as? [String: Any] ?? [:]
        let newIdentity = try #require(outcome["identity"] as? String)
        #expect(newIdentity != oldIdentity)
        #expect(outcome["devices"] as? Int == 2)
        #expect(try String(contentsOfFile: newWords, encoding: .utf8).split(whereSeparator: \.isWhitespace).count == 24)
        #expect(try FileManager.default.attributesOfItem(atPath: newWords)[.posixPermissions] as? Int == 0o600)
        #expect(try CompactionTests.syncJSON(a)["identity"] as? String == newIdentity)

        // Written afterwards on A; B follows at its next sync, without the new words, and keeps syncing;
        // what B recorded meanwhile goes to the new identity.
        _ = try a.caro("history", "add", "--command", "after-the-revocation-on-a")
        _ = try b.caro("history", "add", "--command", "pending-on-b-during-the-revocation")
        try SyncTests.syncNow(a)
        try SyncTests.syncNow(b)
        #expect(try CompactionTests.syncJSON(b)["identity"] as? String == newIdentity)
        _ = try b.caro("history", "add", "--command", "after-the-revocation-on-b")
        try SyncTests.syncNow(b)
        try SyncTests.syncNow(a)
        let everything: Set = ["before-the-revocation", "after-the-revocation-on-a", "after-the-revocation-on-b",
                               "pending-on-b-during-the-revocation"]
        #expect(try Self.commands(a) == everything)
        #expect(try Self.commands(b) == everything)
        #expect(try SyncTests.ids(a) == SyncTests.ids(b))

        // The old words on a fresh home: refused with the reason, nothing restored.
        let thief = try TemporaryHome()
        let stolen = try thief.caro("sync", "join", "--relay", pair.relay.url, "--words-file", pair.words)
        #expect(stolen.status == 1)
        #expect(stolen.stderr.contains("revoked"), "\(stolen.stderr)")
        #expect(try Self.commands(thief).isEmpty)
        // Even reading the new history directly: the old identity cannot decrypt a single item.
        let newHistory = try #require(try CompactionTests.syncJSON(a)["history"] as? String)
        let asThief = try CaroBinary.run(["jazz", "inspect", "--relay", pair.relay.url, "--words-file", pair.words, newHistory])
        let asOwner = try CaroBinary.run(["jazz", "inspect", "--relay", pair.relay.url, "--words-file", newWords, newHistory])
        #expect(asOwner.status == 0, "\(asOwner.stderr)")
        #expect(asOwner.stdout.contains("entries"), "\(asOwner.stdout)")
        #expect(!asThief.stdout.contains("entries"), "\(asThief.stdout)")

        // The new words work on a fresh home.
        let fresh = try TemporaryHome()
        let joined = try fresh.caro("sync", "join", "--relay", pair.relay.url, "--words-file", newWords, "--device-name", "new")
        #expect(joined.status == 0, "\(joined.stderr)")
        #expect(try Self.commands(fresh) == everything)
    }
}
