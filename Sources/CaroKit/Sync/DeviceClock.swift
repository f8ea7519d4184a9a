import Foundation
import JazzProto

/// The clock of this device's Jazz transactions (their `madeAt`): the system clock, but never earlier than
/// the newest transaction of the Caro group this device has seen, plus one millisecond.
///
/// Readers judge a transaction by the writer's role *at its `madeAt`* (cojson's rule): a device whose clock
/// fell behind the moment it was made a writer (a clock a year behind after joining) would write
/// transactions every other device drops as written before it was a member — acknowledged by the relay,
/// marked pushed here, and invisible everywhere else. Raising the floor before each push keeps its writes
/// after its membership (and after a revocation it has seen, so they are refused as they should be).
final class DeviceClock: @unchecked Sendable {
    private let lock = NSLock()
    private var floor: UInt64 = 0

    /// The node environment reading this clock (system randomness; ``TestClockSkew`` applied).
    var environment: NodeEnvironment {
        let base = TestClockSkew.nodeEnvironment
        return NodeEnvironment(now: { [self] in max(base.now(), lock.withLock { floor }) }, randomBytes: base.randomBytes)
    }

    /// Keeps the next `madeAt` after every transaction of `group` held by `node`.
    func stayAfter(_ group: CoID, in node: LocalNode) {
        guard let newest = node.core(group)?.allTransactions.map({ $0.1.madeAt }).max() else { return }
        lock.withLock { floor = max(floor, newest + 1) }
    }
}
