import CaroStore

/// Merges history batches from any number of devices, in any order, into what SQLite must hold:
/// entries keep their IDs (an ID seen twice is one entry) and a deletion wins over its entry whatever
/// came first. Pure; the result does not depend on the order of `batches`.
public struct RemoteMerge: Sendable, Equatable {
    /// Live entries not deleted by any batch, by ID order.
    public var entries: [HistoryRow] = []
    /// Every deletion (the earliest time per ID), by ID order.
    public var deletions: [HistoryBatch.Deletion] = []

    public init(_ batches: some Sequence<HistoryBatch>) {
        var entries: [String: HistoryRow] = [:]
        var deletedAt: [String: Int64] = [:]
        for batch in batches {
            for row in batch.entries where entries[row.id] == nil { entries[row.id] = row }
            for deletion in batch.deletions { deletedAt[deletion.id] = min(deletedAt[deletion.id] ?? .max, deletion.deletedAt) }
        }
        self.entries = entries.values.filter { deletedAt[$0.id] == nil }.sorted { $0.id < $1.id }
        self.deletions = deletedAt.map { HistoryBatch.Deletion(id: $0.key, deletedAt: $0.value) }.sorted { $0.id < $1.id }
    }

    public var isEmpty: Bool { entries.isEmpty && deletions.isEmpty }
}
