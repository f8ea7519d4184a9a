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
        // Split on Unicode scalars, not Characters: a character such as U+06DD (a prepended concatenation
        // mark) joins the next one into a single Character, so a `:` after it was not found as a Character
        // (found by fuzz-websocket-url: the endpoint of `ws://\u{FFFD}\u{06DD}` did not parse to itself).
        let scalars = string.unicodeScalars
        func hasScheme(_ scheme: String) -> Bool {
            scalars.count >= scheme.unicodeScalars.count
                && zip(scalars, scheme.unicodeScalars).allSatisfy { $0.properties.lowercaseMapping == String($1) }
        }
        let rest: Substring.UnicodeScalarView
        if hasScheme("wss://") {
            isSecure = true
            rest = scalars.dropFirst(6)
        } else if hasScheme("ws://") {
            isSecure = false
            rest = scalars.dropFirst(5)
        } else if hasScheme("https://") || hasScheme("http://") {
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
        var hostPart: Substring.UnicodeScalarView
        var portPart: Substring.UnicodeScalarView?
        if authority.first == "[" {
            guard let close = authority.firstIndex(of: "]") else {
                throw fail("an IPv6 address must be closed with ]")
            }
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.first == ":" else { throw fail("unexpected text after the IPv6 address") }
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
        guard !hostPart.contains(":") || authority.first == "[" else {
            throw fail("an IPv6 address must be written in brackets, e.g. ws://[::1]:4200")
        }
        // Host names travel as ASCII (an internationalized name in its punycode form): anything else could
        // not be resolved, and a leading combining mark would even merge into the `//` before it.
        guard hostPart.allSatisfy(\.isASCII) else {
            throw fail("the host name has non-ASCII characters: write an internationalized name in its xn-- form")
        }
        host = String(Substring(hostPart))

        if let portPart {
            let digits = String(Substring(portPart))
            guard !portPart.isEmpty, portPart.allSatisfy({ $0.isASCII && $0.properties.numericType == .decimal }),
                  let value = Int(digits), (1...65535).contains(value) else {
                throw fail("the port “\(digits)” is not a number between 1 and 65535")
            }
            port = value
        } else {
            port = isSecure ? 443 : 80
        }

        let tailText = String(Substring(tail))
        if tailText.isEmpty {
            pathAndQuery = "/"
        } else if tailText.hasPrefix("?") {
            pathAndQuery = "/" + tailText
        } else {
            pathAndQuery = tailText
        }
    }

    var isDefaultPort: Bool { port == (isSecure ? 443 : 80) }

    /// The `Host` header (lws also takes the TLS server name from it, dropping any `:port`).
    var hostHeader: String {
        let name = host.unicodeScalars.contains(":") ? "[\(host)]" : host
        return isDefaultPort ? name : "\(name):\(port)"
    }

    /// `scheme://host:port` for messages.
    var endpoint: String {
        let name = host.unicodeScalars.contains(":") ? "[\(host)]" : host
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
