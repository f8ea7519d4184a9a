import Foundation

/// Phase timings of setup and sync on stderr when `CARO_SYNC_TRACE` is set (for benchmarks); with
/// `CARO_SYNC_DEBUG`, a sync that times out lists what the relay has not confirmed.
enum SyncTrace {
    static let enabled = DeviceHome.processEnvironment("CARO_SYNC_TRACE") != nil
    static let start = ContinuousClock.now

    /// `trace <wall since start> cpu <user+system ms> rss <peak KB> <phase>`.
    static func mark(_ phase: String) {
        guard enabled else { return }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let cpu = (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1_000 + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1_000
        write("trace \(ContinuousClock.now - start) cpu \(cpu) ms rss \(usage.ru_maxrss) KB \(phase)")
    }

    /// One diagnostic line on stderr.
    static func write(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
