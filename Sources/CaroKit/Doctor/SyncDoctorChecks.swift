extension Doctor {
    /// The sync layer's checks, run after the standard ones: **the extension point for the identity and
    /// session-lock checks**. Add one ``DoctorCheck`` per line of the report, for example:
    ///
    /// ```swift
    /// DoctorCheck("identity") { context in
    ///     // e.g. the credentials file in context.home.configDirectory: present, mode 0600, parses.
    ///     .ok("identity", "device account co_z… of identity co_z…")
    /// }
    /// DoctorCheck("session-lock") { context in
    ///     // e.g. try the lock without waiting: held by another process → warn, with its fix.
    ///     .ok("session-lock", "free")
    /// }
    /// ```
    ///
    /// The file-mode check of secrets (``HomeChecks``) already covers `sync.json`, `*.secret` and
    /// `identity*` files in the config directory.
    public static let syncChecks: [DoctorCheck] = []
}
