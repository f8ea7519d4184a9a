/// The times `--since`/`--until` accept: ISO 8601 dates and times, a duration ago (`90s`, `30m`, `2h`,
/// `3d`, `1w`), `today` and `yesterday` (local midnight), `now`.
public enum TimeExpression {
    /// The time `text` means, in ms since the epoch, relative to `now`. Throws
    /// ``CaroError/invalidArgument(_:)`` naming the option when it is none of the accepted forms.
    public static func parse(_ text: String, option: String, now: Int64) throws(CaroError) -> Int64 {
        let lowered = text.lowercased()
        switch lowered {
        case "now": return now
        case "today": return Timestamp.localMidnight(daysAgo: 0, now: now)
        case "yesterday": return Timestamp.localMidnight(daysAgo: 1, now: now)
        default: break
        }
        if let unit = lowered.last, let scale = unitMilliseconds[unit], let amount = Int64(lowered.dropLast()), amount >= 0,
            amount < Int64.max / scale
        {
            return now - amount * scale
        }
        if let time = Timestamp.parseISO8601(text) { return time }
        throw .invalidArgument(
            "\(option) '\(text)' is not a time: use an ISO 8601 date or time (2026-12-05, 2026-12-05T14:30:00Z), "
                + "a duration ago (90s, 30m, 2h, 3d, 1w), today or yesterday.")
    }

    private static let unitMilliseconds: [Character: Int64] = [
        "s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000,
    ]
}
