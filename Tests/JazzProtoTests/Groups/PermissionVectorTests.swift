import Foundation
import Testing

@testable import JazzProto

/// Fixtures/jazz/permissions.json, executed on the real cojson: replaying the content must give exactly
/// the recorded valid/invalid transactions, each account's views, and the keys each account can obtain.
@Suite("permissions.json scenarios")
struct PermissionVectorTests {
    struct Scenario {
        let file: [String: Any]
        let accounts: [String: AgentSecret]
        let valueIDs: [String: CoID]
        let lines: [String]

        init() throws {
            file = try Fixtures.jazz("permissions.json")
            var accounts: [String: AgentSecret] = [:]
            for (letter, value) in try file.object("accounts") {
                let account = try #require(value as? [String: Any])
                accounts[letter] = try AgentSecret(account.string("accountSecret"))
            }
            self.accounts = accounts
            var ids: [String: CoID] = [:]
            for (name, value) in try file.object("values") {
                ids[name] = try CoID(try #require(value as? [String: Any]).string("id"))
            }
            valueIDs = ids
            lines = try file.objects("content").map { message in
                String(decoding: try JSONSerialization.data(withJSONObject: message), as: UTF8.self)
            }
        }

        /// A fresh node for an account letter with every content message replayed into it.
        func node(for letter: String) throws -> LocalNode {
            let agent = try #require(accounts[letter])
            let node = LocalNode(agentSecret: agent, accountID: CoValueHeader.account(agent: agent.agentID).id)
            let replayer = ContentReplayer(node: node)
            for line in lines { replayer.feed(line) }
            replayer.finish()
            #expect(replayer.problems.isEmpty, "\(replayer.problems)")
            return node
        }
    }

    @Test func validitySetsMatchCojson() throws {
        let scenario = try Scenario()
        let node = try scenario.node(for: "A")
        var checked = 0
        for (name, value) in try scenario.file.object("validity") {
            let id = try #require(scenario.valueIDs[name])
            let ours = node.validity(of: id)
            let expected = try #require(value as? [[String: Any]])
            #expect(ours.count == expected.count, "\(name): \(ours.count) transactions, expected \(expected.count)")
            for tx in expected {
                let txID = TransactionID(sessionID: try SessionID(tx.string("sessionID")), txIndex: try #require(tx["txIndex"] as? Int))
                let valid = try #require(tx["valid"] as? Bool)
                let reason = tx["cojsonReason"] as? String
                #expect(ours[txID]?.isValid == valid, "\(name) \(txID): ours \(String(describing: ours[txID])), cojson \(valid) \(reason ?? "")")
                if !valid, case .invalid(let ourReason)? = ours[txID] {
                    #expect(ourReason == reason, "\(name) \(txID)")
                }
                checked += 1
            }
        }
        Fixtures.report("permissions.json", "validity (transactions)", count: checked)
    }

    @Test func viewsPerAccountMatchCojson() throws {
        let scenario = try Scenario()
        var checked = 0
        var nodes: [String: LocalNode] = [:]
        for letter in scenario.accounts.keys { nodes[letter] = try scenario.node(for: letter) }
        for (name, perAccount) in try scenario.file.object("views") {
            let id = try #require(scenario.valueIDs[name])
            for (letter, expectedView) in try #require(perAccount as? [String: Any]) {
                let expected = try CryptoVectorTests.json(expectedView)
                let ours = try #require(nodes[letter]).view(of: id)
                #expect(ours == expected, "\(name) as seen by \(letter)")
                checked += 1
            }
        }
        Fixtures.report("permissions.json", "views (value × account)", count: checked)
    }

    @Test func keysObtainablePerAccountMatchCojson() throws {
        let scenario = try Scenario()
        var nodes: [String: LocalNode] = [:]
        for letter in scenario.accounts.keys { nodes[letter] = try scenario.node(for: letter) }
        var checked = 0
        for (groupName, info) in try scenario.file.object("keys") {
            let groupID = try #require(scenario.valueIDs[groupName])
            let keyInfo = try #require(info as? [String: Any])
            for (keyIDString, perAccount) in try keyInfo.object("keySecretObtainableBy") {
                let keyID = try KeyID(keyIDString)
                for (letter, obtainable) in try #require(perAccount as? [String: Bool]) {
                    let node = try #require(nodes[letter])
                    let state = try #require(node.groupState(for: groupID))
                    let ours = state.readKey(keyID, reader: node.keyReader, resolver: node) != nil
                    #expect(ours == obtainable, "\(groupName) \(keyIDString) for \(letter)")
                    checked += 1
                }
            }
            // Roles as the admin sees them (parents and everyone included; revoked → none).
            let admin = try #require(nodes["A"])
            let state = try #require(admin.groupState(for: groupID))
            for (letter, role) in try keyInfo.object("rolesAsSeenByAdmin") {
                let accountID = CoValueHeader.account(agent: try #require(scenario.accounts[letter]).agentID).id
                let ours = state.role(of: accountID.description, resolver: admin)
                #expect(ours?.rawValue == (role as? String), "\(groupName): role of \(letter)")
                checked += 1
            }
            if let current = keyInfo["currentReadKey"] as? String {
                #expect(state.currentReadKeyID?.description == current, "\(groupName) current read key")
            }
        }
        Fixtures.report("permissions.json", "keys and roles", count: checked)
    }
}
