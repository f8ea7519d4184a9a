import Glibc

/// Early checks of certificate and key paths, so a typo gives a clear error instead of an
/// opaque OpenSSL failure (or, for CA files, none at all: OpenSSL accepts a CA file without
/// certificates and every handshake then fails).
enum TLSFiles {
    static func checkReadable(_ path: String, role: String) throws(TransportError) {
        guard !path.isEmpty, !path.utf8.contains(0) else {
            throw .tlsSetupFailed("the \(role) path is empty or contains a NUL character")
        }
        guard access(path, R_OK) == 0 else {
            let reason = String(cString: strerror(errno))
            throw .tlsSetupFailed("cannot read the \(role) file \(path) (\(reason))")
        }
    }

    /// Checks that `path` is readable and holds at least one PEM certificate.
    static func checkCertificates(_ path: String, role: String) throws(TransportError) {
        try checkReadable(path, role: role)
        guard let contents = readPrefix(path, limit: 4 << 20) else {
            throw .tlsSetupFailed("cannot read the \(role) file \(path)")
        }
        guard contents.contains("-----BEGIN CERTIFICATE-----") else {
            throw .tlsSetupFailed("the \(role) file \(path) holds no PEM certificate "
                + "(expected a \"-----BEGIN CERTIFICATE-----\" block)")
        }
    }

    private static func readPrefix(_ path: String, limit: Int) -> String? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while bytes.count < limit {
            let count = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if count == 0 { break }
            bytes += buffer[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
