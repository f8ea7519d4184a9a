import Foundation
import JazzProto
import Testing
@testable import CaroStore

@Suite("SQLiteCoValueStore")
struct SQLiteCoValueStoreTests {
    /// Checks that a core rebuilt from `store` is the same as `original`: known state, session order,
    /// signatures, checkpoints, hash chains (re-hashed from the stored JSON, so the signatures verify)
    /// and outgoing content.
    func expectRestores(_ original: CoValueCore, from store: SQLiteCoValueStore, signer: SignerID) throws {
        let stored = try #require(try store.load(original.id))
        #expect(stored.id == original.id)
        #expect(stored.header == original.header)
        #expect(stored.sessions.map(\.sessionID) == original.sessionOrder)
        let restored = CoValueCore(stored: stored)
        #expect(restored.knownState == original.knownState)
        #expect(restored.sessionOrder == original.sessionOrder)
        for session in original.sessionOrder {
            let before = try #require(original.sessions[session])
            let after = try #require(restored.sessions[session])
            #expect(after.transactions == before.transactions)
            #expect(after.lastSignature == before.lastSignature)
            #expect(after.lastHash == before.lastHash)
            #expect(after.signatureAfter == before.signatureAfter)
            #expect(after.bytesSinceLastSignature == before.bytesSinceLastSignature)
            let hash = try #require(after.lastHash)
            let signature = try #require(after.lastSignature)
            #expect(signer.isValidSignature(signature, for: hash.signingMessage))
        }
        #expect(restored.newContentSince(nil) == original.newContentSince(nil))
        #expect(try store.knownState(of: original.id) == original.knownState)
    }

    @Test("round trip of a CoValue with several sessions, private and trusting transactions, meta and unicode",
          arguments: TransactionsLayout.allCases)
    func roundTripSeveralSessions(layout: TransactionsLayout) throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("store.sqlite").path
            try layout.makeStore(at: path)
            let store = try SQLiteCoValueStore(path: path)
            let agent = try StoreFixtures.agent()
            let group = StoreFixtures.groupHeader(admin: agent)
            var core = CoValueCore(header: StoreFixtures.mapHeader(owner: group.id, meta: ["name": "Ünïcödé ✓"]))
            let sessions = (0..<3).map { _ in SessionID.random(for: .agent(agent.agentID)) }
            let unicode = ["héllo", "🌍🚀 emoji", "東京", "e\u{301} combining", "quote \" backslash \\ tab \t", "nul \u{0} char",
                           "line\u{2028}separator", "\u{1F}control"]
            try StoreFixtures.sign(
                unicode.enumerated().map { StoreFixtures.trusting(key: "k\($0.offset)", value: $0.element, madeAt: 1_750_000_000_000 + UInt64($0.offset)) },
                session: sessions[0], agent: agent, into: &core)
            try StoreFixtures.sign(
                (0..<5).map { try StoreFixtures.privateTransaction(index: $0, madeAt: 1_750_000_001_000 + UInt64($0), withMeta: $0 % 2 == 0) },
                session: sessions[1], agent: agent, into: &core)
            try StoreFixtures.sign(
                [StoreFixtures.trusting(key: "m", value: "with meta", madeAt: 1_750_000_002_000, meta: "{\"note\":\"ünï ✓\"}"),
                 .trusting(madeAt: 1_750_000_002_001, changes: "[]", meta: nil)],
                session: sessions[2], agent: agent, into: &core)
            try StoreFixtures.persist(core, in: store)

            try expectRestores(core, from: store, signer: agent.agentID.signerID)
            let stored = try #require(try store.load(core.id))
            #expect(stored.sessions[1].transactions.allSatisfy { $0.isPrivate })
            #expect(stored.sessions[1].transactions.map { $0.meta != nil } == [true, false, true, false, true])
            #expect(stored.sessions[2].transactions[0].meta == "{\"note\":\"ünï ✓\"}")
            #expect(try store.storedIDs() == [core.id])
            #expect(try rowCounts(store)["transactions"] == unicode.count + 5 + 2)
        }
    }

    @Test("incremental appends across calls keep order and counts")
    func incrementalAppends() throws {
        let store = try SQLiteCoValueStore.inMemory()
        let agent = try StoreFixtures.agent()
        let header = StoreFixtures.groupHeader(admin: agent)
        var core = CoValueCore(header: header)
        let first = SessionID.random(for: .agent(agent.agentID))
        let second = SessionID.random(for: .agent(agent.agentID))
        var before = KnownState(id: core.id)
        for round in 0..<4 {
            try StoreFixtures.sign(
                [StoreFixtures.trusting(key: "a", value: "\(round)", madeAt: 1_000 + UInt64(round))], session: first, agent: agent, into: &core)
            if round >= 2 {
                try StoreFixtures.sign(
                    [StoreFixtures.trusting(key: "b", value: "\(round)", madeAt: 2_000 + UInt64(round))], session: second, agent: agent,
                    into: &core)
            }
            // The header is only needed the first time; later appends may omit it.
            try store.append(core.id, header: round == 0 ? header : nil, sessions: core.storageAppends(since: before))
            before = core.knownState
            #expect(try store.knownState(of: core.id) == core.knownState)
        }
        try expectRestores(core, from: store, signer: agent.agentID.signerID)
    }

    @Test("checkpoints (signatures after 100 KiB) are stored and restored, also when they arrive across appends")
    func checkpointsRoundTrip() throws {
        let store = try SQLiteCoValueStore.inMemory()
        let agent = try StoreFixtures.agent()
        var core = CoValueCore(header: StoreFixtures.mapHeader(owner: StoreFixtures.groupHeader(admin: agent).id))
        let session = SessionID.random(for: .agent(agent.agentID))
        var before = KnownState(id: core.id)
        for batch in 0..<4 {
            try StoreFixtures.signLargeBatch(batch, session: session, agent: agent, into: &core)
            try StoreFixtures.persist(core, since: before, in: store)
            before = core.knownState
        }
        let log = try #require(core.sessions[session])
        #expect(log.signatureAfter.count >= 3)  // the test exercises several checkpoints
        let stored = try #require(try store.load(core.id))
        #expect(stored.sessions[0].checkpoints == log.signatureAfter)
        #expect(stored.sessions[0].bytesSinceLastSignature == log.bytesSinceLastSignature)
        #expect(try rowCounts(store)["signatureAfter"] == log.signatureAfter.count)
        #expect(core.newContentSince(nil).count > 1)  // split into pieces at the checkpoints
        try expectRestores(core, from: store, signer: agent.agentID.signerID)
    }

    @Test("a session stored in pieces cut at its checkpoints, inside the caller's transaction, restores as when stored whole")
    func piecesCutAtCheckpoints() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("home.db").path
            let store = try SQLiteCoValueStore(path: path)
            let agent = try StoreFixtures.agent()
            var core = CoValueCore(header: StoreFixtures.mapHeader(owner: StoreFixtures.groupHeader(admin: agent).id))
            let session = SessionID.random(for: .agent(agent.agentID))
            for batch in 0..<4 { try StoreFixtures.signLargeBatch(batch, session: session, agent: agent, into: &core) }
            let log = try #require(core.sessions[session])
            #expect(log.signatureAfter.count >= 3)

            // Fewer than the gap between two checkpoints: nothing can be cut.
            #expect(core.storageAppends(since: KnownState(id: core.id), atMost: 5).isEmpty)
            // All of it fits: the whole rest, as storageAppends(since:) gives it.
            #expect(core.storageAppends(since: KnownState(id: core.id), atMost: 48) == core.storageAppends(since: KnownState(id: core.id)))

            // The first piece alone, committed, is a session of its own: its stored signature signs its hash.
            let first = try SQLiteCoValueStore.inMemory()
            try first.withDatabase { database in
                try database.transaction(.immediate) { () throws in
                    let appends = core.storageAppends(since: KnownState(id: core.id), atMost: 20)
                    #expect(try SQLiteCoValueStore.append(core.id, header: core.header, sessions: appends, inTransactionOf: database))
                }
            }
            let storedFirst = try #require(try first.load(core.id))
            let prefix = try #require(CoValueCore(stored: storedFirst).sessions[session])
            #expect(prefix.count < log.count)
            let signature = try #require(prefix.lastSignature)
            let hash = try #require(prefix.lastHash)
            #expect(agent.agentID.signerID.isValidSignature(signature, for: hash.signingMessage))

            let connection = try SQLiteDatabase(path: path)
            var known = KnownState(id: core.id)
            var pieces = 0
            try connection.transaction(.immediate) { () throws in
                while case let appends = core.storageAppends(since: known, atMost: 20), !appends.isEmpty {
                    for append in appends {
                        let last = append.after + append.transactions.count - 1
                        if last == log.count - 1 {
                            // The whole rest, as the session is now.
                            #expect(append.lastSignature == log.lastSignature)
                            #expect(append.bytesSinceLastSignature == log.bytesSinceLastSignature)
                        } else {
                            #expect(append.lastSignature == log.signatureAfter[last], "a piece ends on a checkpoint")
                            #expect(append.bytesSinceLastSignature == 0)
                        }
                        #expect(append.transactions.count <= 20)
                        #expect(append.newCheckpoints.keys.allSatisfy { $0 <= last })
                        known.sessions[append.sessionID] = last + 1
                    }
                    #expect(try SQLiteCoValueStore.append(core.id, header: known.header ? nil : core.header, sessions: appends,
                                                          inTransactionOf: connection))
                    known.header = true
                    pieces += 1
                }
                #expect(try SQLiteCoValueStore.knownState(of: core.id, in: connection) == known)
            }
            #expect(pieces >= 3)
            #expect(known == core.knownState)
            // More arrives; the store takes it from what the file holds, as persistAll does after a restore.
            try StoreFixtures.signLargeBatch(9, key: "late", session: session, agent: agent, into: &core)
            try StoreFixtures.persist(core, since: try store.knownState(of: core.id), in: store)
            try expectRestores(core, from: store, signer: agent.agentID.signerID)
        }
    }

    @Test("a node stored into the caller's transaction commits or rolls back with it; delete sessions are left to the store")
    func nodeStoredInTheCallersTransaction() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("home.db").path
            let store = try SQLiteCoValueStore(path: path)
            let node = try LocalNode.createAccount(agentSecret: AgentSecret.random())
            let group = try node.createGroup()
            let map = try node.createValue(type: "comap", owner: group)
            let doomed = try node.createValue(type: "comap", owner: group)
            for index in 0..<3 {
                try node.makeTransaction(in: map, changes: CoMapChanges.set("k\(index)", .string("v\(index)")), privacy: .private)
            }
            try node.makeTransaction(in: doomed, changes: CoMapChanges.set("gone", .string("soon")), privacy: .trusting)
            let ids = node.coValueIDs
            #expect(ids.count >= 4)

            struct Rollback: Error {}
            let connection = try SQLiteDatabase(path: path)
            #expect(throws: Rollback.self) {
                try connection.transaction(.immediate) { () throws in
                    let inside = SQLiteCoValueStore.storage(inTransactionOf: connection)
                    #expect(node.persistAll(to: inside).isEmpty)
                    // Read back inside the transaction: everything, as the node holds it.
                    #expect(Set(try inside.storedIDs()) == Set(ids))
                    for id in ids { #expect(try inside.knownState(of: id) == node.knownState(of: id)) }
                    let stored = try #require(try inside.load(map))
                    #expect(CoValueCore(stored: stored).knownState == node.knownState(of: map))
                    throw Rollback()
                }
            }
            #expect(try store.storedIDs().isEmpty, "rolled back with the caller's transaction")

            // Committed, every CoValue but the deleted one restores as the node holds it.
            try node.deleteCoValue(doomed)
            try connection.transaction(.immediate) { () throws in
                #expect(node.persistAll(to: SQLiteCoValueStore.storage(inTransactionOf: connection)).isEmpty)
            }
            for id in ids where id != doomed {
                let stored = try #require(try store.load(id))
                #expect(CoValueCore(stored: stored).knownState == node.knownState(of: id))
            }
            // The deleted map's append was left out whole (its erasure is the store's); the store's own persist
            // stores it, erasing what the deletion covers: only the delete session's transaction remains.
            let deleteSession = try #require(node.knownState(of: doomed).sessions.keys.first { $0.isDeleteSession })
            #expect(try store.knownState(of: doomed) == nil)
            let before = try rowCounts(store)
            #expect(node.persistAll(to: store).isEmpty)
            #expect(try store.knownState(of: doomed)?.sessions == [deleteSession: 1])
            #expect(try rowCounts(store)["transactions"] == (before["transactions"] ?? 0) + 1)
            for id in ids where id != doomed { #expect(try store.knownState(of: id) == node.knownState(of: id)) }
        }
    }

    @Test("a relay's store keeps transactions WITHOUT ROWID; a new home's has rowids; a home holding a feed keeps its table")
    func transactionsLayouts() throws {
        try withTemporaryDirectory { directory in
            let relay = try SQLiteCoValueStore(path: directory.appendingPathComponent("relay.db").path)
            #expect(try relay.withDatabase { try TransactionsLayout.of($0) } == .withoutRowID)

            let home = try SQLiteDatabase(path: directory.appendingPathComponent("home.db").path)
            _ = try HistoryStore(database: home)
            #expect(try TransactionsLayout.of(home) == .rowids)
            let unique = try home.prepare(
                "SELECT count(*) FROM pragma_index_list('transactions') AS list, pragma_index_info(list.name) AS info WHERE list.\"unique\" AND list.origin = 'u'")
            defer { unique.finalize() }
            #expect(try unique.step())
            #expect(unique.int(at: 0) == 2, "one unique index over (ses, idx)")

            // A home of version 5 that holds a feed: upgraded, its table and what it holds stay as they are.
            let path = directory.appendingPathComponent("synced.db").path
            let store = try SQLiteCoValueStore(database: try SQLiteDatabase(path: path),
                                               migrations: HomeSchema.migrations.filter { $0.version <= 5 })
            let agent = try StoreFixtures.agent()
            var core = CoValueCore(header: StoreFixtures.groupHeader(admin: agent))
            try StoreFixtures.sign([StoreFixtures.trusting(key: "k", value: "v", madeAt: 1)], session: SessionID.random(for: .agent(agent.agentID)),
                                   agent: agent, into: &core)
            try StoreFixtures.persist(core, in: store)
            store.close()
            let upgraded = try SQLiteDatabase(path: path)
            _ = try HistoryStore(database: upgraded)
            #expect(try upgraded.userVersion() == HomeSchema.latestVersion)
            #expect(try TransactionsLayout.of(upgraded) == .withoutRowID)
            upgraded.close()
            let reopened = try SQLiteCoValueStore(database: try SQLiteDatabase(path: path), migrations: HomeSchema.migrations)
            #expect(try reopened.load(core.id).map { CoValueCore(stored: $0).knownState } == core.knownState)
        }
    }

    @Test("an append whose after differs from the stored count is skipped; other sessions are still stored")
    func wrongAfterIsSkipped() throws {
        let store = try SQLiteCoValueStore.inMemory()
        let agent = try StoreFixtures.agent()
        var core = CoValueCore(header: StoreFixtures.groupHeader(admin: agent))
        let first = SessionID.random(for: .agent(agent.agentID))
        let second = SessionID.random(for: .agent(agent.agentID))
        try StoreFixtures.sign((0..<2).map { StoreFixtures.trusting(key: "a", value: "\($0)", madeAt: UInt64($0)) },
                               session: first, agent: agent, into: &core)
        try StoreFixtures.persist(core, in: store)
        let stored = core.knownState

        try StoreFixtures.sign((2..<5).map { StoreFixtures.trusting(key: "a", value: "\($0)", madeAt: UInt64($0)) },
                               session: first, agent: agent, into: &core)
        try StoreFixtures.sign([StoreFixtures.trusting(key: "b", value: "x", madeAt: 9)], session: second, agent: agent, into: &core)
        var appends = core.storageAppends(since: stored)
        let gapIndex = try #require(appends.firstIndex { $0.sessionID == first })
        // Pretend the caller thinks 3 are stored (a gap): transactions 3 and 4 only.
        appends[gapIndex].after = 3
        appends[gapIndex].transactions = Array(appends[gapIndex].transactions.suffix(2))
        try store.append(core.id, header: nil, sessions: appends)

        let known = try #require(try store.knownState(of: core.id))
        #expect(known.sessions[first] == 2)
        #expect(known.sessions[second] == 1)
        let loaded = try #require(try store.load(core.id))
        #expect(loaded.sessions.first { $0.sessionID == first }?.transactions.count == 2)
        #expect(try rowCounts(store)["transactions"] == 3)

        // Re-sending from the stored count fills the gap.
        try StoreFixtures.persist(core, since: known, in: store)
        try expectRestores(core, from: store, signer: agent.agentID.signerID)
    }

    @Test("a duplicate append is a no-op")
    func duplicateAppendIsNoOp() throws {
        let store = try SQLiteCoValueStore.inMemory()
        let agent = try StoreFixtures.agent()
        var core = CoValueCore(header: StoreFixtures.groupHeader(admin: agent))
        let session = SessionID.random(for: .agent(agent.agentID))
        try StoreFixtures.sign((0..<3).map { StoreFixtures.trusting(key: "a", value: "\($0)", madeAt: UInt64($0)) },
                               session: session, agent: agent, into: &core)
        try StoreFixtures.persist(core, in: store)
        let countsBefore = try rowCounts(store)
        let loadedBefore = try store.load(core.id)
        try StoreFixtures.persist(core, in: store)
        try StoreFixtures.persist(core, in: store)
        #expect(try rowCounts(store) == countsBefore)
        #expect(try store.load(core.id) == loadedBefore)
        #expect(try store.knownState(of: core.id) == core.knownState)
    }

    @Test("an append that fails midway leaves no partial rows, for a new and for an existing CoValue")
    func failedAppendIsAtomic() throws {
        let store = try SQLiteCoValueStore.inMemory()
        let agent = try StoreFixtures.agent()
        var core = CoValueCore(header: StoreFixtures.groupHeader(admin: agent))
        let first = SessionID.random(for: .agent(agent.agentID))
        let second = SessionID.random(for: .agent(agent.agentID))
        try StoreFixtures.sign((0..<3).map { StoreFixtures.trusting(key: "a", value: "\($0)", madeAt: UInt64($0)) },
                               session: first, agent: agent, into: &core)
        try StoreFixtures.sign((0..<6).map { StoreFixtures.trusting(key: "b", value: "\($0)", madeAt: UInt64(10 + $0)) },
                               session: second, agent: agent, into: &core)
        // Inject a failure at the 5th transaction of a session: after the header, the first session and
        // part of the second were written.
        try store.withDatabase { database in
            try database.execute("""
                CREATE TEMP TRIGGER failInsert BEFORE INSERT ON transactions WHEN NEW.idx = 4
                BEGIN SELECT RAISE(ABORT, 'injected failure'); END
                """)
        }
        let error = #expect(throws: SQLiteError.self) { try StoreFixtures.persist(core, in: store) }
        #expect(error?.message == "injected failure")
        #expect(try rowCounts(store) == ["coValues": 0, "sessions": 0, "transactions": 0, "signatureAfter": 0, "unsynced": 0])
        #expect(try store.load(core.id) == nil)
        #expect(try store.knownState(of: core.id) == nil)

        // An existing CoValue: the failing append changes nothing either.
        try store.withDatabase { try $0.execute("DROP TRIGGER failInsert") }
        let firstOnly = core.storageAppends(since: KnownState(id: core.id)).filter { $0.sessionID == first }
        try store.append(core.id, header: core.header, sessions: firstOnly)
        let countsBefore = try rowCounts(store)
        let stateBefore = try store.knownState(of: core.id)
        try store.withDatabase { database in
            try database.execute("""
                CREATE TEMP TRIGGER failInsert BEFORE INSERT ON transactions WHEN NEW.idx = 4
                BEGIN SELECT RAISE(ABORT, 'injected failure'); END
                """)
        }
        #expect(throws: SQLiteError.self) {
            try store.append(core.id, header: nil, sessions: core.storageAppends(since: KnownState(id: core.id)))
        }
        #expect(try rowCounts(store) == countsBefore)
        #expect(try store.knownState(of: core.id) == stateBefore)

        // Without the fault the same call succeeds, and the store is usable afterwards.
        try store.withDatabase { try $0.execute("DROP TRIGGER failInsert") }
        try store.append(core.id, header: nil, sessions: core.storageAppends(since: try #require(stateBefore)))
        try expectRestores(core, from: store, signer: agent.agentID.signerID)
    }

    @Test("appends made in one transaction are all kept when it commits, and none of them when its body fails")
    func appendsInOneTransaction() throws {
        let store = try SQLiteCoValueStore.inMemory()
        let agent = try StoreFixtures.agent()
        var group = CoValueCore(header: StoreFixtures.groupHeader(admin: agent))
        var map = CoValueCore(header: StoreFixtures.mapHeader(owner: group.id))
        let session = SessionID.random(for: .agent(agent.agentID))
        try StoreFixtures.sign([StoreFixtures.trusting(key: "g", value: "1", madeAt: 1)], session: session, agent: agent, into: &group)
        try StoreFixtures.sign((0..<3).map { StoreFixtures.trusting(key: "m", value: "\($0)", madeAt: UInt64(2 + $0)) },
                               session: session, agent: agent, into: &map)
        struct Stop: Error {}
        #expect(throws: Stop.self) {
            try store.inOneTransaction {
                try StoreFixtures.persist(group, in: store)
                try StoreFixtures.persist(map, in: store)
                throw Stop()
            }
        }
        #expect(try store.storedIDs().isEmpty)
        #expect(try rowCounts(store)["transactions"] == 0)
        #expect(try store.withDatabase { !$0.isInTransaction })

        let value = try store.inOneTransaction {
            try StoreFixtures.persist(group, in: store)
            try StoreFixtures.persist(map, in: store)
            return 7
        }
        #expect(value == 7)
        #expect(try store.withDatabase { !$0.isInTransaction })
        #expect(try store.storedIDs() == [group.id, map.id])
        try expectRestores(group, from: store, signer: agent.agentID.signerID)
        try expectRestores(map, from: store, signer: agent.agentID.signerID)
    }

    @Test("reopening after close keeps everything, including unsynced marks")
    func reopenKeepsEverything() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("reopen.sqlite").path
            let agent = try StoreFixtures.agent()
            var group = CoValueCore(header: StoreFixtures.groupHeader(admin: agent))
            var map = CoValueCore(header: StoreFixtures.mapHeader(owner: group.id))
            let session = SessionID.random(for: .agent(agent.agentID))
            try StoreFixtures.sign([StoreFixtures.trusting(key: "g", value: "1", madeAt: 1)], session: session, agent: agent, into: &group)
            try StoreFixtures.sign((0..<4).map { try StoreFixtures.privateTransaction(index: $0, madeAt: UInt64($0), withMeta: true) },
                                   session: session, agent: agent, into: &map)
            do {
                let store = try SQLiteCoValueStore(path: path)
                try StoreFixtures.persist(group, in: store)
                try StoreFixtures.persist(map, in: store)
                try store.markUnsynced([map.id, group.id], peer: "peer_a")
                store.close()
                #expect(throws: SQLiteError.closed(path: path)) { try store.storedIDs() }
            }
            let reopened = try SQLiteCoValueStore(path: path)
            #expect(try reopened.storedIDs() == [group.id, map.id])
            try expectRestores(group, from: reopened, signer: agent.agentID.signerID)
            try expectRestores(map, from: reopened, signer: agent.agentID.signerID)
            #expect(try reopened.unsyncedIDs(peer: "peer_a") == [map.id, group.id])
            let version = try reopened.withDatabase { try $0.userVersion() }
            #expect(version == SQLiteCoValueStore.migrations.last?.version)
        }
    }

    @Test("other tables can share the file by extending the migration list")
    func extendedMigrations() throws {
        let extra = SQLiteMigration(version: 100, name: "caro tables", sql: "CREATE TABLE history (v TEXT)")
        let store = try SQLiteCoValueStore(database: try SQLiteDatabase.inMemory(), migrations: SQLiteCoValueStore.migrations + [extra])
        let version = try store.withDatabase { database -> Int in
            try database.execute("INSERT INTO history VALUES ('x')")
            return try database.userVersion()
        }
        #expect(version == 100)
        let error = #expect(throws: SQLiteError.self) { try SQLiteCoValueStore(database: try SQLiteDatabase.inMemory(), migrations: [extra]) }
        if case .misuse = error {} else { Issue.record("expected misuse, got \(String(describing: error))") }
    }

    @Test("unsynced marks are per peer, idempotent, and cleared by markSynced")
    func unsyncedTracking() throws {
        let store = try SQLiteCoValueStore.inMemory()
        let agent = try StoreFixtures.agent()
        let a = StoreFixtures.groupHeader(admin: agent, uniqueness: "zA").id
        let b = StoreFixtures.groupHeader(admin: agent, uniqueness: "zB").id
        let c = StoreFixtures.groupHeader(admin: agent, uniqueness: "zC").id
        try store.markUnsynced(b, peer: "server")
        try store.markUnsynced(a, peer: "server")
        try store.markUnsynced(b, peer: "server")
        try store.markUnsynced([c, a], peer: "any")
        #expect(try store.unsyncedIDs(peer: "server") == [b, a])
        #expect(try store.unsyncedIDs(peer: "any") == [c, a])
        try store.markSynced(b, peer: "server")
        try store.markSynced(c, peer: "server")  // not marked for this peer: no effect
        #expect(try store.unsyncedIDs(peer: "server") == [a])
        #expect(try store.unsyncedIDs(peer: "any") == [c, a])
        try store.markSynced([c, a], peer: "any")
        #expect(try store.unsyncedIDs(peer: "any") == [])
        #expect(try store.unsyncedIDs(peer: "nobody") == [])
    }

    @Test("knownState reads counts without touching transactions")
    func knownStateWithoutTransactions() throws {
        let store = try SQLiteCoValueStore.inMemory()
        let agent = try StoreFixtures.agent()
        var core = CoValueCore(header: StoreFixtures.groupHeader(admin: agent))
        let sessions = (0..<3).map { _ in SessionID.random(for: .agent(agent.agentID)) }
        for (offset, session) in sessions.enumerated() {
            try StoreFixtures.sign((0...offset).map { StoreFixtures.trusting(key: "k", value: "\($0)", madeAt: UInt64($0)) },
                                   session: session, agent: agent, into: &core)
        }
        try StoreFixtures.persist(core, in: store)
        // Remove every transaction row: the known state still comes from the session rows.
        try store.withDatabase { try $0.execute("DELETE FROM transactions") }
        let known = try #require(try store.knownState(of: core.id))
        #expect(known == core.knownState)
        #expect(known.sessions.count == 3 && known.transactionCount == 6)
        #expect(throws: CoValueStoreError.self) { try store.load(core.id) }

        // A header-only CoValue has header:true and no sessions; an unknown one is nil.
        let other = StoreFixtures.groupHeader(admin: agent, uniqueness: "zOther")
        try store.append(other.id, header: other, sessions: [])
        #expect(try store.knownState(of: other.id) == KnownState(id: other.id, header: true))
        let unknown = StoreFixtures.groupHeader(admin: agent, uniqueness: "zUnknown").id
        #expect(try store.knownState(of: unknown) == nil)
        #expect(try store.load(unknown) == nil)
    }

    @Test("appends without a known header, or with a header of another ID, are refused")
    func headerChecks() throws {
        let store = try SQLiteCoValueStore.inMemory()
        let agent = try StoreFixtures.agent()
        var core = CoValueCore(header: StoreFixtures.groupHeader(admin: agent))
        let session = SessionID.random(for: .agent(agent.agentID))
        try StoreFixtures.sign([StoreFixtures.trusting(key: "a", value: "1", madeAt: 1)], session: session, agent: agent, into: &core)
        let appends = core.storageAppends(since: KnownState(id: core.id))
        #expect(throws: CoValueStoreError.headerMissing(core.id)) { try store.append(core.id, header: nil, sessions: appends) }
        let wrong = StoreFixtures.groupHeader(admin: agent, uniqueness: "zWrong")
        #expect(throws: CoValueStoreError.headerMismatch(core.id, computed: wrong.id)) {
            try store.append(core.id, header: wrong, sessions: appends)
        }
        var negative = appends
        negative[0].after = -1
        #expect(throws: CoValueStoreError.self) { try store.append(core.id, header: core.header, sessions: negative) }
        try store.withDatabase { database in
            try database.transaction(.immediate) { () throws in
                #expect(throws: CoValueStoreError.self) {
                    try SQLiteCoValueStore.append(core.id, header: core.header, sessions: negative, inTransactionOf: database)
                }
            }
        }
        #expect(try rowCounts(store)["coValues"] == 0)
        try store.append(core.id, header: nil, sessions: [])  // nothing to store: fine
        #expect(try store.storedIDs() == [])
    }

    @Test("corrupt rows give a typed error naming the CoValue and the session")
    func corruptRows() throws {
        let store = try SQLiteCoValueStore.inMemory()
        let agent = try StoreFixtures.agent()
        var core = CoValueCore(header: StoreFixtures.groupHeader(admin: agent))
        let session = SessionID.random(for: .agent(agent.agentID))
        try StoreFixtures.sign((0..<3).map { StoreFixtures.trusting(key: "a", value: "\($0)", madeAt: UInt64($0)) },
                               session: session, agent: agent, into: &core)
        try StoreFixtures.persist(core, in: store)

        func expectCorrupt(session expectedSession: String?, containing fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
            let error = #expect(throws: CoValueStoreError.self, sourceLocation: sourceLocation) { try store.load(core.id) }
            guard case .corruptRow(let coValue, let errorSession, let reason) = error else {
                Issue.record("expected corruptRow, got \(String(describing: error))", sourceLocation: sourceLocation)
                return
            }
            #expect(coValue == core.id.description, sourceLocation: sourceLocation)
            #expect(errorSession == expectedSession, sourceLocation: sourceLocation)
            #expect(reason.contains(fragment), "\(reason)", sourceLocation: sourceLocation)
            #expect(error?.description.contains("move it aside") == true, sourceLocation: sourceLocation)
        }
        func edit(_ sql: String) throws { try store.withDatabase { try $0.execute(sql) } }

        try edit("UPDATE transactions SET tx = '{not json' WHERE idx = 1")
        expectCorrupt(session: session.description, containing: "transaction 1")
        try edit("UPDATE transactions SET tx = '{\"madeAt\":-1,\"changes\":\"[]\",\"privacy\":\"trusting\"}' WHERE idx = 1")
        expectCorrupt(session: session.description, containing: "transaction 1")
        try edit("DELETE FROM transactions WHERE idx = 1")
        expectCorrupt(session: session.description, containing: "transaction 1 is missing")
        try edit("DELETE FROM transactions WHERE idx = 2")
        expectCorrupt(session: session.description, containing: "only 1 of its 3")
        try edit("UPDATE sessions SET lastSignature = 'signature_zbroken', lastIdx = 1")
        expectCorrupt(session: session.description, containing: "session row is invalid")
        try edit("UPDATE sessions SET sessionID = 'not a session'")
        expectCorrupt(session: "not a session", containing: "session row is invalid")
        #expect(throws: CoValueStoreError.self) { try store.knownState(of: core.id) }
        try edit("UPDATE coValues SET header = '{\"type\":\"comap\"}'")
        expectCorrupt(session: nil, containing: "header")
        // A well-formed header of another CoValue is caught too (it no longer hashes to the ID).
        let other = StoreFixtures.groupHeader(admin: agent, uniqueness: "zOther").json.jsonStringify()
        try edit("UPDATE coValues SET header = '\(other)'")
        expectCorrupt(session: nil, containing: "header")
    }

    @Test("a read that fails on a corrupt row releases its read lock (the WAL can still be checkpointed)")
    func failedReadReleasesLock() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("locks.sqlite").path
            let store = try SQLiteCoValueStore(path: path)
            let agent = try StoreFixtures.agent()
            var core = CoValueCore(header: StoreFixtures.groupHeader(admin: agent))
            for _ in 0..<2 {
                try StoreFixtures.sign([StoreFixtures.trusting(key: "a", value: "1", madeAt: 1)],
                                       session: SessionID.random(for: .agent(agent.agentID)), agent: agent, into: &core)
            }
            try StoreFixtures.persist(core, in: store)
            try store.withDatabase { try $0.execute("UPDATE sessions SET sessionID = 'broken' WHERE rowID = 2") }
            #expect(throws: CoValueStoreError.self) { try store.knownState(of: core.id) }
            #expect(throws: CoValueStoreError.self) { try store.load(core.id) }
            let other = try SQLiteDatabase(path: path, options: .init(busyTimeoutMilliseconds: 10))
            let checkpoint = try other.prepare("PRAGMA wal_checkpoint(TRUNCATE)")
            #expect(try checkpoint.step())
            #expect(checkpoint.int(at: 0) == 0)  // 1 would mean a reader still holds a snapshot
        }
    }

    @Test("a garbage file gives notADatabase with a clear message")
    func garbageFile() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("garbage.sqlite")
            try Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 7919 &+ 13) }).write(to: url)
            let error = #expect(throws: SQLiteError.self) { try SQLiteCoValueStore(path: url.path) }
            if case .notADatabase = error {} else { Issue.record("expected notADatabase, got \(String(describing: error))") }
            #expect(error?.description.contains("is not an SQLite database") == true)
            #expect(error?.description.contains("move it aside") == true)
        }
    }

    /// Writes a store with enough data to span many pages, closes it, and returns its path and IDs.
    func writeStoreForDamage(in directory: URL) throws -> (path: String, ids: [CoID]) {
        let path = directory.appendingPathComponent("damaged.sqlite").path
        let agent = try StoreFixtures.agent()
        let store = try SQLiteCoValueStore(path: path)
        var ids: [CoID] = []
        for index in 0..<20 {
            var core = CoValueCore(header: StoreFixtures.mapHeader(owner: StoreFixtures.groupHeader(admin: agent).id, uniqueness: "z\(index)"))
            let session = SessionID.random(for: .agent(agent.agentID))
            try StoreFixtures.sign(
                (0..<20).map { StoreFixtures.trusting(key: "k\($0)", value: String(repeating: "v", count: 300), madeAt: UInt64($0)) },
                session: session, agent: agent, into: &core)
            try StoreFixtures.persist(core, in: store)
            ids.append(core.id)
        }
        store.close()  // checkpoints the WAL into the main file
        return (path, ids)
    }

    /// Opens and reads everything; returns the first error.
    func openAndReadAll(_ path: String, ids: [CoID]) -> (any Error)? {
        do {
            let store = try SQLiteCoValueStore(path: path)
            _ = try store.storedIDs()
            for id in ids { _ = try store.load(id) }
            return nil
        } catch {
            return error
        }
    }

    @Test("a truncated database file gives a damaged-file SQLiteError, not a crash")
    func truncatedFile() throws {
        try withTemporaryDirectory { directory in
            let (path, ids) = try writeStoreForDamage(in: directory)
            let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
            #expect(size > 100_000)
            let handle = try #require(FileHandle(forWritingAtPath: path))
            try handle.truncate(atOffset: UInt64(size / 3))
            try handle.close()
            let error = openAndReadAll(path, ids: ids)
            let sqliteError = try #require(error as? SQLiteError, "got \(String(describing: error))")
            #expect(sqliteError.isDamagedFile)
            #expect(sqliteError.description.contains("corrupt") || sqliteError.description.contains("not an SQLite database"))
            #expect(sqliteError.description.contains("move it aside"))
        }
    }

    @Test("a database file with overwritten pages gives corrupt, not a crash")
    func overwrittenPages() throws {
        try withTemporaryDirectory { directory in
            let (path, ids) = try writeStoreForDamage(in: directory)
            var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            // Keep page 1 (header and schema), scramble everything after it.
            for offset in 4096..<bytes.count { bytes[offset] = UInt8(truncatingIfNeeded: offset &* 2654435761 >> 7) }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let error = openAndReadAll(path, ids: ids)
            let sqliteError = try #require(error as? SQLiteError, "got \(String(describing: error))")
            #expect(sqliteError.isDamagedFile)
            #expect(sqliteError.description.contains("is corrupt"))
            #expect(sqliteError.sql != nil)
        }
    }

    @Test("10 000 transactions appended in batches are loaded back intact")
    func tenThousandTransactions() throws {
        try withTemporaryDirectory { directory in
            let store = try SQLiteCoValueStore(path: directory.appendingPathComponent("big.sqlite").path)
            let agent = try StoreFixtures.agent()
            var core = CoValueCore(header: StoreFixtures.mapHeader(owner: StoreFixtures.groupHeader(admin: agent).id))
            let sessions = (0..<2).map { _ in SessionID.random(for: .agent(agent.agentID)) }
            var before = KnownState(id: core.id)
            let clock = ContinuousClock()
            var appendTime = Duration.zero
            for batch in 0..<100 {
                for (offset, session) in sessions.enumerated() {
                    let transactions = try (0..<50).map { index -> Transaction in
                        let n = batch * 50 + index
                        return offset == 0
                            ? StoreFixtures.trusting(key: "entry\(n)", value: "command #\(n) ✓", madeAt: 1_750_000_000_000 + UInt64(n))
                            : try StoreFixtures.privateTransaction(index: n, madeAt: 1_750_000_000_000 + UInt64(n), withMeta: n % 10 == 0)
                    }
                    try StoreFixtures.sign(transactions, session: session, agent: agent, into: &core)
                }
                let appends = core.storageAppends(since: before)
                let start = clock.now
                try store.append(core.id, header: core.header, sessions: appends)
                appendTime += clock.now - start
                before = core.knownState
            }
            #expect(try store.knownState(of: core.id)?.transactionCount == 10_000)
            let start = clock.now
            let loaded = try store.load(core.id)
            let loadTime = clock.now - start
            #expect(loaded?.sessions.map(\.transactions.count) == [5_000, 5_000])
            try expectRestores(core, from: store, signer: agent.agentID.signerID)
            print("[timing] 10k transactions (debug build): 100 appends of 100 tx in \(appendTime), load in \(loadTime)")
        }
    }

    @Test("the store can be shared between tasks")
    func concurrentUse() async throws {
        let store = try SQLiteCoValueStore.inMemory()
        let agent = try StoreFixtures.agent()
        let headers = (0..<8).map { StoreFixtures.groupHeader(admin: agent, uniqueness: "zTask\($0)") }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for header in headers {
                group.addTask {
                    var core = CoValueCore(header: header)
                    let session = SessionID.random(for: .agent(agent.agentID))
                    try StoreFixtures.sign((0..<10).map { StoreFixtures.trusting(key: "k", value: "\($0)", madeAt: UInt64($0)) },
                                           session: session, agent: agent, into: &core)
                    try StoreFixtures.persist(core, in: store)
                    try store.markUnsynced(core.id, peer: "p")
                    #expect(try store.load(core.id)?.sessions.first?.transactions.count == 10)
                }
            }
            try await group.waitForAll()
        }
        #expect(Set(try store.storedIDs()) == Set(headers.map(\.id)))
        #expect(Set(try store.unsyncedIDs(peer: "p")) == Set(headers.map(\.id)))
    }
}
