/// The clock and randomness a node uses; replaceable so tests can reproduce exact bytes.
public struct NodeEnvironment: Sendable {
    /// Milliseconds since the Unix epoch (cojson `Date.now()`).
    public var now: @Sendable () -> UInt64
    /// Cryptographically secure random bytes.
    public var randomBytes: @Sendable (Int) -> [UInt8]

    public init(now: @escaping @Sendable () -> UInt64, randomBytes: @escaping @Sendable (Int) -> [UInt8]) {
        self.now = now
        self.randomBytes = randomBytes
    }

    /// The system clock and the OS CSPRNG.
    public static let system = NodeEnvironment(now: { SystemClock.milliseconds() }, randomBytes: { SecureRandom.bytes($0) })

    /// `new Date(ms).toISOString()`: `YYYY-MM-DDTHH:mm:ss.sssZ`.
    public static func isoString(milliseconds: UInt64) -> String {
        let totalSeconds = Int64(milliseconds / 1000)
        let millis = Int(milliseconds % 1000)
        var days = totalSeconds / 86_400
        let secondsOfDay = Int(totalSeconds % 86_400)
        // Civil-from-days (Howard Hinnant's algorithm).
        days += 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let dayOfEra = days - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ value: Int64, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(Int64(secondsOfDay / 3600), 2)):"
            + "\(pad(Int64(secondsOfDay / 60 % 60), 2)):\(pad(Int64(secondsOfDay % 60), 2)).\(pad(Int64(millis), 3))Z"
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Wall-clock time without Foundation.
enum SystemClock {
    static func milliseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return UInt64(spec.tv_sec) * 1000 + UInt64(spec.tv_nsec) / 1_000_000
    }
}
