import CaroKit

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// Colours for human output: used only when `color` (config.toml) allows it for this stream, and never
/// when `NO_COLOR` is set to anything non-empty. `--json` output is never coloured.
struct Palette {
    let enabled: Bool

    enum Color: String {
        case green = "32", yellow = "33", red = "31", dim = "2"
    }

    /// The palette for standard output (`descriptor` 1) under `mode`.
    static func resolve(_ mode: DeviceConfig.ColorMode, descriptor: Int32 = STDOUT_FILENO,
                        environment: (String) -> String? = DeviceHome.processEnvironment) -> Palette {
        if let noColor = environment("NO_COLOR"), !noColor.isEmpty { return Palette(enabled: false) }
        switch mode {
        case .never: return Palette(enabled: false)
        case .always: return Palette(enabled: true)
        case .auto: return Palette(enabled: isatty(descriptor) == 1 && environment("TERM") != "dumb")
        }
    }

    func paint(_ text: String, _ color: Color) -> String {
        enabled ? "\u{1B}[\(color.rawValue)m\(text)\u{1B}[0m" : text
    }
}
