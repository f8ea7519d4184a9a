import Foundation

/// Phase timings of setup and sync on stderr when `CARO_SYNC_TRACE` is set (for benchmarks).
enum SyncTrace {
    static let enabled = DeviceHome.processEnvironment("CARO_SYNC_TRACE") != nil
    static let start = ContinuousClock.now

    static func mark(_ phase: String) {
        guard enabled else { return }
        FileHandle.standardError.write(Data("trace \(ContinuousClock.now - start) \(phase)\n".utf8))
    }
}
