import Foundation
import Synchronization
import Testing

@testable import CaroKit

/// The restore decodes slices on one thread while it stores them on another: the handoff between them
/// must keep the order, hold no more than its capacity, and end cleanly when either side fails.
@Suite("Slice handoff")
struct SliceHandoffTests {
    struct Failure: Error {}

    @Test("every value arrives once, in order, never more than the capacity waiting, then the outcome")
    func order() throws {
        let handoff = SliceHandoff<Int, String>(capacity: 2)
        let mostWaiting = Mutex(0)
        let taken = Mutex(0)
        let producer = Thread {
            handoff.finish(Result { () throws -> String in
                for value in 0..<500 {
                    try handoff.put(value)
                    // What was handed over and not yet taken.
                    let waiting = value + 1 - taken.withLock { $0 }
                    mostWaiting.withLock { $0 = max($0, waiting) }
                }
                return "done"
            })
        }
        producer.start()
        var values: [Int] = []
        loop: while true {
            switch handoff.take() {
            case .value(let value):
                values.append(value)
                taken.withLock { $0 += 1 }
                if value % 50 == 0 { usleep(1_000) }  // a slow consumer: the producer must wait
            case .finished(let outcome):
                #expect(try outcome.get() == "done")
                break loop
            }
        }
        #expect(values == Array(0..<500))
        // Read after the put returned, so one more than the capacity may show as taken late; never more.
        #expect(mostWaiting.withLock { $0 } <= 3)
    }

    @Test("poll returns nil instead of waiting; mixed with take, every value still arrives once, in order")
    func pollDoesNotWait() throws {
        let handoff = SliceHandoff<Int, String>(capacity: 2)
        #expect(handoff.poll() == nil, "nothing handed over yet")
        let start = DispatchSemaphore(value: 0)
        let producer = Thread {
            start.wait()
            handoff.finish(Result { () throws -> String in
                for value in 0..<300 { try handoff.put(value) }
                return "done"
            })
        }
        producer.start()
        #expect(handoff.poll() == nil, "the producer has not started")
        start.signal()
        var values: [Int] = []
        var polls = 0
        loop: while true {
            polls += 1
            // Alternately look without waiting and wait.
            let next = polls % 2 == 0 ? handoff.poll() : handoff.take()
            switch next {
            case nil: continue
            case .value(let value)?: values.append(value)
            case .finished(let outcome)?:
                #expect(try outcome.get() == "done")
                break loop
            }
        }
        #expect(values == Array(0..<300))
        if case .finished? = handoff.poll() {} else { Issue.record("after the end, poll gives the outcome again") }
    }

    @Test("a consumer that fails stops the producer at its next value, and waits until it has ended")
    func consumerFails() throws {
        let handoff = SliceHandoff<Int, Int>(capacity: 1)
        let produced = Mutex(0)
        let ended = Mutex(false)
        let producer = Thread {
            handoff.finish(Result { () throws -> Int in
                defer { ended.withLock { $0 = true } }
                for value in 0..<1_000 {
                    try handoff.put(value)
                    produced.withLock { $0 += 1 }
                }
                return 1_000
            })
        }
        producer.start()
        for _ in 0..<3 {
            guard case .value = handoff.take() else {
                Issue.record("the producer ended early")
                return
            }
        }
        handoff.cancelAndWait()
        #expect(ended.withLock { $0 })
        #expect(produced.withLock { $0 } < 10)
        guard case .finished(let outcome) = handoff.take() else {
            Issue.record("a value came after the cancellation")
            return
        }
        #expect(throws: SliceHandoff<Int, Int>.Cancelled.self) { try outcome.get() }
    }

    @Test("a producer that fails hands its error over after the values it produced")
    func producerFails() {
        let handoff = SliceHandoff<Int, Int>(capacity: 4)
        let producer = Thread {
            handoff.finish(Result { () throws -> Int in
                try handoff.put(1)
                try handoff.put(2)
                throw Failure()
            })
        }
        producer.start()
        var values: [Int] = []
        while case .value(let value) = handoff.take() { values.append(value) }
        #expect(values == [1, 2])
        guard case .finished(let outcome) = handoff.take() else { return }
        #expect(throws: Failure.self) { try outcome.get() }
    }
}
