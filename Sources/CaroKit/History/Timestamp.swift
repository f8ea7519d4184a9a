#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Times as caro stores them (milliseconds since the Unix epoch) and writes them (ISO 8601 UTC with
/// milliseconds, e.g. `2026-12-05T21:39:18.123Z`). Formatted and parsed by hand: no date formatter
/// is created on the hot paths.
public enum Timestamp {
    /// The current time in milliseconds since the epoch.
    public static func now() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000 + Int64(spec.tv_nsec) / 1_000_000
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ` for `milliseconds` since the epoch.
    public static func iso8601(_ milliseconds: Int64) -> String {
        let (seconds, millis) = floorDivide(milliseconds, 1_000)
        let (days, secondOfDay) = floorDivide(seconds, 86_400)
        let (year, month, day) = civil(fromDays: days)
        func pad(_ value: Int64, _ width: Int) -> String {
            let digits = String(value)
            return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3_600, 2)):"
            + "\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2)).\(pad(millis, 3))Z"
    }

    /// Parses ISO 8601: `YYYY-MM-DD`, optionally `THH:MM`, `:SS`, `.fff` and a zone (`Z`, `+HH:MM`,
    /// `+HHMM`, `+HH`); a space may stand for `T`. Without a zone the time is local. Nil if it is not
    /// such a date.
    public static func parseISO8601(_ text: String) -> Int64? {
        var scanner = DigitScanner(Array(text.utf8))
        guard let year = scanner.number(digits: 4), scanner.take("-"), let month = scanner.number(digits: 2), scanner.take("-"),
            let day = scanner.number(digits: 2), (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day)
        else { return nil }
        var hour: Int64 = 0, minute: Int64 = 0, second: Int64 = 0, millis: Int64 = 0
        var offsetSeconds: Int64?
        if scanner.take("T") || scanner.take("t") || scanner.take(" ") {
            guard let h = scanner.number(digits: 2), scanner.take(":"), let m = scanner.number(digits: 2), h < 24, m < 60 else {
                return nil
            }
            (hour, minute) = (h, m)
            if scanner.take(":") {
                guard let s = scanner.number(digits: 2), s < 61 else { return nil }
                second = min(s, 59)
                if scanner.take(".") || scanner.take(",") {
                    let fraction = scanner.digits()
                    guard !fraction.isEmpty else { return nil }
                    millis = fraction.prefix(3).reduce(0) { $0 * 10 + Int64($1) } * [100, 10, 1][min(fraction.count, 3) - 1]
                }
            }
        }
        if scanner.take("Z") || scanner.take("z") {
            offsetSeconds = 0
        } else if let sign = scanner.peek, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            scanner.advance()
            guard let h = scanner.number(digits: 2), h < 24 else { return nil }
            _ = scanner.take(":")
            let m = scanner.number(digits: 2) ?? 0
            guard m < 60 else { return nil }
            offsetSeconds = (sign == UInt8(ascii: "-") ? -1 : 1) * (h * 3_600 + m * 60)
        }
        guard scanner.atEnd else { return nil }
        let seconds: Int64
        if let offsetSeconds {
            seconds = days(fromCivil: year, month, day) * 86_400 + hour * 3_600 + minute * 60 + second - offsetSeconds
        } else {
            guard let local = localSeconds(year: year, month: month, day: day, hour: hour, minute: minute, second: second) else {
                return nil
            }
            seconds = local
        }
        return seconds * 1_000 + millis
    }

    /// Local midnight `daysAgo` days before today, in ms since the epoch.
    public static func localMidnight(daysAgo: Int, now: Int64) -> Int64 {
        var seconds = time_t(now / 1_000)
        var parts = tm()
        localtime_r(&seconds, &parts)
        parts.tm_hour = 0
        parts.tm_min = 0
        parts.tm_sec = 0
        parts.tm_mday -= Int32(daysAgo)
        parts.tm_isdst = -1
        return Int64(mktime(&parts)) * 1_000
    }

    // MARK: Calendar arithmetic (proleptic Gregorian; Howard Hinnant's days-from-civil)

    static func floorDivide(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        let quotient = value >= 0 ? value / divisor : -((-value + divisor - 1) / divisor)
        return (quotient, value - quotient * divisor)
    }

    static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = floorDivide(z, 146_097).0
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDivide(y, 400).0
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    static func localSeconds(year: Int64, month: Int64, day: Int64, hour: Int64, minute: Int64, second: Int64) -> Int64? {
        var parts = tm()
        parts.tm_year = Int32(clamping: year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        parts.tm_isdst = -1
        let result = mktime(&parts)
        return result == -1 && year != 1969 ? nil : Int64(result)
    }
}

/// Reads ASCII digits and punctuation from a byte array.
struct DigitScanner {
    let bytes: [UInt8]
    var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { index == bytes.count }
    var peek: UInt8? { index < bytes.count ? bytes[index] : nil }
    mutating func advance() { index += 1 }

    mutating func take(_ character: Unicode.Scalar) -> Bool {
        guard peek == UInt8(ascii: character) else { return false }
        index += 1
        return true
    }

    /// Exactly `digits` digits as a number.
    mutating func number(digits count: Int) -> Int64? {
        guard index + count <= bytes.count else { return nil }
        var value: Int64 = 0
        for byte in bytes[index..<(index + count)] {
            guard (48...57).contains(byte) else { return nil }
            value = value * 10 + Int64(byte - 48)
        }
        index += count
        return value
    }

    /// Every digit from here on, as values 0–9.
    mutating func digits() -> [UInt8] {
        var values: [UInt8] = []
        while let byte = peek, (48...57).contains(byte) {
            values.append(byte - 48)
            index += 1
        }
        return values
    }
}
