/// The view of a BinaryCoStream / FileStream (jazz-sync §6.8): a costream whose header meta is
/// `{"type":"binary"}` and whose items are `{"type":"start","mimeType":…,"fileName"?:…,"totalSizeBytes"?:…}`,
/// `{"type":"chunk","chunk":"binary_U<base64url>"}` and `{"type":"end"}`.
///
/// Binary streams are not sorted by time: items are processed session by session (sessions in the order
/// of their earliest transaction under ``DecodedTransaction/precedes(_:_:)``; with the usual single writer
/// session this is simply index order), each session in `txIndex` order. A `start` is remembered (the
/// last one wins), a `chunk` is decoded and appended (padded or unpadded base64url), an `end` finishes
/// the stream and everything after it is ignored. Items of an unknown type are ignored (as in cojson);
/// undecodable chunks and non-object items are skipped and reported in ``skippedChanges``.
///
/// Note: cojson 0.20.19 stops only at the start of its *next* processing batch after an `end`, so a
/// node that loads everything in one batch would also apply items written after `end` (which no cojson
/// writer produces). This view always ignores them, the live-node behaviour the spec describes.
public struct BinaryStreamState: Sendable, Equatable {
    /// The `start` item in effect (the last one before `end`), if any.
    public let start: JSONObject?
    /// The decoded chunks, in processing order.
    public let chunks: [[UInt8]]
    /// Whether an `end` item was seen.
    public let isFinished: Bool
    /// Items that could not be used (skipped).
    public let skippedChanges: [CRDTError]
    private let transactions: [DecodedTransaction]

    /// An empty stream.
    public init() { self.init(sortedTransactions: []) }

    /// Builds the view from transactions in any order (invisible ones are ignored).
    public init(transactions: some Sequence<DecodedTransaction>) {
        self.init(sortedTransactions: TransactionSorting.sorted(Array(transactions).filter(\.isVisible)))
    }

    private init(sortedTransactions: [DecodedTransaction]) {
        transactions = sortedTransactions
        // Processing order: sessions by their earliest transaction, each in txIndex order.
        var sessionOrder: [SessionID: Int] = [:]
        for transaction in sortedTransactions where sessionOrder[transaction.txID.sessionID] == nil {
            sessionOrder[transaction.txID.sessionID] = sessionOrder.count
        }
        let ordered = sortedTransactions.enumerated().sorted { lhs, rhs in
            let left = (sessionOrder[lhs.element.txID.sessionID] ?? 0, lhs.element.txID.txIndex, lhs.offset)
            let right = (sessionOrder[rhs.element.txID.sessionID] ?? 0, rhs.element.txID.txIndex, rhs.offset)
            return left < right
        }.map(\.element)

        var start: JSONObject?
        var chunks: [[UInt8]] = []
        var finished = false
        var skipped: [CRDTError] = []
        processing: for transaction in ordered {
            for (changeIdx, change) in transaction.changes.enumerated() {
                guard case .object(let item) = change else {
                    skipped.append(.malformedChange(txID: transaction.txID, changeIndex: changeIdx, reason: "a binary stream item must be an object"))
                    continue
                }
                switch item["type"] {
                case .string("start"):
                    start = item
                case .string("chunk"):
                    guard case .string(let text)? = item["chunk"] else {
                        skipped.append(.malformedBinaryChunk(txID: transaction.txID, changeIndex: changeIdx, reason: "\"chunk\" is missing or not a string"))
                        continue
                    }
                    do {
                        chunks.append(try BinaryChunk(text).bytes)
                    } catch {
                        skipped.append(.malformedBinaryChunk(txID: transaction.txID, changeIndex: changeIdx, reason: error.description))
                    }
                case .string("end"):
                    finished = true
                    break processing
                default:
                    continue
                }
            }
        }
        self.start = start
        self.chunks = chunks
        self.isFinished = finished
        self.skippedChanges = skipped
    }

    /// The MIME type from the start item.
    public var mimeType: String? { start?["mimeType"]?.stringValue }

    /// The file name from the start item, if given.
    public var fileName: String? { start?["fileName"]?.stringValue }

    /// The announced size from the start item, if given (informational; not checked against the data).
    public var totalSizeBytes: Int? { JSONInteger.nonNegative(start?["totalSizeBytes"]) }

    /// All chunks concatenated.
    public var bytes: [UInt8] { chunks.flatMap { $0 } }

    /// cojson `getBinaryChunks(allowUnfinished)`: `nil` without a start item, or while unfinished unless
    /// `allowUnfinished`; otherwise the chunks.
    public func binaryChunks(allowUnfinished: Bool = false) -> [[UInt8]]? {
        guard start != nil, isFinished || allowUnfinished else { return nil }
        return chunks
    }

    /// The rendering the golden vectors use (`sync-transcript.json` `expectedViews.bin`):
    /// `{mimeType, fileName, totalSizeBytes, finished, chunksBase64url, bytesHex}`, the first three taken
    /// verbatim from the start item (omitted when absent there), chunks as padded base64url; `null` without
    /// a start item. Unfinished streams are rendered too (`finished: false`). This is *not* cojson's
    /// `toJSON()`, which is always `{}` (see ``rawJSON``).
    public var json: JSONValue {
        guard let start else { return .null }
        var members: [(String, JSONValue)] = []
        for field in ["mimeType", "fileName", "totalSizeBytes"] {
            if let value = start[field] { members.append((field, value)) }
        }
        members.append(("finished", .bool(isFinished)))
        members.append(("chunksBase64url", .array(chunks.map { .string(Base64URL.encode($0)) })))
        members.append(("bytesHex", .string(Self.hex(bytes))))
        return .object(JSONObject(members))
    }

    /// cojson's `RawBinaryCoStream.toJSON()`: always the empty object.
    public var rawJSON: JSONValue { .object(JSONObject()) }

    /// The stream at a frontier: only transactions with `txIndex < frontier[session]`.
    public func atFrontier(_ frontier: [SessionID: Int]) -> BinaryStreamState {
        BinaryStreamState(sortedTransactions: transactions.filter { $0.txID.txIndex < (frontier[$0.txID.sessionID] ?? 0) })
    }

    private static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
