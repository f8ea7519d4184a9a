import Synchronization

@testable import JazzProto

/// A node environment that hands out prepared clock readings and random bytes in order, so tests can
/// reproduce the exact bytes of the reference's worked examples.
final class ScriptedEnvironment: Sendable {
    private let state: Mutex<(times: [UInt64], randoms: [[UInt8]])>

    init(times: [UInt64], randoms: [[UInt8]]) {
        state = Mutex((times, randoms))
    }

    var environment: NodeEnvironment {
        NodeEnvironment(
            now: { [self] in
                state.withLock { state in state.times.isEmpty ? 0 : state.times.removeFirst() }
            },
            randomBytes: { [self] count in
                state.withLock { state in
                    guard !state.randoms.isEmpty else { return SecureRandom.bytes(count) }
                    let next = state.randoms.removeFirst()
                    precondition(next.count == count, "test scripted \(next.count) random bytes, code asked for \(count)")
                    return next
                }
            })
    }

    var unusedTimes: Int { state.withLock { $0.times.count } }
    var unusedRandoms: Int { state.withLock { $0.randoms.count } }
}

/// A clock that counts up by one millisecond per reading (distinct `madeAt` everywhere).
final class CountingClock: Sendable {
    private let next: Mutex<UInt64>
    init(start: UInt64) { next = Mutex(start) }
    var environment: NodeEnvironment {
        NodeEnvironment(now: { [self] in next.withLock { value in defer { value += 1 }; return value } },
                        randomBytes: { SecureRandom.bytes($0) })
    }
}
