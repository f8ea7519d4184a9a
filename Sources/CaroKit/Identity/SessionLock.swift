#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An exclusive lock on a device's Jazz session (`sync.lock` in the data directory, `flock`): only the
/// process holding it may write the session, so two processes never write it at once (which would fork
/// it). The kernel releases the lock when the process dies, so a crash never leaves it stuck.
public final class SessionLock {
    private var descriptor: Int32

    /// Takes the lock, waiting up to `timeoutMilliseconds` for another process to release it.
    public init(home: DeviceHome, timeoutMilliseconds: Int = 30_000) throws(CaroError) {
        try home.createDataDirectory()
        let path = home.dataDirectory + "/sync.lock"
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .failed("Cannot open \(path): \(String(cString: strerror(errno))).") }
        var waited = 0
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR, waited < timeoutMilliseconds else {
                close(descriptor)
                descriptor = -1
                throw .failed("Another caro process is syncing this device (\(path) is locked); wait for it to finish or stop it.")
            }
            usleep(20_000)
            waited += 20
        }
    }

    /// Releases the lock (also released when the process exits).
    public func release() {
        guard descriptor >= 0 else { return }
        flock(descriptor, LOCK_UN)
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }
}
