/// The ID of one CoList operation: change `changeIdx` of transaction `txIndex` of session `sessionID`
/// (jazz-sync §6.5). Elements are named by the op ID of their insertion.
///
/// JSON form (JS key order): `{"sessionID":S,"txIndex":i,"changeIdx":c}`, or
/// `{"sessionID":S,"txIndex":i,"branch":B,"changeIdx":c}` for ops from a branch.
public struct CoListOpID: Sendable, Hashable, CustomStringConvertible {
    public let sessionID: SessionID
    public let txIndex: Int
    public let changeIdx: Int
    /// The branch CoValue ID for ops of transactions that came from a branch; `nil` otherwise.
    public let branch: String?

    public init(sessionID: SessionID, txIndex: Int, changeIdx: Int, branch: String? = nil) {
        self.sessionID = sessionID
        self.txIndex = txIndex
        self.changeIdx = changeIdx
        self.branch = branch
    }

    /// Change `changeIdx` of the transaction `txID`.
    public init(txID: TransactionID, changeIdx: Int, branch: String? = nil) {
        self.init(sessionID: txID.sessionID, txIndex: txID.txIndex, changeIdx: changeIdx, branch: branch)
    }

    /// Parses the JSON form. `nil` when it is not an object with a valid session ID string and
    /// non-negative integer `txIndex` / `changeIdx`. A `branch` that is absent, `null` or `""` means no
    /// branch (as in JS, where it is tested for truthiness); a non-string branch is rejected.
    public init?(json: JSONValue) {
        guard case .object(let object) = json, let sessionString = object["sessionID"]?.stringValue,
            let txIndex = JSONInteger.nonNegative(object["txIndex"]),
            let changeIdx = JSONInteger.nonNegative(object["changeIdx"]),
            let sessionID = try? SessionID(sessionString)
        else { return nil }
        guard let branch = Self.branch(object["branch"]) else { return nil }
        self.init(sessionID: sessionID, txIndex: txIndex, changeIdx: changeIdx, branch: branch.isEmpty ? nil : branch)
    }

    /// The transaction that holds the op.
    public var txID: TransactionID { TransactionID(sessionID: sessionID, txIndex: txIndex) }

    /// The JSON form, keys in the order JS writes them.
    public var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("sessionID", .string(sessionID.description)), ("txIndex", .number(Double(txIndex))),
        ]
        if let branch { members.append(("branch", .string(branch))) }
        members.append(("changeIdx", .number(Double(changeIdx))))
        return .object(JSONObject(members))
    }

    public var description: String {
        "\(sessionID)#\(txIndex).\(changeIdx)" + (branch.map { "@\($0)" } ?? "")
    }

    /// `""` for "no branch", the name for a string, `nil` for an unusable value.
    static func branch(_ value: JSONValue?) -> String? {
        switch value {
        case .none, .some(.null): return ""
        case .some(.string(let string)): return string
        default: return nil
        }
    }
}
