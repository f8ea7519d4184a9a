import Dispatch
import Synchronization

/// Wakes the tasks waiting in ``SyncClient/wait(timeout:until:)`` when the client's state may have
/// changed (a frame handled, connected, disconnected), so a wait ends as soon as its condition holds
/// instead of at the next poll. Each wait also ends after a bounded interval on its own, which keeps
/// conditions that do not follow a signal (a timeout, a side effect of the condition) checked.
final class ChangeSignal: Sendable {
    private struct State {
        var version: UInt64 = 0
        var lastWaiter: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var blockedThreads: [UInt64: DispatchSemaphore] = [:]
    }

    private let state = Mutex(State())

    /// Changes with every ``signal()``: read it before checking a condition, then wait after it.
    var version: UInt64 { state.withLock { $0.version } }

    /// Something changed: every waiting task resumes.
    func signal() {
        let (waiters, threads) = state.withLock { state in
            state.version &+= 1
            defer {
                state.waiters.removeAll()
                state.blockedThreads.removeAll()
            }
            return (Array(state.waiters.values), Array(state.blockedThreads.values))
        }
        for waiter in waiters { waiter.resume() }
        for thread in threads { thread.signal() }
    }

    /// ``wait(after:atMost:)`` for a thread that must not suspend: blocks it.
    func waitBlocking(after seen: UInt64, atMost interval: Duration) {
        let semaphore = DispatchSemaphore(value: 0)
        let id: UInt64? = state.withLock { state in
            guard state.version == seen else { return nil }
            state.lastWaiter &+= 1
            state.blockedThreads[state.lastWaiter] = semaphore
            return state.lastWaiter
        }
        guard let id else { return }
        if semaphore.wait(timeout: .now() + .nanoseconds(Int(clamping: interval.clampedNanoseconds))) == .timedOut {
            // A signal that removed it first signals it anyway: one count too many on a semaphore no one uses.
            _ = state.withLock { $0.blockedThreads.removeValue(forKey: id) }
        }
    }

    /// Returns once a signal came after `seen` (at once if one already did), or after `interval`.
    func wait(after seen: UInt64, atMost interval: Duration) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let id: UInt64? = state.withLock { state in
                guard state.version == seen else { return nil }
                state.lastWaiter &+= 1
                state.waiters[state.lastWaiter] = continuation
                return state.lastWaiter
            }
            guard let id else { return continuation.resume() }
            DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(clamping: interval.clampedNanoseconds))) { [self] in
                // Whoever removes the waiter resumes it: the timer or a signal, never both.
                state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
            }
        }
    }
}
