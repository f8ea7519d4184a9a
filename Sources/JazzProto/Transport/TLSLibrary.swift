import CWebSockets
import Synchronization

/// OpenSSL's one-time initialisation through libwebsockets.
///
/// lws 4.1.6 allocates new OpenSSL "ex data" indexes (where it finds the connection belonging
/// to a TLS session) every time a context is created with `DO_SSL_GLOBAL_INIT`, and keeps only
/// the newest in a global. A second context therefore breaks the certificate-verify callback of
/// TLS sessions begun before it. So only the first context of the process gets the option;
/// vhosts that use TLS always get it (lws checks it per vhost to set up their TLS contexts).
/// Side effect: TLS contexts of servers created after the first are not freed when those
/// servers shut down (lws frees them only for contexts created with the option).
enum TLSLibrary {
    private static let initialised = Atomic<Bool>(false)

    /// The option bits for a new context: the global init for the first context only.
    static func contextOptions() -> UInt64 {
        let (exchanged, _) = initialised.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing)
        return exchanged ? UInt64(LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT) : 0
    }

    /// The option bits for a vhost that uses TLS (as server or as client).
    static let vhostOption = UInt64(LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT)
}
