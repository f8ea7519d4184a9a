/// Reading the small non-negative integers that ops carry (`txIndex`, `changeIdx`).
enum JSONInteger {
    /// The value as an `Int` when it is a JSON number that is a non-negative integer below 2^53.
    static func nonNegative(_ value: JSONValue?) -> Int? {
        // Range check first (the conversion traps outside it), then exactness (no libm rounding needed).
        guard case .number(let number)? = value, number >= 0, number < 9_007_199_254_740_992 else { return nil }
        let integer = Int(number)
        return Double(integer) == number ? integer : nil
    }
}
