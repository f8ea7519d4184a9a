import JazzProto

/// The sync message decoder on whole WebSocket text frames (batched lines included), as the relay and the
/// client see them: the transport hands over only valid UTF-8. Every accepted message re-encodes to text
/// that decodes to the same message, and re-batching the accepted messages gives frames that decode to
/// the same messages in the same order.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSyncFrame(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let frame = String(validating: bytes, as: UTF8.self) else { return 0 }
    let parsed = SyncFrame(parsing: frame)
    if parsed.problems.count > SyncFrame.maximumProblems + 1 {
        fail("more than \(SyncFrame.maximumProblems + 1) problems reported", frame)
    }
    let texts = parsed.messages.map(\.text)
    for (message, text) in zip(parsed.messages, texts) {
        guard let again = try? SyncMessage(text: text) else { fail("re-encoded message does not decode: \(text)", frame) }
        if again.text != text { fail("re-encoding is not stable: \(text) became \(again.text)", frame) }
        _ = message.json
    }
    let rebatched = JazzFraming.batch(texts, limit: 512).flatMap { SyncFrame(parsing: $0).messages.map(\.text) }
    if rebatched != texts { fail("re-batched frames decode to other messages", frame) }
    return 0
}

private func fail(_ message: String, _ frame: String) -> Never {
    fatalError("\(message) (frame: \(frame.debugDescription))")
}
