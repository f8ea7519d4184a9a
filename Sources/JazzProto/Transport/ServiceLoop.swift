import CWebSockets
import Dispatch
import Glibc
import Synchronization

/// What a service thread's owner does around the lws event loop. All methods run on the
/// service thread.
protocol ServiceLoopOwner: AnyObject {
    /// Runs queued commands (called at the top of every loop turn and on `EVENT_WAIT_CANCELLED`).
    func drainCommands()
    /// The loop has stopped; the context still exists (cancel timers here).
    func serviceLoopWillDestroyContext()
    /// `lws_context_destroy` returned.
    func serviceLoopDidDestroyContext()
    /// Once per turn of the loop, before it polls: a bounded amount of the owner's own work; true if more
    /// remains (the poll then does not wait).
    func serviceLoopTurn() -> Bool
}

extension ServiceLoopOwner {
    func serviceLoopTurn() -> Bool { false }
}

/// One dedicated thread running `lws_service` for one `lws_context`, plus the locked command
/// queue other threads use to reach it.
///
/// This libwebsockets build (`LWS_MAX_SMP 1`, no external poll) must be driven from a single
/// thread, and `lws_cancel_service` is its only thread-safe call. So other threads append a
/// command and wake the loop; the loop drains the queue. The context pointer used for waking is
/// guarded by the same lock and cleared before the context is destroyed.
final class ServiceLoop<Command: Sendable>: Sendable {
    /// The context pointer, shared only to call `lws_cancel_service` (lws's one thread-safe
    /// call) under the lock that also guards its destruction.
    private struct ContextHandle: @unchecked Sendable {
        let pointer: OpaquePointer
    }

    private struct Shared {
        var context: ContextHandle?
        var commands: [Command] = []
        var wakePending = false
    }

    private let shared = Mutex(Shared())
    private let stopRequested = Atomic<Bool>(false)
    private let threadID = Atomic<UInt>(0)
    private let finished = DispatchGroup()

    init() {}

    /// Queues a command and wakes the loop. Commands posted after the loop stopped are dropped.
    ///
    /// On the service thread itself (from a delegate callback or a timer) no wake-up is needed:
    /// the loop drains the queue as soon as the current `lws_service` call returns.
    func post(_ command: Command) {
        let onServiceThread = isOnServiceThread
        shared.withLock { shared in
            guard let context = shared.context else { return }
            shared.commands.append(command)
            if !onServiceThread && !shared.wakePending {
                shared.wakePending = true
                lws_cancel_service(context.pointer)
            }
        }
    }

    /// Whether commands are waiting (service thread, before it blocks in `lws_service`).
    private var hasCommands: Bool {
        shared.withLock { !$0.commands.isEmpty }
    }

    /// Removes and returns all queued commands (service thread).
    func takeCommands() -> [Command] {
        shared.withLock { shared in
            shared.wakePending = false
            if shared.commands.isEmpty { return [] }
            var taken: [Command] = []
            swap(&taken, &shared.commands)
            return taken
        }
    }

    /// True on the service thread itself.
    var isOnServiceThread: Bool {
        let id = threadID.load(ordering: .acquiring)
        return id != 0 && id == UInt(pthread_self())
    }

    var isStopping: Bool { stopRequested.load(ordering: .acquiring) }

    /// Asks the loop to stop; returns at once. The owner's teardown and `lws_context_destroy`
    /// follow on the service thread.
    func requestStop() {
        stopRequested.store(true, ordering: .releasing)
        shared.withLock { shared in
            if let context = shared.context { lws_cancel_service(context.pointer) }
        }
    }

    /// Blocks until the service thread has destroyed the context. Must not be called on the
    /// service thread (it would wait for itself).
    func waitUntilFinished() {
        finished.wait()
    }

    /// Starts the service thread for `context`. The owner is kept alive by the thread until the
    /// context has been destroyed.
    func start(context: OpaquePointer, owner: some ServiceLoopOwner) throws(TransportError) {
        let handle = ContextHandle(pointer: context)
        shared.withLock { $0.context = handle }
        finished.enter()
        let body = ServiceThreadBody { [self] in
            self.run(context: context, owner: owner)
        }
        let argument = Unmanaged.passRetained(body).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { argument in
            guard let argument else { return nil }
            let body = Unmanaged<ServiceThreadBody>.fromOpaque(argument).takeRetainedValue()
            body.run()
            return nil
        }, argument)
        guard status == 0 else {
            Unmanaged<ServiceThreadBody>.fromOpaque(argument).release()
            shared.withLock { $0.context = nil }
            finished.leave()
            throw .contextCreationFailed("could not start the service thread (pthread_create error \(status))")
        }
        pthread_detach(thread)
    }

    private func run(context: OpaquePointer, owner: some ServiceLoopOwner) {
        threadID.store(UInt(pthread_self()), ordering: .releasing)
        while !isStopping {
            // Commands posted while draining (by callbacks lws runs synchronously) are drained
            // too, so nothing waits in the queue while the thread sleeps in poll().
            repeat {
                owner.drainCommands()
            } while hasCommands && !isStopping
            if isStopping { break }
            let moreWork = owner.serviceLoopTurn()
            // What the turn sent is queued before the poll (posts from this thread do not wake it).
            if hasCommands { owner.drainCommands() }
            if moreWork { lws_cancel_service(context) }
            if lws_service(context, 0) < 0 {
                TransportLog.log(.error, "lws_service failed; the service thread stops")
                break
            }
        }
        owner.serviceLoopWillDestroyContext()
        shared.withLock { shared in
            shared.context = nil
            shared.commands.removeAll()
        }
        lws_context_destroy(context)
        owner.serviceLoopDidDestroyContext()
        // The system may give this thread's ID to a new thread once this one ends.
        threadID.store(0, ordering: .releasing)
        finished.leave()
    }
}

/// The closure a service thread runs (passed through pthread's `void *` argument).
private final class ServiceThreadBody {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
}
