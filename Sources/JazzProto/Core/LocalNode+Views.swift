/// Reading CoValues as the reference shows them.
extension LocalNode {
    /// The current view of a CoValue in the format of the golden vectors' `expectedViews`: groups,
    /// accounts and CoMaps as objects, CoLists as arrays, CoStreams as `{sessionID: [items]}`,
    /// CoPlainText as a string, binary streams as `{mimeType, fileName, totalSizeBytes, finished,
    /// chunksBase64url, bytesHex}`. Unknown types give `{}`; a deleted value gives `null`. Nil if the value
    /// is not loaded.
    public func view(of id: CoID) -> JSONValue? {
        guard let core = core(id), let header = core.header else { return nil }
        if core.isDeleted { return .null }
        if header.isGroup {
            return groupState(for: id)?.json
        }
        let transactions = decodedTransactions(of: id)
        if let cached = cachedView(of: id) { return cached }
        let view: JSONValue
        switch header.type {
        case "comap":
            view = CoMapState.json(of: transactions)
        case "colist":
            view = listState(of: id, header: header, transactions: transactions).json
        case "coplaintext":
            view = .string(CoPlainTextState(transactions: transactions).text)
        case "costream":
            view = header.isBinaryStream ? BinaryStreamState(transactions: transactions).json : CoStreamState(transactions: transactions).json
        default:
            view = .object(JSONObject())
        }
        cacheView(view, of: id)
        return view
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
