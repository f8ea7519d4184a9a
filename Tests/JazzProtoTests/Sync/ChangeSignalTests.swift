import Foundation
import Synchronization
import Testing

@testable import JazzProto

/// `SyncClient.wait` sleeps on a ``ChangeSignal`` between checks of its condition: a signal must wake it,
/// a signal it missed must not be lost, and without any signal it must still come back on its own.
@Suite("Change signal")
struct ChangeSignalTests {
    final class Flag: Sendable {
        private let value = Mutex(false)
        var isSet: Bool { value.withLock { $0 } }
        func set() { value.withLock { $0 = true } }
    }

    @Test("a signal wakes a waiter long before its interval")
    func signalWakes() async {
        let signal = ChangeSignal()
        let seen = signal.version
        let woke = Flag()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                // An hour: only the signal can end this wait within the test.
                await signal.wait(after: seen, atMost: .seconds(3_600))
                woke.set()
            }
            group.addTask {
                // Keep signalling until the waiter is up (it may not have registered yet).
                while !woke.isSet {
                    signal.signal()
                    try? await Task.sleep(for: .milliseconds(5))
                }
            }
        }
        #expect(woke.isSet)
        #expect(signal.version != seen)
    }

    @Test("a signal that came after the version was read, before the wait began, is not lost")
    func missedSignal() async {
        let signal = ChangeSignal()
        let seen = signal.version
        signal.signal()
        // Would sleep an hour if the signal were lost.
        await signal.wait(after: seen, atMost: .seconds(3_600))
        #expect(signal.version == seen &+ 1)
    }

    @Test("without a signal the wait ends after its interval, and a later signal finds nobody to resume")
    func intervalEnds() async {
        let signal = ChangeSignal()
        let seen = signal.version
        await signal.wait(after: seen, atMost: .milliseconds(20))
        #expect(signal.version == seen)
        signal.signal()  // must not resume the finished wait a second time (that would trap)
        #expect(signal.version == seen &+ 1)
    }
}

/// The same guarantees for a thread that blocks (`SyncClient.waitBlocking`, inside a database transaction).
@Suite("Change signal, blocking")
struct ChangeSignalBlockingTests {
    @Test("a signal wakes a blocked thread long before its interval")
    func signalWakes() async {
        let signal = ChangeSignal()
        let seen = signal.version
        let woke = ChangeSignalTests.Flag()
        let thread = Thread {
            // An hour: only the signal can end this wait within the test.
            signal.waitBlocking(after: seen, atMost: .seconds(3_600))
            woke.set()
        }
        thread.start()
        // Keep signalling until the thread is up (it may not have registered yet).
        while !woke.isSet {
            signal.signal()
            try? await Task.sleep(for: .milliseconds(5))
        }
        #expect(signal.version != seen)
    }

    @Test("a signal before the wait began is not lost; without one the wait ends after its interval")
    func missedSignalAndInterval() {
        let signal = ChangeSignal()
        let seen = signal.version
        signal.signal()
        let clock = ContinuousClock()
        var started = clock.now
        signal.waitBlocking(after: seen, atMost: .seconds(3_600))  // would block an hour if it were lost
        #expect(clock.now - started < .seconds(60))
        started = clock.now
        signal.waitBlocking(after: signal.version, atMost: .milliseconds(20))
        #expect(clock.now - started >= .milliseconds(20))
        signal.signal()  // finds nobody: the timed-out waiter is gone
        #expect(signal.version == seen &+ 2)
    }
}
