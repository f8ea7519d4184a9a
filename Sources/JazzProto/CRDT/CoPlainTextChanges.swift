/// Builds the transactions cojson 0.20.19's `RawCoPlainText` writes (jazz-sync §6.6). Text is split into
/// extended grapheme clusters (Swift `Character`s; cojson uses `unicode-segmenter`, which agrees except
/// possibly on emoji sequences newer than one of the two Unicode versions) and inserted as CoList
/// `app`/`pre` ops, at most 512 graphemes per transaction.
///
/// Inserts that need several transactions anchor each later one on an element the earlier ones created,
/// so the builder needs to know the IDs the writer will give them: `firstTxID` for the first, then the
/// same session with `txIndex + 1`, `+ 2`, … (all made at `madeAt`). It simulates each transaction on
/// the state, exactly as cojson re-reads its own list between transactions.
public enum CoPlainTextChanges {
    /// Graphemes per transaction: `ceil(MAX_RECOMMENDED_TX_SIZE / 200)` = `ceil(102400 / 200)`.
    public static let maxGraphemesPerTransaction = 512

    /// The grapheme clusters of `text`.
    public static func graphemes(of text: String) -> [String] {
        text.map { String($0) }
    }

    /// `insertBefore(idx, text)`: at 0, `prepend(g[0], 0)` then the rest appended after it; elsewhere
    /// appended after element `idx - 1`. Returns one change array per transaction (none for empty text).
    public static func insertBefore(
        _ idx: Int, _ text: String, in state: CoPlainTextState, firstTxID: TransactionID, madeAt: UInt64
    ) throws(CRDTError) -> [[JSONValue]] {
        let characters = graphemes(of: text)
        guard idx == 0 else {
            return try appendChars(characters, at: idx - 1, in: state, firstTxID: firstTxID, madeAt: madeAt)
        }
        guard let first = characters.first else { return [] }
        let prepend = try CoListChanges.prepend(.string(first), before: 0, in: state.list)
        guard characters.count > 1 else { return [prepend] }
        let after = state.applying([DecodedTransaction(txID: firstTxID, madeAt: madeAt, changes: prepend)])
        let next = TransactionID(sessionID: firstTxID.sessionID, txIndex: firstTxID.txIndex + 1)
        return [prepend] + (try appendChars(Array(characters.dropFirst()), at: 0, in: after, firstTxID: next, madeAt: madeAt))
    }

    /// `insertAfter(idx, text)`: appended after element `idx`, or after `idx - 1` when `idx ≥ count`.
    public static func insertAfter(
        _ idx: Int, _ text: String, in state: CoPlainTextState, firstTxID: TransactionID, madeAt: UInt64
    ) throws(CRDTError) -> [[JSONValue]] {
        let position = idx >= state.count ? idx - 1 : idx
        return try appendChars(graphemes(of: text), at: position, in: state, firstTxID: firstTxID, madeAt: madeAt)
    }

    /// `appendChars(chars, position)`: chunks of 512 graphemes, each one `appendItems(chunk, position)`
    /// transaction, with `position` advanced by the chunk length after each.
    public static func appendChars(
        _ characters: [String], at position: Int, in state: CoPlainTextState, firstTxID: TransactionID, madeAt: UInt64
    ) throws(CRDTError) -> [[JSONValue]] {
        try appendChars(characters, at: position, in: state, firstTxID: firstTxID, madeAt: madeAt, forceSimulation: false)
    }

    /// `forceSimulation` rebuilds the list after every chunk (the reference behaviour). Otherwise, when the
    /// new transactions sort after every existing one (the normal case for a writer), each chunk's items
    /// are known to land right after its anchor, and the element list is updated in place instead.
    static func appendChars(
        _ characters: [String], at position: Int, in state: CoPlainTextState, firstTxID: TransactionID, madeAt: UInt64,
        forceSimulation: Bool
    ) throws(CRDTError) -> [[JSONValue]] {
        guard !characters.isEmpty else { return [] }
        let firstNew = DecodedTransaction(txID: firstTxID, madeAt: madeAt, changes: [])
        let newestAreOurs = state.list.transactions.last.map { DecodedTransaction.precedes($0, firstNew) } ?? true
        var result: [[JSONValue]] = []
        var working = state
        var elements: [CoListOpID] = forceSimulation || !newestAreOurs ? [] : state.entries.map(\.opID)
        let fastPath = !forceSimulation && newestAreOurs
        var position = position
        var txIndex = firstTxID.txIndex
        var start = 0
        while start < characters.count {
            let end = min(start + maxGraphemesPerTransaction, characters.count)
            let chunk = characters[start..<end].map { JSONValue.string($0) }
            let txID = TransactionID(sessionID: firstTxID.sessionID, txIndex: txIndex)
            if fastPath {
                let anchorIndex = max(0, position)
                let anchor: CoListOpID?
                if elements.isEmpty {
                    guard anchorIndex == 0 else { throw .invalidIndex(operation: "append", index: anchorIndex, count: 0) }
                    anchor = nil
                } else {
                    guard anchorIndex < elements.count else {
                        throw .invalidIndex(operation: "append", index: anchorIndex, count: elements.count)
                    }
                    anchor = elements[anchorIndex]
                }
                result.append(CoListChanges.appendOps(chunk, anchor: anchor))
                if end < characters.count {
                    // Items anchored to an element are written in reverse (changeIdx 0 = last item).
                    let count = chunk.count
                    let inserted = (0..<count).map { item in
                        CoListOpID(txID: txID, changeIdx: anchor == nil ? item : count - 1 - item)
                    }
                    if anchor == nil { elements = inserted } else { elements.insert(contentsOf: inserted, at: anchorIndex + 1) }
                }
            } else {
                let changes = try CoListChanges.append(chunk, after: position, in: working.list)
                result.append(changes)
                if end < characters.count {
                    working = working.applying([DecodedTransaction(txID: txID, madeAt: madeAt, changes: changes)])
                }
            }
            position += chunk.count
            txIndex += 1
            start = end
        }
        return result
    }

    /// `deleteRange({from, to})`: one transaction deleting elements `from ..< to`. An empty range gives
    /// `[]` (cojson still writes an empty transaction).
    public static func deleteRange(from: Int, to: Int, in state: CoPlainTextState) throws(CRDTError) -> [JSONValue] {
        var changes: [JSONValue] = []
        var index = from
        while index < to {
            guard let entry = state.list.entry(at: index) else {
                throw .invalidIndex(operation: "deleteRange", index: index, count: state.count)
            }
            changes.append(CoListChanges.deletion(of: entry.opID))
            index += 1
        }
        return changes
    }
}
