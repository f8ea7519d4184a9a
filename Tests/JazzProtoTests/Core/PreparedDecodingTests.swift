import Testing

@testable import JazzProto

/// `LocalNode.prepareDecoding(of:in:)` reads the node once; the decryption then runs elsewhere and gives
/// what `decodedTransactions(of:in:)` gives for the same transactions.
@Suite("Prepared decoding")
struct PreparedDecodingTests {
    @Test("decoded on another thread, a prepared range equals the node's own decoding of it, and keeps to its snapshot")
    func matchesAndKeepsItsSnapshot() async throws {
        let agent = try AgentSecret(secretSeed: SecureRandom.bytes(32))
        let node = try LocalNode.createAccount(agentSecret: agent, environment: CountingClock(start: 1_767_225_600_000).environment)
        let group = try node.createGroup()
        let stream = try node.createValue(type: "costream", owner: group)
        for index in 0..<12 {
            try node.makeTransaction(in: stream, changes: CoStreamChanges.push(.string("item \(index)")), privacy: .private)
        }
        let session = try #require(node.knownState(of: stream).sessions.keys.first)
        let prepared = node.prepareDecoding(of: stream, in: [session: 3..<9])
        let expected = node.decodedTransactions(of: stream, in: [session: 3..<9])
        #expect(expected.count == 6)
        // Later writes do not reach a prepared slice.
        try node.makeTransaction(in: stream, changes: CoStreamChanges.push(.string("later")), privacy: .private)
        let decoded = await Task.detached { prepared.decode() }.value
        #expect(decoded.map(\.changes) == expected.map(\.changes))
        #expect(decoded.map(\.txID) == expected.map(\.txID))
        #expect(decoded.first?.changes == [.string("item 3")])

        // Nothing to decode: a range past the end, another session, a group.
        #expect(node.prepareDecoding(of: stream, in: [session: 40..<50]).decode().isEmpty)
        #expect(node.prepareDecoding(of: stream, in: [:]).decode().isEmpty)
        #expect(node.prepareDecoding(of: group, in: [session: 0..<5]).decode().isEmpty)
    }
}
