import CWebSockets

/// One-shot timers for a service thread, driven by a single lws timer (`lws_sul`).
///
/// Deadlines live in Swift; the lws timer is always armed for the earliest one, so `lws_service`
/// wakes up in time. Service thread only.
final class LoopTimers {
    struct Token: Hashable {
        fileprivate let raw: UInt64
    }

    private struct Entry {
        let deadline: UInt64
        let action: () -> Void
    }

    private var entries: [UInt64: Entry] = [:]
    private var lastRaw: UInt64 = 0
    private var armedDeadline: UInt64?
    private var context: OpaquePointer?
    private let node: UnsafeMutablePointer<caro_lws_timer>

    init() {
        node = .allocate(capacity: 1)
        node.initialize(to: caro_lws_timer())
        node.pointee.owner = Unmanaged.passUnretained(self).toOpaque()
    }

    deinit {
        node.deinitialize(count: 1)
        node.deallocate()
    }

    private var sul: UnsafeMutablePointer<lws_sorted_usec_list_t> {
        UnsafeMutableRawPointer(node).assumingMemoryBound(to: lws_sorted_usec_list_t.self)
    }

    /// Binds the timers to a context (before any timer is scheduled).
    func attach(to context: OpaquePointer) {
        self.context = context
    }

    /// Runs `action` on the service thread after `delayNanoseconds`.
    @discardableResult
    func schedule(afterNanoseconds delayNanoseconds: UInt64, _ action: @escaping () -> Void) -> Token {
        lastRaw += 1
        let now = TransportClock.monotonicNanoseconds()
        let (deadline, overflow) = now.addingReportingOverflow(delayNanoseconds)
        entries[lastRaw] = Entry(deadline: overflow ? UInt64.max : deadline, action: action)
        rearm()
        return Token(raw: lastRaw)
    }

    /// Cancels a timer; cancelling one that already ran does nothing.
    func cancel(_ token: Token?) {
        guard let token, entries.removeValue(forKey: token.raw) != nil else { return }
        rearm()
    }

    /// Cancels everything and detaches from lws (before the context is destroyed).
    func cancelAll() {
        entries.removeAll()
        if context != nil { lws_sul_cancel(sul) }
        armedDeadline = nil
        context = nil
    }

    fileprivate func fire() {
        armedDeadline = nil
        let now = TransportClock.monotonicNanoseconds()
        let due = entries.filter { $0.value.deadline <= now }
            .sorted { ($0.value.deadline, $0.key) < ($1.value.deadline, $1.key) }
        for (raw, _) in due {
            // An earlier action may have cancelled a later one.
            guard let entry = entries.removeValue(forKey: raw) else { continue }
            entry.action()
        }
        rearm()
    }

    private func rearm() {
        guard let context else { return }
        guard let earliest = entries.values.map(\.deadline).min() else {
            if armedDeadline != nil {
                lws_sul_cancel(sul)
                armedDeadline = nil
            }
            return
        }
        if armedDeadline == earliest { return }
        armedDeadline = earliest
        let now = TransportClock.monotonicNanoseconds()
        let delayMicroseconds = earliest > now ? (earliest - now + 999) / 1000 : 0
        lws_sul_schedule(context, 0, sul, { sul in
            guard let sul, let owner = caro_lws_timer_owner(sul) else { return }
            Unmanaged<LoopTimers>.fromOpaque(owner).takeUnretainedValue().fire()
        }, lws_usec_t(min(delayMicroseconds, UInt64(Int64.max))))
    }
}
