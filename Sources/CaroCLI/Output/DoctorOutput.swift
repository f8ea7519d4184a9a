import CaroKit
import CaroStore

/// One element of `caro doctor --json`: `{"check", "status": "ok|warn|fail", "message", "fix"}`
/// (`fix` is `null` when there is nothing to do).
struct DoctorOutput: Encodable {
    var check: String
    var status: String
    var message: String
    var fix: String?

    init(_ result: DoctorResult) {
        check = result.check
        status = result.status.rawValue
        message = result.message
        fix = result.fix
    }

    enum CodingKeys: String, CodingKey { case check, status, message, fix }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(check, forKey: .check)
        try container.encode(status, forKey: .status)
        try container.encode(message, forKey: .message)
        try container.encodeOrNull(fix, forKey: .fix)
    }
}

extension CLIOutput {
    /// `caro doctor`'s report: `status  check  message`, and an indented `fix:` line under each problem.
    /// With `quiet`, only the problems.
    static func doctorReport(_ results: [DoctorResult], palette: Palette, quiet: Bool) {
        let width = results.map(\.check.count).max() ?? 0
        var lines: [String] = []
        for result in results where !(quiet && result.status == .ok) {
            let color: Palette.Color = result.status == .ok ? .green : result.status == .warn ? .yellow : .red
            let status = result.status.rawValue + String(repeating: " ", count: 4 - result.status.rawValue.count)
            let name = result.check + String(repeating: " ", count: width - result.check.count)
            lines.append(palette.paint(status, color) + "  " + name + "  " + result.message)
            if let fix = result.fix {
                lines.append(String(repeating: " ", count: 6 + width + 2) + palette.paint("fix:", .dim) + " " + fix)
            }
        }
        if !lines.isEmpty { line(lines.joined(separator: "\n")) }
    }
}

/// `caro doctor --repair --json`: whether it repaired, why, where the damaged file went, and per table the
/// rows kept and unreadable.
struct RepairOutput: Encodable {
    var repaired: Bool
    var reason: String
    var movedTo: String?
    var tables: [HomeSalvage.Table]
    var entries: Int

    init(_ outcome: DatabaseRepair.Outcome) {
        repaired = outcome.repaired
        reason = outcome.reason
        movedTo = outcome.movedTo
        tables = outcome.tables
        entries = outcome.entries
    }
}
