/// `caro doctor`: checks a device home and its relay, and says for each problem what to do.
///
/// The checks, in order: ``HomeChecks`` (`home`, `database`, `secrets`, `config`, `pending`),
/// ``RelayChecks`` (`sync`, `relay`, `clock`), then ``syncChecks`` (the sync layer's own: identity,
/// session lock; see `SyncDoctorChecks.swift`).
///
/// **Adding a check** (the extension point): write a ``DoctorCheck`` whose `run` reads what it needs from
/// the ``DoctorContext`` (the home, the parsed `config.toml`, the database opened read-only) and returns
/// one ``DoctorResult`` with a `fix` for every warning or failure; then list it in ``syncChecks`` (sync)
/// or ``standardChecks``. Checks must not change anything in the home, and must bound their waits.
public enum Doctor {
    /// Every check, in report order.
    public static var allChecks: [DoctorCheck] { standardChecks + syncChecks }

    /// The checks of the home and the relay.
    public static let standardChecks: [DoctorCheck] = HomeChecks.all + RelayChecks.all

    /// Runs `checks` against `home`. `now` is the local clock in Unix milliseconds (for the clock check).
    public static func run(_ home: DeviceHome, checks: [DoctorCheck] = allChecks, options: DoctorOptions = .init()) -> [DoctorResult] {
        let context = DoctorContext(home: home, options: options)
        return checks.map { $0.run(context) }
    }

    /// Whether a report passes (nothing failed; warnings pass).
    public static func passed(_ results: [DoctorResult]) -> Bool {
        !results.contains { $0.status == .fail }
    }
}

/// Settings of a doctor run.
public struct DoctorOptions: Sendable {
    /// How long the relay may take to accept a connection or answer.
    public var networkTimeoutMilliseconds: Int32
    /// A clock difference with the relay above this many seconds is a warning.
    public var clockSkewWarningSeconds: Int

    public init(networkTimeoutMilliseconds: Int32 = 5_000, clockSkewWarningSeconds: Int = 60) {
        self.networkTimeoutMilliseconds = networkTimeoutMilliseconds
        self.clockSkewWarningSeconds = clockSkewWarningSeconds
    }
}
