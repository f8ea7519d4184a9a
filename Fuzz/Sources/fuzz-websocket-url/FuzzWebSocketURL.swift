import JazzProto

/// The WebSocket URL parser (what the client dials for a relay URL from `sync.json`, `config.toml` or
/// `--relay`): any text is refused with ``TransportError/invalidURL(_:reason:)`` or gives an endpoint
/// (`scheme://host:port`) that parses to itself.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWebSocketURL(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let endpoint: String
    do {
        endpoint = try WebSocketClient.endpoint(of: text)
    } catch {
        guard case .invalidURL = error, !error.description.isEmpty else { fatalError("unexpected error \(error) for \(text.debugDescription)") }
        return 0
    }
    // Compared as bytes: `hasPrefix` compares Characters, and a combining mark merges into the `/` before it.
    guard endpoint.utf8.starts(with: "ws://".utf8) || endpoint.utf8.starts(with: "wss://".utf8),
          (try? WebSocketClient.endpoint(of: endpoint)) == endpoint else {
        fatalError("endpoint \(endpoint.debugDescription) of \(text.debugDescription) does not parse to itself")
    }
    return 0
}
