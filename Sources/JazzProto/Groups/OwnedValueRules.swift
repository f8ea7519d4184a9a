/// Validity of the transactions of a value owned by a group (cojson `determineValidTransactions`
/// for the `ownedByGroup` ruleset, jazz-protocol-core.md §6.3).
public struct OwnedValueValidity: Sendable {
    public var validity: [TransactionID: TransactionValidity] = [:]
    /// Valid only as a branch pointer written by a reader: its changes count as empty.
    public var branchPointersOnly: Set<TransactionID> = []
}

public enum OwnedValueRules {
    /// Decides each transaction: the author's role in the owner at the transaction's own `madeAt`
    /// must be admin, manager, writer or writeOnly (readers: trusting branch pointers only).
    /// `owner` nil (not loaded) makes everything invalid for now; validity is recomputed once it loads.
    public static func validity(
        of transactions: [(TransactionID, Transaction)], ruleset: Ruleset, owner: GroupState?, resolver: some GroupResolving
    ) -> OwnedValueValidity {
        var result = OwnedValueValidity()
        switch ruleset {
        case .unsafeAllowAll, .group:
            for (txID, _) in transactions { result.validity[txID] = .valid }
            return result
        case .ownedByGroup:
            break
        }
        guard let owner else {
            for (txID, _) in transactions { result.validity[txID] = .invalid("Owner group is not loaded") }
            return result
        }
        for (txID, transaction) in transactions {
            var transactor = txID.sessionID.author.description
            if owner.isAccount, transactor == owner.id.description, case .group(let admin) = owner.header.ruleset {
                transactor = admin.description
            }
            let role = owner.role(of: transactor, atTime: transaction.madeAt, resolver: resolver)
            if role == .reader, case .trusting(_, _, let meta?) = transaction,
                let parsed = try? JSONValue(parsing: meta), parsed["branch"] != nil, parsed["ownerId"] != nil
            {
                result.validity[txID] = .valid
                result.branchPointersOnly.insert(txID)
                continue
            }
            if role?.canWriteOwnedValues == true {
                result.validity[txID] = .valid
            } else {
                result.validity[txID] = .invalid("Transactor has no write permissions")
            }
        }
        return result
    }
}
