/// Last write wins per preference key, between this device's rows (with `updated_at`) and the synced
/// preferences CoMap (each key's last edit and its `madeAt`). Pure.
public struct PreferenceMerge: Sendable, Equatable {
    /// One value and when it was written (ms since the epoch).
    public struct Stamped: Sendable, Equatable {
        public var value: String
        public var at: Int64
        public init(value: String, at: Int64) {
            self.value = value
            self.at = at
        }
    }

    /// Keys whose local value is newer than the synced one (or not synced yet): write them to the CoMap.
    public var toRemote: [String: Stamped] = [:]
    /// Keys whose synced value is newer: store them locally, stamped with the synced time.
    public var toLocal: [String: Stamped] = [:]

    /// `syncedKeys`, and every key starting with one of `syncedPrefixes` (one key per exclusion pattern), sync.
    public init(local: [String: Stamped], remote: [String: Stamped], syncedKeys: Set<String>, syncedPrefixes: [String] = []) {
        var keys = syncedKeys
        for key in Set(local.keys).union(remote.keys) where syncedPrefixes.contains(where: { key.hasPrefix($0) }) { keys.insert(key) }
        for key in keys {
            switch (local[key], remote[key]) {
            case (let mine?, let theirs?) where mine.value != theirs.value:
                if mine.at > theirs.at { toRemote[key] = mine } else { toLocal[key] = theirs }
            case (let mine?, nil):
                toRemote[key] = mine
            case (nil, let theirs?):
                toLocal[key] = theirs
            default:
                break
            }
        }
    }

    public var isEmpty: Bool { toRemote.isEmpty && toLocal.isEmpty }
}
