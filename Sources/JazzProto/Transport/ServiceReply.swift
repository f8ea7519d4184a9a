import Dispatch
import Synchronization

/// A one-shot answer from a service thread to a thread that waits for it.
final class ServiceReply<Value: Sendable>: Sendable {
    private let value = Mutex<Value?>(nil)
    private let ready = DispatchSemaphore(value: 0)

    func resolve(_ result: Value) {
        value.withLock { $0 = result }
        ready.signal()
    }

    /// Blocks until `resolve`; never call it on the service thread that resolves it.
    func wait() -> Value? {
        ready.wait()
        return value.withLock { $0 }
    }
}
