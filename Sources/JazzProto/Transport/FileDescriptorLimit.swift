import Glibc

/// The process's open-file limit (`RLIMIT_NOFILE`), which bounds how many connections a server can hold.
public enum FileDescriptorLimit {
    /// Descriptors a server leaves free for everything that is not a client connection: the database and
    /// its WAL, standard streams, the listening socket and libwebsockets' own wake-up pipe.
    public static let reserved = 32

    /// Raising never goes beyond this, even when the hard limit is unlimited (libwebsockets allocates
    /// tables of the limit's size).
    static let ceiling = 1 << 20

    /// The soft limit now in force.
    public static var soft: Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        return Int(clamping: min(limit.rlim_cur, rlim_t(ceiling)))
    }

    /// Raises the soft limit to the hard limit (as servers usually do at start), capped at 2^20; returns
    /// the soft limit now in force. Never lowers it; a refusal leaves it as it was.
    @discardableResult
    public static func raiseSoftLimitToHard() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return soft }
        let target = min(limit.rlim_max, rlim_t(ceiling))
        if target > limit.rlim_cur {
            limit.rlim_cur = target
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        return soft
    }

    /// How many connections fit in `soft` descriptors with ``reserved`` kept free (at least 1).
    public static func connectionCapacity(soft: Int = soft) -> Int {
        max(1, soft - reserved)
    }
}
