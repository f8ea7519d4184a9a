/// A message that could not be understood.
public enum SyncMessageError: Error, CustomStringConvertible, Equatable, Sendable {
    case notJSON(String)
    case notAnObject
    case missingAction
    case invalidField(action: String, field: String, reason: String)

    public var description: String {
        switch self {
        case .notJSON(let detail): return "Sync message is not valid JSON: \(detail)"
        case .notAnObject: return "Sync message must be a JSON object."
        case .missingAction: return "Sync message has no \"action\"."
        case .invalidField(let action, let field, let reason): return "\(action) message: field \"\(field)\" \(reason)"
        }
    }
}

/// The messages of the Jazz sync protocol (cojson 0.20.19, jazz-protocol-sync.md §1).
public enum SyncMessage: Sendable, Hashable {
    /// "Subscribe me; this is what I have."
    case load(KnownState)
    /// An ack, an answer to `load`, "not found", or (with `isCorrection`) "resend from here".
    case known(KnownState, isCorrection: Bool)
    /// New content (header and/or transactions).
    case content(ContentPiece)
    /// Legacy; ignored.
    case done(CoID)
    /// Full-storage reconciliation request: batch ID and `[CoID, sessions short hash]` pairs.
    case reconcile(batchID: String, values: [(CoID, String)])
    /// Reconciliation batch answered.
    case reconcileAck(batchID: String)

    // MARK: Decoding

    /// Parses one message. Unknown extra fields are ignored.
    public init(json: JSONValue) throws(SyncMessageError) {
        guard case .object(let object) = json else { throw .notAnObject }
        guard let action = object["action"]?.stringValue else { throw .missingAction }
        func field<T>(_ name: String, _ reason: String, _ extract: (JSONValue) -> T?) throws(SyncMessageError) -> T {
            guard let value = object[name], let result = extract(value) else {
                throw .invalidField(action: action, field: name, reason: reason)
            }
            return result
        }
        switch action {
        case "reconcile":
            let batchID = try field("id", "must be a string") { $0.stringValue }
            let values = try field("values", "must be an array of [id, hash] pairs") { value -> [(CoID, String)]? in
                guard let array = value.arrayValue else { return nil }
                var pairs: [(CoID, String)] = []
                for item in array {
                    guard let id = item[0]?.stringValue.flatMap(CoID.init(wire:)), let hash = item[1]?.stringValue else {
                        return nil
                    }
                    pairs.append((id, hash))
                }
                return pairs
            }
            self = .reconcile(batchID: batchID, values: values)
            return
        case "reconcile-ack":
            self = .reconcileAck(batchID: try field("id", "must be a string") { $0.stringValue })
            return
        default:
            break
        }
        let id = try field("id", "must be a string starting with co_z") { $0.stringValue.flatMap(CoID.init(wire:)) }
        switch action {
        case "load":
            self = .load(try Self.knownState(id: id, object: object, action: action))
        case "known":
            self = .known(try Self.knownState(id: id, object: object, action: action),
                          isCorrection: object["isCorrection"]?.boolValue == true)
        case "content":
            self = .content(try Self.contentPiece(id: id, object: object))
        case "done":
            self = .done(id)
        default:
            throw .invalidField(action: action, field: "action", reason: "is not a known action")
        }
    }

    /// Parses one message from JSON text.
    public init(text: some StringProtocol) throws(SyncMessageError) {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: text)
        } catch {
            throw .notJSON(error.description)
        }
        try self.init(json: value)
    }

    private static func knownState(id: CoID, object: JSONObject, action: String) throws(SyncMessageError) -> KnownState {
        var state = KnownState(id: id, header: object["header"]?.boolValue == true)
        if let sessions = object["sessions"] {
            guard let sessionsObject = sessions.objectValue else {
                throw .invalidField(action: action, field: "sessions", reason: "must be an object")
            }
            for (key, value) in sessionsObject {
                guard let session = try? SessionID(key), let count = value.int64Value, count >= 0 else {
                    throw .invalidField(action: action, field: "sessions", reason: "has an invalid entry \(key)")
                }
                state.sessions[session] = Int(count)
            }
        }
        return state
    }

    private static func contentPiece(id: CoID, object: JSONObject) throws(SyncMessageError) -> ContentPiece {
        var header: CoValueHeader? = nil
        if let headerJSON = object["header"], !headerJSON.isNull {
            do {
                header = try CoValueHeader(json: headerJSON)
            } catch {
                throw .invalidField(action: "content", field: "header", reason: error.description)
            }
        }
        let priority = object["priority"]?.int64Value.map(Int.init) ?? header?.priority ?? 3
        var piece = ContentPiece(id: id, header: header, priority: priority)
        if let new = object["new"] {
            guard let newObject = new.objectValue else {
                throw .invalidField(action: "content", field: "new", reason: "must be an object")
            }
            for (key, value) in newObject {
                guard let session = try? SessionID(key) else {
                    throw .invalidField(action: "content", field: "new", reason: "has an invalid session ID \(key)")
                }
                guard let after = value["after"]?.int64Value, after >= 0,
                    let transactionsJSON = value["newTransactions"]?.arrayValue,
                    let signature = value["lastSignature"]?.stringValue.flatMap({ try? Signature($0) })
                else {
                    throw .invalidField(action: "content", field: "new", reason: "entry for \(key) needs after, newTransactions, lastSignature")
                }
                var transactions: [Transaction] = []
                transactions.reserveCapacity(transactionsJSON.count)
                for item in transactionsJSON {
                    do {
                        transactions.append(try Transaction(json: item))
                    } catch {
                        throw .invalidField(action: "content", field: "newTransactions", reason: error.description)
                    }
                }
                piece.new.append((session, SessionNewContent(after: Int(after), newTransactions: transactions, lastSignature: signature)))
            }
        }
        if let until = object["expectContentUntil"]?.objectValue {
            var target: [SessionID: Int] = [:]
            for (key, value) in until {
                if let session = try? SessionID(key), let count = value.int64Value { target[session] = Int(count) }
            }
            piece.expectContentUntil = target
        }
        return piece
    }

    // MARK: Encoding

    /// The message as JSON, in cojson's member order.
    public var json: JSONValue {
        switch self {
        case .load(let state):
            return Self.knownStateJSON("load", state, isCorrection: false)
        case .known(let state, let isCorrection):
            return Self.knownStateJSON("known", state, isCorrection: isCorrection)
        case .content(let piece):
            var members: [(String, JSONValue)] = [("action", "content"), ("id", .string(piece.id.description))]
            if let header = piece.header { members.append(("header", header.json)) }
            members.append(("priority", .number(Double(piece.priority))))
            var new = JSONObject()
            for (session, content) in piece.new {
                new[session.description] = .object(JSONObject([
                    ("after", .number(Double(content.after))),
                    ("newTransactions", .array(content.newTransactions.map(\.json))),
                    ("lastSignature", .string(content.lastSignature.description)),
                ]))
            }
            members.append(("new", .object(new)))
            if let until = piece.expectContentUntil {
                members.append(("expectContentUntil", .object(Self.sessionsObject(until))))
            }
            return .object(JSONObject(members))
        case .done(let id):
            return ["action": "done", "id": .string(id.description)]
        case .reconcile(let batchID, let values):
            return .object(JSONObject([
                ("action", "reconcile"), ("id", .string(batchID)),
                ("values", .array(values.map { .array([.string($0.0.description), .string($0.1)]) })),
            ]))
        case .reconcileAck(let batchID):
            return .object(JSONObject([("action", "reconcile-ack"), ("id", .string(batchID))]))
        }
    }

    /// Compact JSON text (never contains a raw newline, so frames can join messages with `\n`).
    public var text: String { json.jsonStringify() }

    private static func knownStateJSON(_ action: String, _ state: KnownState, isCorrection: Bool) -> JSONValue {
        var members: [(String, JSONValue)] = [("action", .string(action))]
        if isCorrection { members.append(("isCorrection", true)) }
        members.append(("id", .string(state.id.description)))
        members.append(("header", .bool(state.header)))
        members.append(("sessions", .object(sessionsObject(state.sessions))))
        return .object(JSONObject(members))
    }

    static func sessionsObject(_ sessions: [SessionID: Int]) -> JSONObject {
        JSONObject(sessions.sorted { $0.key < $1.key }.map { ($0.key.description, .number(Double($0.value))) })
    }

    public static func == (lhs: SyncMessage, rhs: SyncMessage) -> Bool { lhs.text == rhs.text }
    public func hash(into hasher: inout Hasher) { hasher.combine(text) }
}
