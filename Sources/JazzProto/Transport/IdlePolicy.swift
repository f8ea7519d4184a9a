import CWebSockets

/// An `lws_retry_bo_t` that only sets lws's connection validity timers: a WebSocket ping after half of
/// `hangUpAfterSeconds` without a pong (or since the connection opened), and a hang-up once
/// `hangUpAfterSeconds` pass without one. Kept alive as long as the context that points to it.
final class IdlePolicy {
    let pointer: UnsafeMutablePointer<lws_retry_bo_t>

    /// `hangUpAfterSeconds` at least 2 (lws needs the ping strictly before the hang-up).
    init(hangUpAfterSeconds: UInt16) {
        pointer = .allocate(capacity: 1)
        var policy = lws_retry_bo_t()
        policy.secs_since_valid_hangup = max(2, hangUpAfterSeconds)
        policy.secs_since_valid_ping = max(1, policy.secs_since_valid_hangup / 2)
        pointer.initialize(to: policy)
    }

    deinit {
        pointer.deinitialize(count: 1)
        pointer.deallocate()
    }
}
