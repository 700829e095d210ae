import Foundation
public import HeraldHub
public import Logging
public import NIOCore
import SQLiteNIO

/// The default store: one SQLite file in write-ahead-log mode, embedded in the hub's process.
///
/// What an acknowledged update survives is ``Durability``: by default a crash of the hub's process.
public final class SQLiteEventStore: EventStore {
    /// How hard each commit holds on to the disk: SQLite's `synchronous` setting.
    public enum Durability: String, Sendable, CaseIterable {
        /// `synchronous=NORMAL`, the default: a commit is written to the write-ahead log but not
        /// fsynced one by one. Every update the hub acknowledged survives a crash (or `kill -9`) of
        /// the hub's process; a power loss or a kernel crash may lose the last moments' updates.
        case normal
        /// `synchronous=FULL`: every commit is fsynced before the publisher is answered, so an
        /// acknowledged update survives a power loss too, at the cost of one fsync per batch.
        case full
    }

    private let connection: SQLiteConnection

    private init(connection: SQLiteConnection) {
        self.connection = connection
    }

    /// Opens (creating if needed) the database at `path`.
    public static func open(
        path: String,
        durability: Durability = .normal,
        logger: Logger = Logger(label: "herald.store")
    ) async throws -> SQLiteEventStore {
        let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        let store = SQLiteEventStore(connection: connection)
        do {
            try await store.execute("PRAGMA journal_mode=WAL")
            try await store.execute(durability == .full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL")
            try await store.execute("PRAGMA busy_timeout=5000")
            try await store.createHistory()
            // One row, rewritten by each health check: a write that fails when the disk is full or
            // the file read-only, as a publish would.
            try await store.execute("CREATE TABLE IF NOT EXISTS health (id INTEGER PRIMARY KEY, checked_at INTEGER NOT NULL)")
        } catch {
            try? await connection.close()
            throw error
        }
        return store
    }

    public func append(contentsOf updates: [(update: Update, frame: ByteBuffer)]) async throws -> [StoredUpdate] {
        guard !updates.isEmpty else { return [] }
        // One statement for the whole batch: one trip to SQLite's thread and one commit.
        let row = "(?, ?, ?, ?, ?)"
        let rowsText = repeatElement(row, count: updates.count).joined(separator: ", ")
        var binds: [SQLiteData] = []
        binds.reserveCapacity(updates.count * 5)
        let now = Self.nowMilliseconds()
        for (update, frame) in updates {
            binds += [.text(update.id), .text(Self.encodeTopics(update.topics)), .integer(update.isPrivate ? 1 : 0), .blob(frame), .integer(now)]
        }
        let rows = try await connection.query(
            "INSERT INTO history (id, topics, private, frame, created_at) VALUES \(rowsText) RETURNING sequence",
            binds
        )
        // Rows are inserted in the order of VALUES, each numbered above the one before, but
        // RETURNING gives them in no promised order: sorted, the sequences line up with the input.
        let sequences = rows.compactMap { $0.column("sequence")?.integer }.sorted()
        guard sequences.count == updates.count else {
            throw EventStoreError("the insert returned \(sequences.count) sequence numbers for \(updates.count) updates")
        }
        return zip(updates, sequences).map { entry, sequence in
            let (update, frame) = entry
            return StoredUpdate(sequence: Int64(sequence), id: update.id, topics: update.topics, isPrivate: update.isPrivate, frame: frame)
        }
    }

    public func sequence(ofID id: String) async throws -> Int64? {
        let rows = try await connection.query("SELECT MAX(sequence) AS sequence FROM history WHERE id = ?", [.text(id)])
        return rows.first?.column("sequence")?.integer.map(Int64.init)
    }

    public func newest() async throws -> (sequence: Int64, id: String)? {
        let rows = try await connection.query("SELECT sequence, id FROM history ORDER BY sequence DESC LIMIT 1", [])
        guard let row = rows.first, let sequence = row.column("sequence")?.integer, let id = row.column("id")?.string else { return nil }
        return (Int64(sequence), id)
    }

    public func updates(after sequence: Int64, through: Int64, limit: Int, maximumBytes: Int) async throws -> [StoredUpdate] {
        // The sizes first (SQLite answers `LENGTH` of a blob without reading it), then the events
        // that fit: a page never loads more than it returns.
        let sizes = try await connection.query(
            "SELECT sequence, LENGTH(frame) AS size FROM history WHERE sequence > ? AND sequence <= ? ORDER BY sequence LIMIT ?",
            [.integer(Int(sequence)), .integer(Int(through)), .integer(limit)]
        )
        var last: Int?
        var bytes = 0
        for row in sizes {
            guard let rowSequence = row.column("sequence")?.integer, let size = row.column("size")?.integer else {
                throw EventStoreError("a stored update has a missing or mistyped column")
            }
            if last != nil && bytes + size > maximumBytes { break }
            bytes += size
            last = rowSequence
        }
        guard let last else { return [] }
        let rows = try await connection.query(
            "SELECT sequence, id, topics, private, frame FROM history WHERE sequence > ? AND sequence <= ? ORDER BY sequence",
            [.integer(Int(sequence)), .integer(last)]
        )
        return try rows.map { row in
            guard let sequence = row.column("sequence")?.integer, let id = row.column("id")?.string,
                let topics = row.column("topics")?.string, let isPrivate = row.column("private")?.integer,
                case .blob(let frame) = row.column("frame")
            else { throw EventStoreError("a stored update has a missing or mistyped column") }
            return StoredUpdate(sequence: Int64(sequence), id: id, topics: try Self.decodeTopics(topics), isPrivate: isPrivate != 0, frame: frame)
        }
    }

    /// Removes the oldest updates, but never the newest one: sequence numbers come from the highest
    /// stored, so an empty table would number the next update 1 again, below what subscribers have
    /// already seen.
    public func trim(maximumCount: Int?, maximumAge: Duration?) async throws -> Int {
        var removed = 0
        if let maximumCount {
            removed += try await connection.query(
                "DELETE FROM history WHERE sequence <= (SELECT MAX(sequence) FROM history) - ? RETURNING sequence",
                [.integer(max(maximumCount, 1))]
            ).count
        }
        if let maximumAge {
            // History is in publishing order, so what is too old is everything before the first
            // update young enough to keep: found by reading from the oldest, with no index on age
            // for every publish to update.
            let cutoff = Self.nowMilliseconds() - Int(maximumAge.components.seconds * 1000)
            removed += try await connection.query(
                """
                DELETE FROM history WHERE sequence < COALESCE(
                    (SELECT sequence FROM history WHERE created_at >= ? ORDER BY sequence LIMIT 1),
                    (SELECT MAX(sequence) FROM history)
                ) RETURNING sequence
                """,
                [.integer(cutoff)]
            ).count
        }
        return removed
    }

    public func checkWritable() async throws {
        _ = try await connection.query("INSERT OR REPLACE INTO health (id, checked_at) VALUES (1, ?)", [.integer(Self.nowMilliseconds())])
    }

    public func close() async throws {
        try await connection.close()
    }

    // MARK: - Helpers

    /// The history table, holding only what replay reads: each publish writes one row and one index
    /// (by id, for `Last-Event-ID`). Sequence numbers are SQLite's row ids; `trim` keeps them rising.
    ///
    /// Earlier builds kept history in the table `updates`, which also held each update's fields beside
    /// its encoded event, numbered rows with `AUTOINCREMENT` and indexed them by age: three more pages
    /// written by every publish. Its rows move to `history` the first time such a file is opened.
    private func createHistory() async throws {
        try await execute("BEGIN IMMEDIATE")
        do {
            try await execute(
                """
                CREATE TABLE IF NOT EXISTS history (
                    sequence INTEGER PRIMARY KEY,
                    id TEXT NOT NULL,
                    topics TEXT NOT NULL,
                    private INTEGER NOT NULL,
                    frame BLOB NOT NULL,
                    created_at INTEGER NOT NULL
                )
                """
            )
            try await execute("CREATE INDEX IF NOT EXISTS history_by_id ON history (id)")
            let legacy = try await connection.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'updates'", [])
            if !legacy.isEmpty {
                try await execute(
                    """
                    INSERT INTO history (sequence, id, topics, private, frame, created_at)
                    SELECT sequence, id, topics, private, frame, created_at FROM updates ORDER BY sequence
                    """
                )
                try await execute("DROP TABLE updates")
            }
            try await execute("COMMIT")
        } catch {
            try? await execute("ROLLBACK")
            throw error
        }
    }

    private func execute(_ sql: String) async throws {
        _ = try await connection.query(sql, [])
    }

    private static func nowMilliseconds() -> Int {
        Int(Date().timeIntervalSince1970 * 1000)
    }

    /// The topics as a JSON array of strings, written directly: a `JSONEncoder` per publish cost
    /// more than the rest of the row.
    static func encodeTopics(_ topics: [String]) -> String {
        var json = "["
        for (index, topic) in topics.enumerated() {
            if index > 0 { json += "," }
            json += "\""
            for scalar in topic.unicodeScalars {
                switch scalar {
                case "\"": json += "\\\""
                case "\\": json += "\\\\"
                case _ where scalar.value < 0x20:
                    let hex = String(scalar.value, radix: 16)
                    json += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                default: json.unicodeScalars.append(scalar)
                }
            }
            json += "\""
        }
        return json + "]"
    }

    static func decodeTopics(_ text: String) throws -> [String] {
        try JSONDecoder().decode([String].self, from: Data(text.utf8))
    }
}
