#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A one-line progress bar on stderr, redrawn in place (only on a terminal).
final class ProgressBar {
    private var lastPercent = -1
    private let label: String
    private let unit: String

    /// Nil when not `enabled`, so callers pass no progress callback at all. `label` names the work
    /// (`importing`), `unit` what is counted (empty: bare numbers).
    init?(enabled: Bool, label: String = "importing", unit: String = "") {
        guard enabled else { return nil }
        self.label = label
        self.unit = unit
    }

    func show(_ done: Int, of total: Int) {
        guard total > 0 else { return }
        let percent = min(100, done * 100 / total)
        guard percent != lastPercent else { return }
        lastPercent = percent
        let width = 30
        let filled = percent * width / 100
        let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
        write("\r\(label) [\(bar)] \(percent)% \(done)/\(total)\(unit.isEmpty ? "" : " " + unit)")
    }

    func finish() {
        if lastPercent >= 0 { write("\r\u{1B}[K") }
        lastPercent = -1
    }

    private func write(_ text: String) {
        fputs(text, stderr)
    }
}
