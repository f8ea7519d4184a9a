import CaroStore
import Foundation

/// `caro sync pause|resume|reset`: switches on this device only, no network.
public struct SyncControl {
    let home: DeviceHome

    public init(home: DeviceHome) { self.home = home }

    /// Pauses (true) or resumes (false) sync: while paused, no command makes any network traffic.
    public func setPaused(_ paused: Bool) throws(CaroError) {
        var credentials = try DeviceCredentials.required(in: home)
        credentials.paused = paused
        try credentials.save(to: home)
    }

    /// Forgets sync on this device: the device secret and the sync state are deleted and every entry
    /// is marked pending again. The history stays; so do the synced CoValues in the database (a later
    /// `join` of the same identity reuses them). The identity and the other devices are not touched.
    public func reset() throws(CaroError) {
        let lock = try SessionLock(home: home)
        defer { lock.release() }
        let history = try HomeDatabase.open(home)
        try CaroError.storage { try history.markAllPending() }
        for path in [DeviceCredentials.path(in: home), SyncState.path(in: home)] where FileManager.default.fileExists(atPath: path) {
            do {
                try FileManager.default.removeItem(atPath: path)
            } catch {
                throw .failed("Cannot delete \(path): \(error.localizedDescription)")
            }
        }
    }
}
