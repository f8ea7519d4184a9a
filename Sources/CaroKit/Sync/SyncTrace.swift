import Foundation

/// Phase timings of setup and sync on stderr when `CARO_SYNC_TRACE` is set (for benchmarks); with
/// `CARO_SYNC_DEBUG`, a sync that times out lists what the relay has not confirmed.
enum SyncTrace {
    static let enabled = DeviceHome.processEnvironment("CARO_SYNC_TRACE") != nil
    static let start = ContinuousClock.now

    static func mark(_ phase: String) {
        guard enabled else { return }
        write("trace \(ContinuousClock.now - start) \(phase)")
    }

    /// One diagnostic line on stderr.
    static func write(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
