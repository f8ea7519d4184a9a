import Foundation
import JazzProto
@testable import CaroStore

/// A fresh directory under the system temp directory, removed after `body` (also when it throws).
func withTemporaryDirectory<T>(_ body: (URL) throws -> T) throws -> T {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("caro-store-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try body(directory)
}

/// The layouts of the `transactions` table a store may find in a file.
enum TransactionsLayout: String, CaseIterable, Sendable {
    /// `WITHOUT ROWID`, keyed by (ses, idx): a relay's, and a home's made before 2026-12-06 that held a feed.
    case withoutRowID
    /// Rowids and a unique index on (ses, idx): a home's (``HistoryMigrations``, version 6).
    case rowids

    /// Creates an empty store at `path` whose `transactions` table has this layout.
    func makeStore(at path: String) throws {
        try SQLiteCoValueStore(path: path).close()
        guard self == .rowids else { return }
        let database = try SQLiteDatabase(path: path)
        defer { database.close() }
        try database.execute(SQLiteCoValueStore.Schema.transactionsWithRowIDs)
    }

    /// The layout of `database`'s `transactions` table.
    static func of(_ database: SQLiteDatabase) throws -> TransactionsLayout {
        let sql = try database.prepare("SELECT sql FROM sqlite_schema WHERE name = 'transactions'")
        defer { sql.finalize() }
        guard try sql.step(), let text = sql.text(at: 0) else { throw SQLiteError.misuse(path: database.path, message: "no transactions table", sql: nil) }
        return text.contains("WITHOUT ROWID") ? .withoutRowID : .rowids
    }
}

/// Deterministic test identities and real signed CoValues.
enum StoreFixtures {
    /// An agent from a fixed seed.
    static func agent(_ seedByte: UInt8 = 7) throws -> AgentSecret {
        try AgentSecret(secretSeed: [UInt8](repeating: seedByte, count: 32))
    }

    /// A group header administered by `agent`.
    static func groupHeader(admin agent: AgentSecret, uniqueness: String = "zGroupUniqueness") -> CoValueHeader {
        CoValueHeader.group(admin: .agent(agent.agentID), createdAt: "2025-06-01T12:00:00.000Z", uniqueness: uniqueness)
    }

    /// A CoMap header owned by `group`.
    static func mapHeader(owner group: CoID, uniqueness: String = "zMapUniqueness", meta: JSONValue = .null) -> CoValueHeader {
        CoValueHeader.owned(type: "comap", by: group, meta: meta, createdAt: "2025-06-01T12:00:01.000Z", uniqueness: uniqueness)
    }

    /// A trusting `set` transaction with JSON-encoded changes.
    static func trusting(key: String, value: String, madeAt: UInt64, meta: String? = nil) -> Transaction {
        let changes: JSONValue = [["op": "set", "key": .string(key), "value": .string(value)]]
        return .trusting(madeAt: madeAt, changes: changes.jsonStringify(), meta: meta)
    }

    /// A private transaction with random-looking (but deterministic) ciphertexts.
    static func privateTransaction(index: Int, madeAt: UInt64, withMeta: Bool) throws -> Transaction {
        let key = try KeyID(bytes: [UInt8](repeating: 3, count: 12))
        let changes = Encrypted(bytes: (0..<(40 + index % 17)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) })
        let meta = withMeta ? Encrypted(bytes: (0..<12).map { UInt8(truncatingIfNeeded: $0 &+ index) }).description : nil
        return .private(madeAt: madeAt, keyUsed: key.description, encryptedChanges: changes.description, meta: meta)
    }

    /// Appends `transactions` to `session` of `core`, each signed locally.
    static func sign(_ transactions: [Transaction], session: SessionID, agent: AgentSecret, into core: inout CoValueCore) throws {
        for transaction in transactions {
            try core.appendLocal(transaction, session: session, signer: agent.signerSecret)
        }
    }

    /// Signs batch `batch` of twelve trusting transactions of 8 000 bytes of UTF-8 each (`"<key>0"` … `"<key>11"`,
    /// made at `batch * 100 + i`): at the 100 KiB signature interval, a checkpoint every 13 transactions.
    static func signLargeBatch(_ batch: Int, key: String = "k", session: SessionID, agent: AgentSecret, into core: inout CoValueCore) throws {
        let large = String(repeating: "ß", count: 4_000)
        try sign((0..<12).map { trusting(key: "\(key)\($0)", value: large, madeAt: UInt64(batch * 100 + $0)) },
                 session: session, agent: agent, into: &core)
    }

    /// Stores everything `core` gained since `before` (the empty state by default).
    static func persist(_ core: CoValueCore, since before: KnownState? = nil, in store: SQLiteCoValueStore) throws {
        try store.append(core.id, header: core.header, sessions: core.storageAppends(since: before ?? KnownState(id: core.id)))
    }
}

/// Rows per table, to check that nothing partial was written.
func rowCounts(_ store: SQLiteCoValueStore) throws -> [String: Int] {
    try store.withDatabase { database in
        var counts: [String: Int] = [:]
        for table in ["coValues", "sessions", "transactions", "signatureAfter", "unsynced"] {
            let statement = try database.prepare("SELECT count(*) FROM \(table)")
            _ = try statement.step()
            counts[table] = statement.int(at: 0)
        }
        return counts
    }
}
