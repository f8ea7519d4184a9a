/// How much history a home keeps: applied after every add, import and sync, in the same transaction.
/// The same preferences give the same entries on every device: age is measured from `createdAt`, and
/// `maxEntries` keeps the newest by (`createdAt`, `id`).
public struct HistoryRetention: Sendable, Equatable {
    /// Keep at most this many live entries (the oldest go first); 0 = unlimited.
    public var maxEntries: Int
    /// Drop live entries older than this many days; 0 = unlimited.
    public var maxAgeDays: Int
    /// `caro history delete --all`'s watermark (ms since the epoch): no entry created at or before it
    /// is kept, whenever and from wherever it arrives; 0 = none.
    public var clearedBefore: Int64

    public init(maxEntries: Int = 10_000, maxAgeDays: Int = 0, clearedBefore: Int64 = 0) {
        self.maxEntries = maxEntries
        self.maxAgeDays = maxAgeDays
        self.clearedBefore = clearedBefore
    }

    /// Keeps everything.
    public static let unlimited = HistoryRetention(maxEntries: 0, maxAgeDays: 0)
}

/// What a bulk insert did.
public struct HistoryInsertResult: Sendable, Equatable {
    /// Rows stored.
    public var inserted: Int
    /// Rows skipped because a row with the same `id` or `importKey` was already stored.
    public var duplicates: Int
    /// Live entries removed by retention (or a delete-all watermark) afterwards.
    public var expired: Int

    public init(inserted: Int = 0, duplicates: Int = 0, expired: Int = 0) {
        self.inserted = inserted
        self.duplicates = duplicates
        self.expired = expired
    }
}

/// Counts over the whole history.
public struct HistoryStoreStats: Sendable, Equatable {
    /// Live (not deleted) entries.
    public var live: Int
    /// Tombstones (deleted entries kept for sync).
    public var deleted: Int
    /// Entries not yet pushed by sync.
    public var pending: Int
    /// The oldest and newest live entries' times (ms since the epoch).
    public var oldest: Int64?
    public var newest: Int64?
    /// The most frequent commands (live entries), most frequent first.
    public var topCommands: [(command: String, count: Int)]

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.live == rhs.live && lhs.deleted == rhs.deleted && lhs.pending == rhs.pending && lhs.oldest == rhs.oldest
            && lhs.newest == rhs.newest && lhs.topCommands.elementsEqual(rhs.topCommands) { $0 == $1 }
    }
}
