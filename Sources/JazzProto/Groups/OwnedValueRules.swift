/// Validity of the transactions of a value owned by a group (cojson `determineValidTransactions`
/// for the `ownedByGroup` ruleset, jazz-protocol-core.md §6.3).
public struct OwnedValueValidity: Sendable {
    public var validity: [TransactionID: TransactionValidity] = [:]
    /// Valid only as a branch pointer written by a reader: its changes count as empty.
    public var branchPointersOnly: Set<TransactionID> = []
}

/// The outcome for one transaction, by position (what ``OwnedValueRules/decisions(of:ruleset:owner:resolver:)``
/// returns; cheaper than the dictionaries of ``OwnedValueValidity`` for the decoding hot path).
enum OwnedValueDecision: Sendable, Equatable {
    case valid
    /// Valid only as a branch pointer written by a reader: its changes count as empty.
    case branchPointerOnly
    case ownerNotLoaded
    case noWritePermission

    var validity: TransactionValidity {
        switch self {
        case .valid, .branchPointerOnly: return .valid
        case .ownerNotLoaded: return .invalid("Owner group is not loaded")
        case .noWritePermission: return .invalid("Transactor has no write permissions")
        }
    }
}

public enum OwnedValueRules {
    /// Decides each transaction: the author's role in the owner at the transaction's own `madeAt`
    /// must be admin, manager, writer or writeOnly (readers: trusting branch pointers only).
    /// `owner` nil (not loaded) makes everything invalid for now; validity is recomputed once it loads.
    public static func validity(
        of transactions: [(TransactionID, Transaction)], ruleset: Ruleset, owner: GroupState?, resolver: some GroupResolving
    ) -> OwnedValueValidity {
        let decisions = decisions(of: transactions, ruleset: ruleset, owner: owner, resolver: resolver)
        var result = OwnedValueValidity()
        result.validity.reserveCapacity(transactions.count)
        for (position, decision) in decisions.enumerated() {
            let txID = transactions[position].0
            result.validity[txID] = decision.validity
            if decision == .branchPointerOnly { result.branchPointersOnly.insert(txID) }
        }
        return result
    }

    /// ``validity(of:ruleset:owner:resolver:)`` as one decision per transaction, parallel to `transactions`.
    static func decisions(
        of transactions: [(TransactionID, Transaction)], ruleset: Ruleset, owner: GroupState?, resolver: some GroupResolving
    ) -> [OwnedValueDecision] {
        decisions(of: SessionRun.runs(of: transactions), ruleset: ruleset, owner: owner, resolver: resolver)
    }

    /// One decision per transaction of `runs`, run after run.
    static func decisions(
        of runs: [SessionRun], ruleset: Ruleset, owner: GroupState?, resolver: some GroupResolving
    ) -> [OwnedValueDecision] {
        let count = runs.reduce(0) { $0 + $1.count }
        switch ruleset {
        case .unsafeAllowAll, .group:
            return Array(repeating: .valid, count: count)
        case .ownedByGroup:
            break
        }
        guard let owner else { return Array(repeating: .ownerNotLoaded, count: count) }
        var roles = RoleLookup(owner: owner, resolver: resolver)
        var decisions: [OwnedValueDecision] = []
        decisions.reserveCapacity(count)
        for run in runs {
            roles.enter(run.sessionID)
            // By index: only `madeAt` is read (the transactions are not copied).
            for index in run.transactions.indices {
                let role = roles.role(atTime: run.transactions[index].madeAt)
                if role == .reader, case .trusting(_, _, let meta?) = run.transactions[index],
                    let parsed = try? JSONValue(parsing: meta), parsed["branch"] != nil, parsed["ownerId"] != nil
                {
                    decisions.append(.branchPointerOnly)
                } else if role?.canWriteOwnedValues == true {
                    decisions.append(.valid)
                } else {
                    decisions.append(.noWritePermission)
                }
            }
        }
        return decisions
    }
}

/// `owner.role(of: transactor, atTime:)` for many transactions, computed once per transactor and time window.
///
/// A role at time `t` depends only on which edits (of the owner and of every group reachable through its
/// parents) have `madeAt ≤ t`. Between two consecutive edit times that set does not change, so neither
/// does the role: the lookup keeps the last answer per session and reuses it while `t` stays in the
/// same window.
private struct RoleLookup<Resolver: GroupResolving> {
    let owner: GroupState
    let resolver: Resolver
    /// Every distinct edit time of the owner and its reachable ancestors, ascending.
    let editTimes: [UInt64]
    /// The session of the previous call (compared by its exact bytes) and its transactor.
    private var lastSession: SessionID?
    private var transactor = ""
    /// The window of the previous answer (index into the edit times) and the answer.
    private var lastWindow = -1
    private var lastRole: Role?
    /// Answers for other (transactor, window) pairs, for interleaved sessions.
    private var known: [WindowKey: Role?] = [:]

    private struct WindowKey: Hashable {
        let transactor: ExactStringKey
        let window: Int
    }

    init(owner: GroupState, resolver: Resolver) {
        self.owner = owner
        self.resolver = resolver
        var times: Set<UInt64> = []
        var visited: Set<CoID> = []
        // Breadth first, so every group is expanded at its smallest depth.
        var pending: [(group: GroupState, depth: Int)] = [(owner, 0)]
        var next = 0
        while next < pending.count {
            let (group, depth) = pending[next]
            next += 1
            guard visited.insert(group.id).inserted else { continue }
            for edits in group.history.editsByKey.values {
                for edit in edits { times.insert(edit.madeAt) }
            }
            for (parentID, changes) in group.parentHistory {
                for change in changes { times.insert(change.madeAt) }
                // `role` looks at parents down to `maxParentDepth`; going further only adds times.
                if depth < GroupState.maxParentDepth, let parent = resolver.groupState(for: parentID) {
                    pending.append((parent, depth + 1))
                }
            }
        }
        editTimes = times.sorted()
    }

    /// The number of edit times `≤ time`: equal windows give equal roles.
    private func window(of time: UInt64) -> Int {
        var low = 0
        var high = editTimes.count
        while low < high {
            let mid = (low + high) / 2
            if editTimes[mid] <= time { low = mid + 1 } else { high = mid }
        }
        return low
    }

    private func isInLastWindow(_ time: UInt64) -> Bool {
        guard lastWindow >= 0 else { return false }
        if lastWindow > 0, time < editTimes[lastWindow - 1] { return false }
        return lastWindow == editTimes.count || time < editTimes[lastWindow]
    }

    /// Starts answering for the transactions of `session`.
    mutating func enter(_ session: SessionID) {
        if let lastSession, ExactStringKey.sameBytes(lastSession.description, session.description) { return }
        var name = session.author.description
        if owner.isAccount, name == owner.id.description, case .group(let admin) = owner.header.ruleset {
            name = admin.description
        }
        rememberLastAnswer()
        lastSession = session
        transactor = name
        lastWindow = -1
    }

    /// The role of the current session's transactor at `time`.
    mutating func role(atTime time: UInt64) -> Role? {
        if isInLastWindow(time) { return lastRole }
        rememberLastAnswer()
        let window = window(of: time)
        let role: Role?
        if let cached = known[WindowKey(transactor: ExactStringKey(transactor), window: window)] {
            role = cached
        } else {
            role = owner.role(of: transactor, atTime: time, resolver: resolver)
        }
        lastWindow = window
        lastRole = role
        return role
    }

    private mutating func rememberLastAnswer() {
        if lastWindow >= 0 { known[WindowKey(transactor: ExactStringKey(transactor), window: lastWindow)] = lastRole }
    }
}
