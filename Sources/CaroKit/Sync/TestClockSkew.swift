import JazzProto

/// **Test-only hook** — `CARO_TEST_CLOCK_SKEW_MS=<milliseconds>` shifts the clock a device's sync uses (the
/// `madeAt` of its Jazz transactions, the `lastSeen` and preference times it writes) by that many
/// milliseconds, so the fault-injection tests can play a device whose clock is a year ahead or behind
/// (`FaultInjectionTests.devicesWithClocksAYearAheadAndBehindStillSyncBothWays`). libfaketime cannot do it
/// for `caro sync`: under it the Swift runtime's timers never fire and the process hangs. Entry times
/// (`history add`) are skewed with libfaketime itself. Unset (the default) it changes nothing; never set it
/// outside tests. Documented in Docs/security.md ("Fault injection").
enum TestClockSkew {
    static let milliseconds: Int64 = Int64(DeviceHome.processEnvironment("CARO_TEST_CLOCK_SKEW_MS") ?? "") ?? 0

    /// The node environment with the skewed clock (the system one when no skew is set).
    static var nodeEnvironment: NodeEnvironment {
        guard milliseconds != 0 else { return .system }
        let skew = milliseconds
        return NodeEnvironment(now: { UInt64(clamping: Int64(clamping: NodeEnvironment.system.now()) + skew) },
                               randomBytes: NodeEnvironment.system.randomBytes)
    }

    /// Unix milliseconds, skewed.
    static func now() -> Int64 { Timestamp.now() + milliseconds }
}
