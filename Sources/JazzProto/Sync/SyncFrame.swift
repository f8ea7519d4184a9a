/// The sync messages of one received WebSocket text frame, parsed the way cojson-transport-ws does.
///
/// cojson splits a frame on `"\n"` and `JSON.parse`s every line: if any line is not JSON the whole
/// frame is dropped (the transport logs it). Every parsed message is then handled on its own: one with
/// an unknown action, a missing or malformed ID or a bad field is refused alone (cojson logs it), and
/// the other messages of the frame are handled as usual. Lines without an `action` (pings) are skipped
/// silently. Relay and client both parse frames with this.
public struct SyncFrame: Sendable {
    /// The valid messages, in frame order.
    public var messages: [SyncMessage] = []
    /// Why lines (or the whole frame) were refused, one sentence each: the first
    /// ``maximumProblems``, then one line counting the rest (a hostile frame cannot flood the log).
    public var problems: [String] = []

    /// Refused lines reported one by one per frame.
    public static let maximumProblems = 5

    /// Parses `frame`. A line longer than `maximumMessageBytes` (UTF-8) is refused alone, before it is parsed.
    public init(parsing frame: String, maximumMessageBytes: Int = .max) {
        var refused = 0
        defer {
            if refused > Self.maximumProblems {
                problems.append("\(refused - Self.maximumProblems) more lines of this frame refused")
            }
        }
        for (index, line) in JazzFraming.split(frame).enumerated() {
            let length = line.utf8.count
            if length > maximumMessageBytes {
                refused += 1
                if refused <= Self.maximumProblems {
                    problems.append("line \(index + 1) refused: a message of \(length) bytes is over the limit of \(maximumMessageBytes)")
                }
                continue
            }
            let value: JSONValue
            do {
                value = try JSONValue(parsing: line)
            } catch {
                messages = []
                problems = ["frame dropped: line \(index + 1) is not JSON (\(error.description))"]
                return
            }
            do {
                messages.append(try SyncMessage(json: value))
            } catch .missingAction {
                continue
            } catch {
                refused += 1
                if refused <= Self.maximumProblems { problems.append("line \(index + 1) refused: \(error)") }
            }
        }
    }
}

extension CoID {
    /// An ID as cojson accepts it on the wire: any string that starts with `co_z` (cojson `isRawCoID`).
    /// One that does not decode to 19 bytes has empty ``bytes``: it can be asked for (and is then not
    /// found) but never stored, since no header hashes to it.
    init?(wire string: String) {
        if let id = try? CoID(string) {
            self = id
        } else if string.hasPrefix(Self.prefix) {
            self.init(uncheckedString: string, bytes: [])
        } else {
            return nil
        }
    }

    /// False for an ID accepted from the wire that does not decode to 19 bytes (see ``init(wire:)``).
    public var isDecodable: Bool { bytes.count == Self.byteCount }
}
