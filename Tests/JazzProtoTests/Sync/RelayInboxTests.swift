import Testing
@testable import JazzProto

/// The relay's per-connection work queue: a turn's messages that were not handled (the loop's time ran
/// out in the middle of a slice) go back to the front, in order.
@Suite("Relay inbox")
struct RelayInboxTests {
    static func loads(_ count: Int) throws -> [SyncMessage] {
        try (0..<count).map { _ in SyncMessage.load(KnownState(id: try CoID(bytes: SecureRandom.bytes(CoID.byteCount)))) }
    }

    /// An inbox with connection `id` open and `messages` received from it.
    static func inbox(_ id: ConnectionID, holding messages: [SyncMessage]) -> RelayInbox {
        let inbox = RelayInbox()
        _ = inbox.open(id)
        _ = inbox.beginFrame(id)
        _ = inbox.append(id, messages: messages, problems: [])
        return inbox
    }

    /// Every message the inbox hands out for `id` from now on, in order.
    static func drain(_ inbox: RelayInbox) -> [String] {
        var texts: [String] = []
        while let (turn, _) = inbox.nextTurn(maximumMessages: 32) { texts += turn.messages.map(\.text) }
        return texts
    }

    @Test func messagesPutBackComeFirstAndInOrder() throws {
        let id = ConnectionID(rawValue: 1)
        let messages = try Self.loads(100)
        let inbox = Self.inbox(id, holding: messages)
        let (first, _) = try #require(inbox.nextTurn(maximumMessages: 32))
        #expect(first.messages.count == 32)
        // Only 20 of the 32 were handled.
        inbox.putBack(id, first.messages.dropFirst(20))
        #expect(inbox.waitingMessages == 80)
        #expect(Self.drain(inbox) == messages.dropFirst(20).map(\.text))
    }

    @Test func aPutBackAfterTheQueueEmptiedRestoresIt() throws {
        let id = ConnectionID(rawValue: 1)
        let messages = try Self.loads(10)
        let inbox = Self.inbox(id, holding: messages)
        let (turn, _) = try #require(inbox.nextTurn(maximumMessages: 32))
        #expect(turn.messages.count == 10 && inbox.waitingMessages == 0)
        inbox.putBack(id, turn.messages.dropFirst(4))
        // More arrived meanwhile: after the ones put back.
        let later = try Self.loads(3)
        _ = inbox.beginFrame(id)
        _ = inbox.append(id, messages: later, problems: [])
        #expect(Self.drain(inbox) == (messages.dropFirst(4) + later).map(\.text))
    }

    @Test func nothingIsPutBackForAClosedConnection() throws {
        let id = ConnectionID(rawValue: 1)
        let inbox = Self.inbox(id, holding: try Self.loads(5))
        let (turn, _) = try #require(inbox.nextTurn(maximumMessages: 32))
        _ = inbox.close(id)
        inbox.putBack(id, turn.messages.dropFirst(1))
        #expect(inbox.waitingMessages == 0)
    }
}
