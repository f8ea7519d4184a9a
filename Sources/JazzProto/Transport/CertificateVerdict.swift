import Glibc

/// Why OpenSSL rejected a server certificate, read from the `X509_STORE_CTX` lws hands to the
/// certificate-verification callback.
///
/// The OpenSSL functions are looked up at run time (`dlsym`) because this module links
/// libwebsockets only; libwebsockets has already loaded libcrypto into the process. When they
/// cannot be found (e.g. a fully static build) the explanation falls back to lws's log line.
enum CertificateVerdict {
    private typealias GetError = @convention(c) (OpaquePointer?) -> Int32
    private typealias ErrorString = @convention(c) (Int) -> UnsafePointer<CChar>?

    /// OpenSSL's error code and text for the current verification step, if available.
    static func describe(storeContext: UnsafeMutableRawPointer?) -> (code: Int32, text: String)? {
        guard let storeContext,
              let getErrorSymbol = dlsym(nil, "X509_STORE_CTX_get_error") else { return nil }
        let getError = unsafeBitCast(getErrorSymbol, to: GetError.self)
        let code = getError(OpaquePointer(storeContext))
        var text = "X509 error \(code)"
        if let stringSymbol = dlsym(nil, "X509_verify_cert_error_string") {
            let errorString = unsafeBitCast(stringSymbol, to: ErrorString.self)
            if let message = errorString(Int(code)) { text = String(cString: message) }
        }
        return (code, text)
    }
}
