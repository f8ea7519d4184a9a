/// Reading CoValues as the reference shows them.
extension LocalNode {
    /// The current view of a CoValue in the format of the golden vectors' `expectedViews`: groups,
    /// accounts and CoMaps as objects, CoLists as arrays, CoStreams as `{sessionID: [items]}`,
    /// CoPlainText as a string, binary streams as `{mimeType, fileName, totalSizeBytes, finished,
    /// chunksBase64url, bytesHex}`. Unknown types give `{}`. Nil if the value is not loaded.
    public func view(of id: CoID) -> JSONValue? {
        guard let header = core(id)?.header else { return nil }
        if header.isGroup {
            return groupState(for: id)?.json
        }
        let transactions = decodedTransactions(of: id)
        switch header.type {
        case "comap":
            return CoMapState(transactions: transactions).json
        case "colist":
            return listState(of: id, header: header, transactions: transactions).json
        case "coplaintext":
            return .string(CoPlainTextState(transactions: transactions).text)
        case "costream":
            if header.isBinaryStream { return BinaryStreamState(transactions: transactions).json }
            return CoStreamState(transactions: transactions).json
        default:
            return .object(JSONObject())
        }
    }

    /// A CoList's state, honouring `restrictDeletion` (deletions count only from admins and managers).
    func listState(of id: CoID, header: CoValueHeader, transactions: [DecodedTransaction]) -> CoListState {
        guard case .ownedByGroup(let ownerID, let restrict) = header.ruleset, restrict == true else {
            return CoListState(transactions: transactions)
        }
        let owner = groupState(for: ownerID)
        return CoListState(transactions: transactions) { transaction in
            let role = owner?.role(of: transaction.author.description, atTime: transaction.madeAt, resolver: self)
            return role == .admin || role == .manager
        }
    }
}
