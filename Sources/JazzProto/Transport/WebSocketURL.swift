/// A parsed `ws://` or `wss://` URL, split the way libwebsockets wants it.
struct WebSocketURL: Sendable, Equatable, CustomStringConvertible {
    let isSecure: Bool
    /// Host name or IP address (IPv6 without brackets).
    let host: String
    let port: Int
    /// Path and query, starting with `/` (the fragment is dropped, as browsers do).
    let pathAndQuery: String
    let original: String

    init(_ string: String) throws(TransportError) {
        original = string
        func fail(_ reason: String) -> TransportError { .invalidURL(string, reason: reason) }

        guard !string.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) else {
            throw fail("it contains spaces or control characters (percent-encode them, e.g. %20)")
        }
        let lower = string.lowercased()
        let rest: Substring
        if lower.hasPrefix("wss://") {
            isSecure = true
            rest = string.dropFirst(6)
        } else if lower.hasPrefix("ws://") {
            isSecure = false
            rest = string.dropFirst(5)
        } else if lower.hasPrefix("https://") || lower.hasPrefix("http://") {
            throw fail("the scheme must be ws:// or wss:// (use wss:// for an https:// server)")
        } else {
            throw fail("the scheme must be ws:// or wss://")
        }

        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var tail = rest[authorityEnd...]
        if let hash = tail.firstIndex(of: "#") { tail = tail[..<hash] }

        guard !authority.contains("@") else {
            throw fail("user names and passwords in the URL are not supported (Jazz uses ?key=...)")
        }
        var hostPart: Substring
        var portPart: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                throw fail("an IPv6 address must be closed with ]")
            }
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw fail("unexpected text after the IPv6 address") }
                portPart = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            hostPart = authority[..<colon]
            portPart = authority[authority.index(after: colon)...]
        } else {
            hostPart = authority
        }
        guard !hostPart.isEmpty else { throw fail("the host is missing") }
        // Brackets only enclose an IPv6 address (found by fuzzing: `ws://[[x]:2` gave the host `[x`, whose
        // endpoint `ws://[x:2` no longer parsed).
        guard !hostPart.contains("[") && !hostPart.contains("]") else {
            throw fail("the host contains [ or ]: write an IPv6 address in one pair of brackets, e.g. ws://[::1]:4200")
        }
        guard !hostPart.contains(":") || authority.hasPrefix("[") else {
            throw fail("an IPv6 address must be written in brackets, e.g. ws://[::1]:4200")
        }
        host = String(hostPart)

        if let portPart {
            guard !portPart.isEmpty, portPart.allSatisfy(\.isASCII), portPart.allSatisfy(\.isNumber),
                  let value = Int(portPart), (1...65535).contains(value) else {
                throw fail("the port “\(portPart)” is not a number between 1 and 65535")
            }
            port = value
        } else {
            port = isSecure ? 443 : 80
        }

        if tail.isEmpty {
            pathAndQuery = "/"
        } else if tail.hasPrefix("?") {
            pathAndQuery = "/" + tail
        } else {
            pathAndQuery = String(tail)
        }
    }

    var isDefaultPort: Bool { port == (isSecure ? 443 : 80) }

    /// The `Host` header (lws also takes the TLS server name from it, dropping any `:port`).
    var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return isDefaultPort ? name : "\(name):\(port)"
    }

    /// `scheme://host:port` for messages.
    var endpoint: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return "\(isSecure ? "wss" : "ws")://\(name):\(port)"
    }

    var description: String { original }
}

extension WebSocketClient {
    /// Checks `url` as ``init(configuration:delegate:)`` does, without connecting, and returns the
    /// endpoint it would dial as `ws://host:port` or `wss://host:port` (IPv6 hosts in brackets).
    ///
    /// - Throws: ``TransportError/invalidURL(_:reason:)`` saying what is wrong with the URL.
    public static func endpoint(of url: String) throws(TransportError) -> String {
        try WebSocketURL(url).endpoint
    }
}
