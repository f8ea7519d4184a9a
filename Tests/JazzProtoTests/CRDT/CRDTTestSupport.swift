import Foundation
import Testing

@testable import JazzProto

/// A failure while reading a vector file in the CRDT tests.
struct CRDTVectorError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

enum CRDTVectors {
    /// A golden vector file parsed with JavaScript JSON semantics.
    static func load(_ name: String) throws -> JSONValue {
        try JSONValue(parsing: [UInt8](Fixtures.data("jazz/\(name)")))
    }
}

extension JSONValue {
    /// A required member (throws with the path when missing).
    func at(_ key: String) throws -> JSONValue {
        guard let value = self[key] else { throw CRDTVectorError("missing member \"\(key)\"") }
        return value
    }

    /// A required string member.
    func string(_ key: String) throws -> String {
        guard let value = self[key]?.stringValue else { throw CRDTVectorError("member \"\(key)\" is not a string") }
        return value
    }

    /// A required array member.
    func array(_ key: String) throws -> [JSONValue] {
        guard let value = self[key]?.arrayValue else { throw CRDTVectorError("member \"\(key)\" is not an array") }
        return value
    }

    /// A required object member.
    func object(_ key: String) throws -> JSONObject {
        guard let value = self[key]?.objectValue else { throw CRDTVectorError("member \"\(key)\" is not an object") }
        return value
    }

    /// A required non-negative integer member.
    func uint(_ key: String) throws -> UInt64 {
        guard let value = self[key]?.doubleValue, value >= 0, value == value.rounded() else {
            throw CRDTVectorError("member \"\(key)\" is not a non-negative integer")
        }
        return UInt64(value)
    }
}

/// Deterministic session IDs for hand-made tests.
enum TestSessions {
    static let accountA = "co_zeX8ceqvVTAu9PVfrDfdEWroHac"
    static let accountB = "co_zMipaBRXZLkmR67SymPQterfLJq"

    static func session(_ account: String, _ random: String) throws -> SessionID {
        try SessionID("\(account)_session_z\(random)")
    }

    static func a() throws -> SessionID { try session(accountA, "AwrScnRGnRz") }
    static func b() throws -> SessionID { try session(accountA, "FVwpmGY6C6n") }
    static func c() throws -> SessionID { try session(accountB, "VdfvhYuFS1U") }
}

/// One writer's local node in a test: its own session log and what it has received.
struct TestReplica {
    let session: SessionID
    var nextTxIndex = 0
    var known: [DecodedTransaction] = []

    init(_ session: SessionID) { self.session = session }

    /// Writes a transaction and keeps it.
    @discardableResult
    mutating func commit(_ changes: [JSONValue], madeAt: UInt64, isVisible: Bool = true) -> DecodedTransaction {
        let transaction = DecodedTransaction(
            txID: TransactionID(sessionID: session, txIndex: nextTxIndex), madeAt: madeAt, changes: changes, isVisible: isVisible)
        nextTxIndex += 1
        known.append(transaction)
        return transaction
    }

    /// The next transaction ID this replica will write.
    var nextTxID: TransactionID { TransactionID(sessionID: session, txIndex: nextTxIndex) }

    /// Receives transactions from elsewhere.
    mutating func receive(_ transactions: [DecodedTransaction]) {
        let ids = Set(known.map(\.txID))
        known.append(contentsOf: transactions.filter { !ids.contains($0.txID) })
    }

    var list: CoListState { CoListState(transactions: known) }
    var map: CoMapState { CoMapState(transactions: known) }
    var text: CoPlainTextState { CoPlainTextState(transactions: known) }
}


/// Shorthand for a transaction in hand-made tests.
func tx(_ session: SessionID, _ index: Int, _ madeAt: UInt64, _ changes: [JSONValue], visible: Bool = true) -> DecodedTransaction {
    DecodedTransaction(txID: TransactionID(sessionID: session, txIndex: index), madeAt: madeAt, changes: changes, isVisible: visible)
}

/// One transaction as found in a recorded `content` message.
struct RecordedTransaction {
    let coID: String
    let txID: TransactionID
    let wire: JSONValue

    var madeAt: UInt64 { get throws { try wire.uint("madeAt") } }
    var isTrusting: Bool { wire["privacy"]?.stringValue == "trusting" }

    /// The exact JSON text of the changes: verbatim for trusting, decrypted for private (needs the key).
    func changesText(keys: [String: KeySecret]) throws -> String {
        if isTrusting { return try wire.string("changes") }
        let keyID = try wire.string("keyUsed")
        guard let key = keys[keyID] else { throw CRDTVectorError("no key secret for \(keyID)") }
        let encrypted = try Encrypted(try wire.string("encryptedChanges"), requirePadding: true)
        let plaintext = key.decrypt(encrypted, nonceMaterial: .transaction(coID: try CoID(coID), sessionID: txID.sessionID, txIndex: txID.txIndex))
        guard let text = String(validating: plaintext, as: UTF8.self) else { throw CRDTVectorError("decrypted changes of \(txID) are not UTF-8") }
        return text
    }

    /// The transaction as the CRDT layer gets it.
    func decoded(keys: [String: KeySecret] = [:]) throws -> DecodedTransaction {
        guard let changes = try JSONValue(parsing: try changesText(keys: keys)).arrayValue else {
            throw CRDTVectorError("changes of \(txID) are not an array")
        }
        return DecodedTransaction(txID: txID, madeAt: try madeAt, changes: changes)
    }
}

enum RecordedContent {
    /// Every transaction of `coID` in these content messages (each message object has `id` and `new`).
    static func transactions(of coID: String, in messages: [JSONValue]) throws -> [RecordedTransaction] {
        var result: [RecordedTransaction] = []
        for message in messages where message["action"] == "content" && message["id"]?.stringValue == coID {
            for (session, entry) in try message.object("new") {
                let sessionID = try SessionID(session)
                let after = Int(try entry.uint("after"))
                for (offset, wire) in try entry.array("newTransactions").enumerated() {
                    result.append(RecordedTransaction(coID: coID, txID: TransactionID(sessionID: sessionID, txIndex: after + offset), wire: wire))
                }
            }
        }
        return result
    }
}
