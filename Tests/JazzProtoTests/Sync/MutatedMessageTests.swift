import Foundation
import Testing

@testable import JazzProto

/// Randomly damaged sync messages (flipped bytes, cut text, values of the wrong type or range, missing
/// fields) fed to a relay and to a reading node: nothing crashes, and whatever they store is genuine — the
/// header and a prefix of each session exactly as its author wrote it.
@Suite("Mutated sync messages")
struct MutatedMessageTests {
    /// An account, a group and a map with private and trusting edits, as the messages a relay receives.
    struct Source {
        let node: LocalNode
        let mapID: CoID
        let messages: [SyncMessage]

        init() throws {
            node = try LocalNode.createAccount(agentSecret: .random(), environment: CountingClock(start: 1_767_225_600_000).environment)
            let group = try node.createGroup()
            mapID = try node.createValue(type: "comap", owner: group)
            for i in 0..<12 {
                try node.makeTransaction(in: mapID, changes: CoMapChanges.set("k\(i % 4)", .string("value \(i) ü")),
                                         privacy: i % 3 == 0 ? .trusting : .private,
                                         meta: i == 5 ? .some(.object(JSONObject([("note", .string("meta \(i)"))]))) : .none)
            }
            var messages: [SyncMessage] = []
            for id in [node.accountID!, group, mapID] {
                messages += node.core(id)!.newContentSince(nil).map { .content($0) }
                messages.append(.known(node.knownState(of: id), isCorrection: false))
                messages.append(.load(KnownState(id: id)))
            }
            self.messages = messages
        }
    }

    /// A random value of a wrong type or an edge of a range.
    static func oddValue(_ generator: inout SeededRandom) -> JSONValue {
        let choices: [JSONValue] = [
            .null, true, -1, 0, 1.5, 1e300, -0.0, .number(9_007_199_254_740_993), "", "x", "co_zzzz",
            "encrypted_U", "encrypted_U!!!", "signature_z1", [], [.null], .object(JSONObject()), ["a": 1],
        ]
        return choices[Int.random(in: 0..<choices.count, using: &generator)]
    }

    /// `value` with one random node replaced, removed, or duplicated.
    static func mutate(_ value: JSONValue, _ generator: inout SeededRandom, depth: Int = 0) -> JSONValue {
        let here = depth > 0 && Int.random(in: 0..<4, using: &generator) == 0
        switch value {
        case .object(let object) where !here && !object.isEmpty:
            var members = object.map { ($0.key, $0.value) }
            let index = Int.random(in: 0..<members.count, using: &generator)
            switch Int.random(in: 0..<6, using: &generator) {
            case 0: members.remove(at: index)
            case 1: members[index].1 = oddValue(&generator)
            default: members[index].1 = mutate(members[index].1, &generator, depth: depth + 1)
            }
            return .object(JSONObject(members))
        case .array(var elements) where !here && !elements.isEmpty:
            let index = Int.random(in: 0..<elements.count, using: &generator)
            switch Int.random(in: 0..<6, using: &generator) {
            case 0: elements.remove(at: index)
            case 1: elements.insert(elements[index], at: index)
            case 2: elements[index] = oddValue(&generator)
            default: elements[index] = mutate(elements[index], &generator, depth: depth + 1)
            }
            return .array(elements)
        case .string(let string) where !here && !string.isEmpty && Int.random(in: 0..<2, using: &generator) == 0:
            // Change one character of a string (a signature, a ciphertext, an ID...).
            var scalars = Array(string.unicodeScalars)
            let index = Int.random(in: 0..<scalars.count, using: &generator)
            scalars[index] = scalars[index] == "A" ? "B" : "A"
            var text = ""
            text.unicodeScalars.append(contentsOf: scalars)
            return .string(text)
        default:
            return oddValue(&generator)
        }
    }

    /// The text of `message` damaged at the text level or the JSON level.
    static func damagedText(_ message: SyncMessage, _ generator: inout SeededRandom) -> String {
        let text = message.text
        switch Int.random(in: 0..<5, using: &generator) {
        case 0:
            var bytes = Array(text.utf8)
            let index = Int.random(in: 0..<bytes.count, using: &generator)
            bytes[index] = UInt8.random(in: 0x20...0x7E, using: &generator)
            return String(decoding: bytes, as: UTF8.self)
        case 1:
            return String(text.prefix(Int.random(in: 0..<text.count, using: &generator)))
        default:
            guard let json = try? JSONValue(parsing: text) else { return text }
            return mutate(json, &generator).jsonStringify()
        }
    }

    /// Every stored CoValue of `node` is genuine: same header as in `source`, and each session holds a
    /// prefix of the transactions its signer wrote — in that session, or (a replay) in another session with
    /// the same signing key: signatures cover the hash chain, not the session ID (nor an agent ID's sealer
    /// part), in cojson too. A replayed private transaction cannot be read (its nonce names the session),
    /// a trusting one repeats an edit, and group rules that name the author exactly ignore the copy.
    static func expectOnlyGenuineContent(_ node: LocalNode, _ source: LocalNode) {
        for id in node.coValueIDs {
            guard let stored = node.core(id), let genuine = source.core(id) else {
                Issue.record("stored a CoValue the source never made: \(id)")
                continue
            }
            #expect(stored.header == genuine.header, "\(id)")
            for (session, log) in stored.sessions {
                let signer = source.signer(of: session)
                let candidates = genuine.sessions.values.filter { signer != nil && source.signer(of: $0.sessionID) == signer }
                let matches = candidates.contains { original in
                    log.count <= original.count && Array(original.transactions.prefix(log.count)) == log.transactions
                }
                #expect(matches, "\(id) \(session): not a prefix of any session its author wrote: stored \(log.transactions.map(\.canonicalJSON)) genuine \(candidates.map { $0.transactions.map(\.canonicalJSON) })")
            }
        }
    }

    /// Rounds of 500 damaged messages (seeded); `MUTATION_ROUNDS=n` runs more, for a deeper local search.
    static let rounds = Int(ProcessInfo.processInfo.environment["MUTATION_ROUNDS"] ?? "") ?? 16

    @Test(arguments: 0..<rounds)
    func damagedMessagesNeverCrashAndStoreOnlyGenuineContent(round: Int) throws {
        let source = try Source()
        var generator = SeededRandom(seed: 7_000 + UInt64(round))
        let relayNode = LocalNode(agentSecret: .random(), accountID: nil)
        let relay = SyncManager(node: relayNode) { _, _ in }
        let reader = LocalNode(agentSecret: source.node.agentSecret, accountID: source.node.accountID)
        let readerSync = SyncManager(node: reader) { _, _ in }
        let client = PeerID("client")
        let server = PeerID("server")
        relay.addPeer(client, role: .client)
        readerSync.addPeer(server, role: .server)
        var parsed = 0
        for step in 0..<500 {
            let original = source.messages[Int.random(in: 0..<source.messages.count, using: &generator)]
            // Now and then the genuine message, so later damage meets a value that is partly there.
            let text = step % 7 == 0 ? original.text : Self.damagedText(original, &generator)
            guard let message = try? SyncMessage(text: text) else { continue }
            parsed += 1
            relay.handle(message, from: client)
            readerSync.handle(message, from: server)
            _ = reader.view(of: source.mapID)
        }
        #expect(parsed > 150)
        Self.expectOnlyGenuineContent(relayNode, source.node)
        Self.expectOnlyGenuineContent(reader, source.node)
        // Genuine content still gets through afterwards, and the reader then sees the real view.
        for message in source.messages {
            relay.handle(message, from: client)
            readerSync.handle(message, from: server)
        }
        let relayHas = relayNode.knownState(of: source.mapID)
        #expect(source.node.knownState(of: source.mapID).sessions.allSatisfy { relayHas.sessions[$0.key] == $0.value })
        let groupID = source.node.core(source.mapID)!.header!.ownerGroup!
        #expect(reader.view(of: source.mapID) == source.node.view(of: source.mapID),
                "reader group \(reader.knownState(of: groupID).sessions) source group \(source.node.knownState(of: groupID).sessions) validity \(reader.validity(of: groupID).values.map { "\($0)" })")
    }
}
