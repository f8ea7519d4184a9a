import JazzProto

/// The opt-in usage counters (Docs/security.md, "Opt-in metrics"): how many commands were generated,
/// executed and succeeded, by safety level and by shell. Counts only — the names come from fixed lists,
/// so no command text, path, host or free-form word can ever be in them.
public struct UsageCounters: Sendable, Equatable {
    /// Entries recorded with a prompt (commands Caro generated from a request).
    public var generated = 0
    /// Entries recorded as executed.
    public var executed = 0
    /// Executed entries that exited with status 0.
    public var succeeded = 0
    /// Entries by safety level (``safetyLevels``, `other`, or `none`).
    public var bySafety: [String: Int] = [:]
    /// Entries by shell (``shells`` or `other`; `none` when unknown).
    public var byShell: [String: Int] = [:]

    public init() {}

    /// The safety levels counted by name; any other word counts as `other`.
    public static let safetyLevels: Set<String> = ["safe", "moderate", "high", "critical"]
    /// The shells counted by name; any other counts as `other`.
    public static let shells: Set<String> = ["bash", "zsh", "fish", "sh", "dash", "ksh", "tcsh", "csh", "nu", "pwsh", "elvish", "xonsh"]

    /// The counter names one recorded entry adds one to (the rows of `MetricsStore`).
    public static func names(prompt: String?, executed: Bool, exitCode: Int?, safetyLevel: String?, shell: String?) -> [String] {
        var names: [String] = []
        if let prompt, !prompt.isEmpty { names.append("generated") }
        if executed { names.append("executed") }
        if executed && exitCode == 0 { names.append("succeeded") }
        names.append("safety:" + bucket(safetyLevel, known: safetyLevels))
        names.append("shell:" + bucket(shell, known: shells))
        return names
    }

    static func bucket(_ value: String?, known: Set<String>) -> String {
        guard let value, !value.isEmpty else { return "none" }
        let lowered = value.lowercased()
        return known.contains(lowered) ? lowered : "other"
    }

    /// The counters of `MetricsStore` rows (unknown names are ignored).
    public init(rows: [String: Int]) {
        for (name, count) in rows {
            switch name {
            case "generated": generated += count
            case "executed": executed += count
            case "succeeded": succeeded += count
            default:
                if name.hasPrefix("safety:") { bySafety[String(name.dropFirst("safety:".count)), default: 0] += count }
                if name.hasPrefix("shell:") { byShell[String(name.dropFirst("shell:".count)), default: 0] += count }
            }
        }
    }

    /// True when nothing was counted.
    public var isEmpty: Bool { self == UsageCounters() }

    /// The sum of two devices' counters.
    public static func + (lhs: UsageCounters, rhs: UsageCounters) -> UsageCounters {
        var sum = lhs
        sum.generated += rhs.generated
        sum.executed += rhs.executed
        sum.succeeded += rhs.succeeded
        sum.bySafety.merge(rhs.bySafety, uniquingKeysWith: +)
        sum.byShell.merge(rhs.byShell, uniquingKeysWith: +)
        return sum
    }

    /// The JSON shape, in the synced devices CoMap and in a community snapshot:
    /// `{"v": 1, "generated", "executed", "succeeded", "bySafety": {…}, "byShell": {…}}` (keys sorted).
    public var json: JSONValue {
        func counts(_ table: [String: Int]) -> JSONValue {
            .object(JSONObject(table.sorted { $0.key < $1.key }.map { ($0.key, .number(Double($0.value))) }))
        }
        return .object(JSONObject([
            ("bySafety", counts(bySafety)), ("byShell", counts(byShell)), ("executed", .number(Double(executed))),
            ("generated", .number(Double(generated))), ("succeeded", .number(Double(succeeded))), ("v", .number(1)),
        ]))
    }

    /// Reads ``json``; nil for anything else (e.g. a format of a newer caro).
    public init?(json: JSONValue) {
        guard json["v"]?.int64Value == 1 else { return nil }
        func count(_ value: JSONValue?) -> Int { value?.int64Value.map { Int(clamping: max($0, 0)) } ?? 0 }
        generated = count(json["generated"])
        executed = count(json["executed"])
        succeeded = count(json["succeeded"])
        for (name, value) in json["bySafety"]?.objectValue ?? [:] { bySafety[Self.bucket(name, known: Self.safetyLevels.union(["none"])), default: 0] += count(value) }
        for (name, value) in json["byShell"]?.objectValue ?? [:] { byShell[Self.bucket(name, known: Self.shells.union(["none"])), default: 0] += count(value) }
    }
}
