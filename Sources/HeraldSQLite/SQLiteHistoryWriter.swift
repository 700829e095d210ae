import HeraldHub
import NIOCore

/// The store's one writing connection and its prepared statements: every change to the file goes
/// through it, under the store's lock, so writes never wait on SQLite's busy handler.
final class SQLiteHistoryWriter {
    /// Rows a trim removes per transaction: the lock is released between them, so a publish waiting
    /// for it waits for one chunk, not for the whole trim.
    static let trimChunk: Int64 = 1_000

    let database: SQLiteDatabase
    private let begin: SQLiteStatement
    private let commit: SQLiteStatement
    private let rollback: SQLiteStatement
    private let insert: SQLiteStatement
    private let trimByCount: SQLiteStatement
    private let trimByAge: SQLiteStatement
    private let recordHealth: SQLiteStatement

    init(database: SQLiteDatabase) throws(EventStoreError) {
        self.database = database
        begin = try database.prepare("BEGIN IMMEDIATE")
        commit = try database.prepare("COMMIT")
        rollback = try database.prepare("ROLLBACK")
        insert = try database.prepare("INSERT INTO history (id, topics, private, frame, created_at) VALUES (?, ?, ?, ?, ?)")
        // Never the newest row: sequence numbers are row ids, one above the highest stored, so an
        // emptied history would number the next update below what subscribers have seen.
        trimByCount = try database.prepare(
            """
            DELETE FROM history WHERE sequence <= MIN(
                (SELECT MAX(sequence) FROM history) - MAX(?1, 1),
                (SELECT MIN(sequence) FROM history) + ?2 - 1
            )
            """
        )
        // History is in publishing order, so what is too old is everything before the first update
        // young enough to keep: found by reading from the oldest, with no index on age for every
        // publish to update.
        trimByAge = try database.prepare(
            """
            DELETE FROM history WHERE sequence < MIN(
                COALESCE(
                    (SELECT sequence FROM history WHERE created_at >= ?1 ORDER BY sequence LIMIT 1),
                    (SELECT MAX(sequence) FROM history)
                ),
                (SELECT MIN(sequence) FROM history) + ?2
            )
            """
        )
        recordHealth = try database.prepare("INSERT OR REPLACE INTO health (id, checked_at) VALUES (1, ?)")
    }

    /// Stores `updates` in one transaction and returns them numbered, in the order given.
    func append(_ updates: [(update: Update, frame: ByteBuffer)], at now: Int64) throws(EventStoreError) -> [StoredUpdate] {
        // One update commits on its own, without the two statements a transaction costs.
        let isBatch = updates.count > 1
        if isBatch { try begin.run() }
        do {
            var stored: [StoredUpdate] = []
            stored.reserveCapacity(updates.count)
            for (update, frame) in updates {
                try insert.bind(update.id, at: 1)
                try insert.bind(TopicsColumn.encode(update.topics), at: 2)
                try insert.bind(update.isPrivate ? 1 : 0, at: 3)
                try insert.bind(frame, at: 4)
                try insert.bind(now, at: 5)
                try insert.run()
                let sequence = database.lastInsertedRowID
                stored.append(StoredUpdate(sequence: sequence, id: update.id, topics: update.topics, isPrivate: update.isPrivate, frame: frame))
            }
            if isBatch { try commit.run() }
            return stored
        } catch {
            // Nothing half-written: what the batch inserted goes with it.
            if isBatch { try? rollback.run() }
            throw error
        }
    }

    /// Removes up to ``trimChunk`` of the oldest updates beyond the newest `maximumCount`.
    func trimChunk(keepingNewest maximumCount: Int) throws(EventStoreError) -> Int {
        try trimByCount.bind(Int64(maximumCount), at: 1)
        try trimByCount.bind(Self.trimChunk, at: 2)
        try trimByCount.run()
        return database.changes
    }

    /// Removes up to ``trimChunk`` of the oldest updates stored before `cutoff` (milliseconds since 1970).
    func trimChunk(olderThan cutoff: Int64) throws(EventStoreError) -> Int {
        try trimByAge.bind(cutoff, at: 1)
        try trimByAge.bind(Self.trimChunk, at: 2)
        try trimByAge.run()
        return database.changes
    }

    /// Rewrites one row: fails as a publish would when the disk is full or the file read-only.
    func checkWritable(at now: Int64) throws(EventStoreError) {
        try recordHealth.bind(now, at: 1)
        try recordHealth.run()
    }
}
