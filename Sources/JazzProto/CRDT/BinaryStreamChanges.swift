/// Builds the items cojson 0.20.19's `RawBinaryCoStream` writes, one transaction each (jazz-sync §6.8).
public enum BinaryStreamChanges {
    /// jazz-tools `FileStream` chunk size: `MAX_RECOMMENDED_TX_SIZE` = 102400 bytes.
    public static let defaultChunkSize = 102_400

    /// `startBinaryStream`: `{"type":"start","mimeType":M,"fileName":F,"totalSizeBytes":N}`, absent optional
    /// fields omitted. This is the order of the golden vectors (and of core §5.3); jazz-tools
    /// `FileStream.createFromArrayBuffer` happens to pass `{mimeType, totalSizeBytes, fileName}`. Readers
    /// do not care about the order.
    public static func start(mimeType: String, fileName: String? = nil, totalSizeBytes: Int? = nil) -> [JSONValue] {
        var members: [(String, JSONValue)] = [("type", "start"), ("mimeType", .string(mimeType))]
        if let fileName { members.append(("fileName", .string(fileName))) }
        if let totalSizeBytes { members.append(("totalSizeBytes", .number(Double(totalSizeBytes)))) }
        return [.object(JSONObject(members))]
    }

    /// `pushBinaryStreamChunk`: `{"type":"chunk","chunk":"binary_U<padded base64url>"}`.
    public static func chunk(_ bytes: [UInt8]) -> [JSONValue] {
        [.object(JSONObject([("type", "chunk"), ("chunk", .string(BinaryChunk(bytes: bytes).description))]))]
    }

    /// `endBinaryStream`: `{"type":"end"}`.
    public static func end() -> [JSONValue] {
        [.object(JSONObject([("type", "end")]))]
    }

    /// Cuts `data` into pieces of `chunkSize` bytes (the last one shorter); empty data gives no pieces.
    /// A non-positive `chunkSize` is treated as 1.
    public static func chunks(of data: [UInt8], chunkSize: Int = defaultChunkSize) -> [[UInt8]] {
        let size = max(1, chunkSize)
        return stride(from: 0, to: data.count, by: size).map { Array(data[$0..<min($0 + size, data.count)]) }
    }

    /// The whole file as change arrays: start, one chunk per piece, end (jazz-tools
    /// `FileStream.createFromArrayBuffer`, with `totalSizeBytes` = the data length).
    public static func file(_ data: [UInt8], mimeType: String, fileName: String? = nil, chunkSize: Int = defaultChunkSize) -> [[JSONValue]] {
        [start(mimeType: mimeType, fileName: fileName, totalSizeBytes: data.count)]
            + chunks(of: data, chunkSize: chunkSize).map(chunk) + [end()]
    }
}
