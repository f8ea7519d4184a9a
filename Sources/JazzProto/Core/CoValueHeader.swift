/// The rules that decide which transactions of a CoValue are valid.
public enum Ruleset: Sendable, Hashable {
    /// A group or account: membership and keys live in its own transactions.
    case group(initialAdmin: AccountOrAgentID)
    /// A value owned by a group (or an account acting as one).
    case ownedByGroup(group: CoID, restrictDeletion: Bool?)
    /// Everything is valid (tests and special values).
    case unsafeAllowAll

    /// The canonical JSON object (keys in the fixed Rust/serde order, which is alphabetical).
    public var json: JSONValue {
        switch self {
        case .group(let admin):
            return .object(JSONObject([("initialAdmin", .string(admin.description)), ("type", "group")]))
        case .ownedByGroup(let group, let restrictDeletion):
            var members: [(String, JSONValue)] = [("group", .string(group.description))]
            if let restrictDeletion { members.append(("restrictDeletion", .bool(restrictDeletion))) }
            members.append(("type", "ownedByGroup"))
            return .object(JSONObject(members))
        case .unsafeAllowAll:
            return ["type": "unsafeAllowAll"]
        }
    }
}

/// `createdAt` of a header: absent, `null`, or an opaque string. Absent and `null` give different IDs.
public enum HeaderCreatedAt: Sendable, Hashable {
    case absent
    case null
    case string(String)
}

/// A problem with a received or constructed CoValue header.
public enum HeaderError: Error, CustomStringConvertible, Equatable, Sendable {
    case notAnObject
    case missingField(String)
    case invalidField(String, reason: String)
    case idMismatch(expected: CoID, computed: CoID)

    public var description: String {
        switch self {
        case .notAnObject: return "A CoValue header must be a JSON object."
        case .missingField(let field): return "The CoValue header lacks its \"\(field)\" field."
        case .invalidField(let field, let reason): return "The CoValue header's \"\(field)\" is invalid: \(reason)."
        case .idMismatch(let expected, let computed):
            return "The header hashes to \(computed), not to the ID \(expected) it was sent for; the content is forged or corrupted."
        }
    }
}

/// The immutable header of a CoValue; its canonical JSON hashes to the CoValue ID.
public struct CoValueHeader: Sendable, Hashable {
    /// `comap`, `colist`, `costream`, `coplaintext`, or any other string (loaded as an opaque value).
    public var type: String
    public var ruleset: Ruleset
    /// `null` or a JSON object (`{"type":"account"}`, `{"type":"binary"}`, `{"name":…}`, …).
    public var meta: JSONValue
    /// A string, boolean, integer, `null`, or an object of strings.
    public var uniqueness: JSONValue
    public var createdAt: HeaderCreatedAt

    public init(type: String, ruleset: Ruleset, meta: JSONValue = .null, uniqueness: JSONValue, createdAt: HeaderCreatedAt) {
        self.type = type
        self.ruleset = ruleset
        self.meta = meta
        self.uniqueness = uniqueness
        self.createdAt = createdAt
    }

    /// Parses a header as received on the wire, validating it like cojson's Rust core.
    public init(json: JSONValue) throws(HeaderError) {
        guard case .object(let object) = json else { throw .notAnObject }
        guard let type = object["type"]?.stringValue else { throw .missingField("type") }
        self.type = type
        guard let rulesetJSON = object["ruleset"], case .object(let rulesetObject) = rulesetJSON else {
            throw .missingField("ruleset")
        }
        switch rulesetObject["type"]?.stringValue {
        case "group":
            guard let admin = rulesetObject["initialAdmin"]?.stringValue, !admin.isEmpty else {
                throw .invalidField("ruleset", reason: "a group needs an initialAdmin")
            }
            do {
                ruleset = .group(initialAdmin: try AccountOrAgentID(admin))
            } catch {
                throw .invalidField("ruleset", reason: error.description)
            }
        case "ownedByGroup":
            guard let group = rulesetObject["group"]?.stringValue, let groupID = try? CoID(group) else {
                throw .invalidField("ruleset", reason: "ownedByGroup needs a group ID")
            }
            var restrictDeletion: Bool? = nil
            if let value = rulesetObject["restrictDeletion"] {
                guard let flag = value.boolValue else {
                    throw .invalidField("ruleset", reason: "restrictDeletion must be a boolean")
                }
                restrictDeletion = flag
            }
            ruleset = .ownedByGroup(group: groupID, restrictDeletion: restrictDeletion)
        case "unsafeAllowAll":
            ruleset = .unsafeAllowAll
        default:
            throw .invalidField("ruleset", reason: "unknown ruleset type")
        }
        // Rust requires meta and uniqueness to be present; a missing meta would hash as null there.
        guard let meta = object["meta"] else { throw .missingField("meta") }
        self.meta = meta
        guard let uniqueness = object["uniqueness"] else { throw .missingField("uniqueness") }
        try Self.validateUniqueness(uniqueness)
        self.uniqueness = uniqueness
        switch object["createdAt"] {
        case .none: createdAt = .absent
        case .some(.null): createdAt = .null
        case .some(.string(let string)): createdAt = .string(string)
        case .some: throw .invalidField("createdAt", reason: "must be a string or null")
        }
    }

    /// cojson's `validate_uniqueness`: string, boolean, integer, null, or an object of strings with non-empty keys.
    static func validateUniqueness(_ value: JSONValue) throws(HeaderError) {
        switch value {
        case .null, .bool, .string: return
        case .number(let number):
            guard number > -9.2e18, number < 9.2e18, Double(Int64(number)) == number else {
                throw .invalidField("uniqueness", reason: "numbers must be integers")
            }
        case .object(let object):
            for (key, member) in object {
                guard !key.isEmpty else { throw .invalidField("uniqueness", reason: "object keys must not be empty") }
                guard case .string = member else { throw .invalidField("uniqueness", reason: "object values must be strings") }
            }
        default:
            throw .invalidField("uniqueness", reason: "must be a string, boolean, integer, null or object of strings")
        }
    }

    /// The header as a JSON object with the canonical member order.
    public var json: JSONValue {
        var members: [(String, JSONValue)] = []
        switch createdAt {
        case .absent: break
        case .null: members.append(("createdAt", .null))
        case .string(let string): members.append(("createdAt", .string(string)))
        }
        members.append(("meta", meta))
        members.append(("ruleset", ruleset.json))
        members.append(("type", .string(type)))
        members.append(("uniqueness", uniqueness))
        return .object(JSONObject(members))
    }

    /// The canonical JSON text that the ID hashes (fixed field order, nested keys sorted).
    public var canonicalJSON: String { json.stableStringify() }

    /// `co_z` + base58(BLAKE3(canonical header)[0..<19]).
    public var id: CoID {
        let short = ShortHash(digestPrefixOf: Array(canonicalJSON.utf8))
        return CoID(uncheckedString: CoID.prefix + Base58.encode(short.bytes), bytes: short.bytes)
    }

    /// Checks that this header hashes to `expected`.
    public func verify(id expected: CoID) throws(HeaderError) {
        let computed = id
        guard computed == expected else { throw .idMismatch(expected: expected, computed: computed) }
    }

    // MARK: Kinds

    /// True for an account: a group whose meta is `{"type":"account"}`.
    public var isAccount: Bool {
        if case .group = ruleset, meta["type"]?.stringValue == "account" { return true }
        return false
    }

    /// True for a group or an account.
    public var isGroup: Bool {
        if case .group = ruleset { return true }
        return false
    }

    /// True for a binary stream (`costream` with meta `{"type":"binary"}`).
    public var isBinaryStream: Bool { type == "costream" && meta["type"]?.stringValue == "binary" }

    /// The owning group of an `ownedByGroup` value.
    public var ownerGroup: CoID? {
        if case .ownedByGroup(let group, _) = ruleset { return group }
        return nil
    }

    /// Sync priority (cojson `getPriorityFromHeader`): 0 for accounts and groups, 6 for binary streams, else 3.
    public var priority: Int {
        if isGroup { return 0 }
        if isBinaryStream { return 6 }
        return 3
    }

    // MARK: Catalogue (jazz-protocol-core.md §4.4)

    /// The deterministic header of the account whose only agent is `agent`.
    public static func account(agent: AgentID) -> CoValueHeader {
        CoValueHeader(
            type: "comap", ruleset: .group(initialAdmin: .agent(agent)), meta: ["type": "account"], uniqueness: .null,
            createdAt: .null)
    }

    /// A fresh group header (random uniqueness, current time).
    public static func group(admin: AccountOrAgentID, name: String? = nil, createdAt: String, uniqueness: String) -> CoValueHeader {
        var meta: JSONValue = .null
        if let name, !name.isEmpty { meta = ["name": .string(name)] }
        return CoValueHeader(type: "comap", ruleset: .group(initialAdmin: admin), meta: meta,
                             uniqueness: .string(uniqueness), createdAt: .string(createdAt))
    }

    /// A fresh header of a value owned by `group`.
    public static func owned(type: String, by group: CoID, meta: JSONValue = .null, createdAt: String, uniqueness: String,
                             restrictDeletion: Bool? = nil) -> CoValueHeader {
        CoValueHeader(type: type, ruleset: .ownedByGroup(group: group, restrictDeletion: restrictDeletion), meta: meta,
                      uniqueness: .string(uniqueness), createdAt: .string(createdAt))
    }

    /// cojson's `uniquenessForHeader`: `"z"` + base58 of 12 random bytes.
    public static func randomUniqueness() -> String { "z" + Base58.encode(SecureRandom.bytes(12)) }
}
