import Foundation
import Testing

/// `caro key rotate` end to end: a real `caro relay` on 127.0.0.1 and several device homes.
@Suite("caro key rotate", .serialized)
struct KeyRotationTests {
    static func found(_ home: TemporaryHome, _ text: String) throws -> Bool {
        let result = try home.caro("history", "search", text)
        return result.stdout.contains(text)
    }

    /// A field of the home's `sync.json`.
    static func credential(_ home: TemporaryHome, _ name: String) throws -> String {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: home.path + "/sync.json"))) as? [String: Any]
        return try #require(object?[name] as? String)
    }

    @Test func aDeviceRemovedBeforeARotationReadsNothingWrittenAfterAndEveryCurrentDeviceReadsAll() throws {
        let pair = try SyncTests.Pair()
        let phone = try TemporaryHome()
        #expect(try phone.caro("sync", "join", "--relay", pair.relay.url, "--words-file", pair.words, "--device-name", "old-phone").status == 0)
        _ = try pair.a.caro("history", "add", "--command", "echo written-before-rotation-on-a")
        _ = try pair.b.caro("history", "add", "--command", "echo written-before-rotation-on-b")
        try SyncTests.syncNow(pair.a)
        try SyncTests.syncNow(pair.b)
        try SyncTests.syncNow(phone)
        #expect(try Self.found(phone, "written-before-rotation-on-b"))

        let devices = try JSONSerialization.jsonObject(with: Data(try phone.caro("devices", "list", "--json").stdout.utf8)) as? [[String: Any]] ?? []
        let phoneID = try #require(devices.first { $0["current"] as? Bool == true }?["id"] as? String)
        #expect(try pair.a.caro("devices", "remove", phoneID, "--words-file", pair.words, "--yes").status == 0)

        let rotated = try pair.a.caro("key", "rotate", "--words-file", pair.words, "--json")
        #expect(rotated.status == 0, "\(rotated.stderr)")
        let output = try JSONSerialization.jsonObject(with: Data(rotated.stdout.utf8)) as? [String: Any] ?? [:]
        // Version 1 at init, 2 at the removal, 3 now; sealed to the two remaining devices.
        #expect(output["fieldKeyVersion"] as? Int == 3, "\(rotated.stdout)")
        #expect(output["devices"] as? Int == 2, "\(rotated.stdout)")

        // The group as the relay stores it: the new read key is sealed to the identity and the two current
        // devices, never to the removed one.
        let group = try Self.credential(pair.a, "group")
        let inspected = try CaroBinary.run(["jazz", "inspect", "--relay", pair.relay.url, group])
        #expect(inspected.status == 0, "\(inspected.stderr)")
        let view = try #require((try JSONSerialization.jsonObject(with: Data(inspected.stdout.utf8)) as? [String: Any])?[group] as? [String: Any])
        let readKey = try #require(view["readKey"] as? String)
        for account in [try Self.credential(pair.a, "identity"), try Self.credential(pair.a, "account"), try Self.credential(pair.b, "account")] {
            #expect(view["\(readKey)_for_\(account)"] != nil, "new key not sealed to \(account)")
        }
        #expect(view["\(readKey)_for_\(try Self.credential(phone, "account"))"] == nil)

        _ = try pair.a.caro("history", "add", "--command", "echo written-after-rotation-on-a", "--prompt", "after the rotation")
        try SyncTests.syncNow(pair.a)
        _ = try pair.b.caro("history", "add", "--command", "echo written-after-rotation-on-b")
        try SyncTests.syncNow(pair.b)
        try SyncTests.syncNow(pair.a)
        for home in [pair.a, pair.b] {
            for text in ["written-before-rotation-on-a", "written-before-rotation-on-b", "written-after-rotation-on-a", "written-after-rotation-on-b"] {
                #expect(try Self.found(home, text), "\(text) missing on \(home.path)")
            }
        }

        // The removed device still connects and syncs, and learns nothing written after.
        let phoneSync = try phone.caro("sync", "now", "--json")
        #expect(phoneSync.status == 0, "\(phoneSync.stderr)")
        #expect(phoneSync.stdout.contains(#""received":0"#), "\(phoneSync.stdout)")
        #expect(try Self.found(phone, "written-before-rotation-on-b"))
        #expect(!(try Self.found(phone, "written-after-rotation-on-a")))
        #expect(!(try Self.found(phone, "written-after-rotation-on-b")))

        // A device joining after the rotation reads everything, old keys and new.
        let fresh = try TemporaryHome()
        let joined = try fresh.caro("sync", "join", "--relay", pair.relay.url, "--words-file", pair.words, "--device-name", "new-laptop")
        #expect(joined.status == 0, "\(joined.stderr)")
        for text in ["written-before-rotation-on-a", "written-before-rotation-on-b", "written-after-rotation-on-a", "written-after-rotation-on-b"] {
            #expect(try Self.found(fresh, text), "\(text) missing on the new device")
        }
    }

    @Test func offlineOrWithWrongWordsItRefusesAndChangesNothing() throws {
        let pair = try SyncTests.Pair()
        _ = try pair.a.caro("history", "add", "--command", "echo kept-through-refusals")
        try SyncTests.syncNow(pair.a)
        let syncFile = pair.a.path + "/sync.json"
        let before = try? Data(contentsOf: URL(fileURLWithPath: syncFile))

        // Words of another identity: a usage error, nothing sent.
        let strangerHome = try TemporaryHome()
        let strangerWords = strangerHome.path + "/w"
        let strangerRelay = try RelayProcess(["--in-memory"])
        defer { strangerRelay.stop() }
        #expect(try strangerHome.caro("sync", "init", "--relay", strangerRelay.url, "--words-file", strangerWords).status == 0)
        let wrong = try pair.a.caro("key", "rotate", "--words-file", strangerWords)
        #expect(wrong.status == 2, "\(wrong.stderr)")
        #expect(wrong.stderr.contains("another identity"), "\(wrong.stderr)")

        // Offline: a clear refusal (exit 3), never queued.
        pair.relay.stop()
        let offline = try pair.a.caro("key", "rotate", "--words-file", pair.words)
        #expect(offline.status == 3, "\(offline.stderr)")
        #expect(offline.stderr.contains("Cannot reach the relay"), "\(offline.stderr)")
        #expect(try Self.found(pair.a, "kept-through-refusals"))
        #expect((try? Data(contentsOf: URL(fileURLWithPath: syncFile))) == before)
    }
}
