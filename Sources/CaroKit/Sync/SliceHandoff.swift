import Foundation

/// Hands values from one producer thread to one consumer, holding at most `capacity` at a time (so a
/// fast producer waits instead of filling memory), and carries the producer's outcome once it ends.
/// A consumer that stops early cancels it: the producer's next ``put(_:)`` throws and it winds down.
///
/// Written here rather than with `AsyncStream`: the restore runs inside synchronous SQLite and Jazz
/// lock scopes, where neither side may suspend.
final class SliceHandoff<Element: Sendable, Outcome: Sendable>: @unchecked Sendable {
    /// What the consumer takes next.
    enum Next {
        case value(Element)
        case finished(Result<Outcome, any Error>)
    }

    struct Cancelled: Error {}

    private let condition = NSCondition()
    private let capacity: Int
    private var values: [Element] = []
    private var outcome: Result<Outcome, any Error>?
    private var cancelled = false

    init(capacity: Int) {
        self.capacity = max(capacity, 1)
    }

    /// Producer: waits for room, then hands `value` over. Throws ``Cancelled`` once the consumer stopped.
    func put(_ value: Element) throws {
        condition.lock()
        defer { condition.unlock() }
        while values.count >= capacity && !cancelled { condition.wait() }
        if cancelled { throw Cancelled() }
        values.append(value)
        condition.broadcast()
    }

    /// Producer: its last word (after its last ``put(_:)``).
    func finish(_ result: Result<Outcome, any Error>) {
        condition.lock()
        outcome = result
        condition.broadcast()
        condition.unlock()
    }

    /// Consumer: the next value, or the producer's outcome once every value was taken.
    func take() -> Next {
        condition.lock()
        defer { condition.unlock() }
        while values.isEmpty && outcome == nil { condition.wait() }
        return ready()!
    }

    /// Consumer: what ``take()`` would return, or nil at once when it would have to wait.
    func poll() -> Next? {
        condition.lock()
        defer { condition.unlock() }
        return ready()
    }

    /// With the lock held: the next value (a producer waiting for room is woken), else the outcome, else nil.
    private func ready() -> Next? {
        if !values.isEmpty {
            condition.broadcast()
            return .value(values.removeFirst())
        }
        return outcome.map { .finished($0) }
    }

    /// Consumer: stops the producer and waits until it has ended (nothing of it runs afterwards).
    func cancelAndWait() {
        condition.lock()
        cancelled = true
        values.removeAll()
        condition.broadcast()
        while outcome == nil { condition.wait() }
        condition.unlock()
    }
}
