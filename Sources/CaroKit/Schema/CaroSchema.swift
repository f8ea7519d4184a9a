/// The names and version of Caro's data on Jazz (Docs/schema.md).
public enum CaroSchema {
    /// The schema version this `caro` writes and fully understands.
    public static let version = 1

    /// Keys of the CaroRoot CoMap.
    public enum RootKey {
        public static let schemaVersion = "schemaVersion"
        public static let history = "history"
        public static let preferences = "preferences"
        public static let devices = "devices"
        public static let fieldKeyVersion = "fieldKeyVersion"
        /// `fieldKey_<n>`.
        public static func fieldKey(_ version: Int) -> String { "fieldKey_\(version)" }
    }

    /// The most entries (and deletions) one history transaction carries: a push of more is split
    /// into several transactions of this size, so no transaction grows without bound.
    public static let maxRecordsPerBatch = 500
}
