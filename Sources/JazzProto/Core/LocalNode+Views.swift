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
            view = CoListState.json(of: transactions, isDeletionAllowed: deletionRule(of: header))
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

    /// For a CoList with `restrictDeletion`, which transactions may delete (their author is an admin or
    /// manager of the owner group when they were made); nil without the restriction.
    private func deletionRule(of header: CoValueHeader) -> ((DecodedTransaction) -> Bool)? {
        guard case .ownedByGroup(let ownerID, let restrict) = header.ruleset, restrict == true else { return nil }
        let owner = groupState(for: ownerID)
        return { transaction in
            let role = owner?.role(of: transaction.author.description, atTime: transaction.madeAt, resolver: self)
            return role == .admin || role == .manager
        }
    }
}
