/// The checks of sync's relay: configured or not, reachable, and the clock difference with it.
public enum RelayChecks {
    public static let all: [DoctorCheck] = [DoctorCheck("sync", run: sync), DoctorCheck("relay", run: relay), DoctorCheck("clock", run: clock)]

    /// Whether sync is set up (`caro sync init|join`) or a relay is configured in `config.toml`.
    static func sync(_ context: DoctorContext) -> DoctorResult {
        switch context.config {
        case .failure:
            return DoctorResult(check: "sync", status: .warn, message: "unknown: config.toml cannot be read", fix: "See the config check above.")
        case .success(let config):
            guard let relay = context.relay else {
                return .ok("sync", "not set up: history stays on this device (caro sync init --relay URL sets it up)")
            }
            let device = context.credentials.map { "device \($0.account)\($0.paused ? ", paused (caro sync resume)" : ""), " } ?? ""
            return .ok("sync", "\(device)relay \(RelayProbe.redacted(relay.url)), auto-sync \(config.autoSync ? "on" : "off")")
        }
    }

    /// The relay answers: TCP, WebSocket handshake (TLS for wss://), and `GET /health` for ws://.
    static func relay(_ context: DoctorContext) -> DoctorResult {
        guard let probe = context.relayProbe else { return .ok("relay", "not checked: no relay configured") }
        let url = RelayProbe.redacted(probe.url)
        if let reason = probe.unreachable {
            let fix = probe.tlsProblem
                ? "The relay's certificate is not trusted: if it uses a private CA, caro config set relay-ca-file /path/to/ca.pem; otherwise check the URL."
                : "Is the relay running? Start it (caro relay), check the network, or fix the URL: caro config set relay URL."
            return DoctorResult(check: "relay", status: .fail, message: reason, fix: fix)
        }
        guard let health = probe.health else {
            return .ok("relay", "\(url) accepts WebSocket connections (TLS certificate valid); /health not checked over wss://")
        }
        switch health.status {
        case 200:
            return .ok("relay", "\(url) accepts WebSocket connections; GET /health: \(health.body.isEmpty ? "200" : health.body)")
        case 503:
            return DoctorResult(check: "relay", status: .fail, message: "\(url) is up but unhealthy: \(health.body)",
                                fix: "The relay cannot store what it receives: see its log (a full disk or an unwritable --db), fix that, and it recovers by itself.")
        default:
            return DoctorResult(check: "relay", status: .warn,
                                message: "\(url) accepts WebSocket connections, but GET /health answered \(health.status)",
                                fix: "Probably not a caro or jazz-run relay; if sync works (caro sync status), ignore this.")
        }
    }

    /// The difference between this clock and the relay's (`Date` header of `/health`).
    static func clock(_ context: DoctorContext) -> DoctorResult {
        guard let probe = context.relayProbe else { return .ok("clock", "not checked: no relay configured") }
        guard probe.unreachable == nil else { return .ok("clock", "not checked: the relay check failed") }
        guard let relayTime = probe.relayTime else {
            return .ok("clock", "not checked: the relay sent no Date header\(probe.health == nil ? " (none is read over wss://)" : "")")
        }
        // The header has whole seconds, truncated: the relay's clock was somewhere in [time, time + 1).
        let skew = Int((probe.localTime - (Double(relayTime) + 0.5)).rounded())
        let described = skew == 0 ? "in step with the relay (within 1 s)" : "\(abs(skew)) s \(skew > 0 ? "ahead of" : "behind") the relay"
        guard abs(skew) <= context.options.clockSkewWarningSeconds else {
            return DoctorResult(check: "clock", status: .warn, message: "this clock is \(described)",
                                fix: "Set the clock right (e.g. timedatectl set-ntp true): Jazz orders concurrent edits by their time.")
        }
        return .ok("clock", "this clock is \(described)")
    }
}
