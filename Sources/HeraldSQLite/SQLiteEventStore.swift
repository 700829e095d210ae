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
            try await store.execute(
                """
                CREATE TABLE IF NOT EXISTS updates (
                    sequence INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL,
                    topics TEXT NOT NULL,
                    private INTEGER NOT NULL,
                    type TEXT,
                    retry INTEGER,
                    data TEXT NOT NULL,
                    frame BLOB NOT NULL,
                    created_at INTEGER NOT NULL
                )
                """
            )
            try await store.execute("CREATE INDEX IF NOT EXISTS updates_by_id ON updates (id)")
            try await store.execute("CREATE INDEX IF NOT EXISTS updates_by_age ON updates (created_at)")
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
        let row = "(?, ?, ?, ?, ?, ?, ?, ?)"
        let rowsText = repeatElement(row, count: updates.count).joined(separator: ", ")
        var binds: [SQLiteData] = []
        binds.reserveCapacity(updates.count * 8)
        let now = Self.nowMilliseconds()
        for (update, frame) in updates {
            binds += [
                .text(update.id),
                .text(Self.encodeTopics(update.topics)),
                .integer(update.isPrivate ? 1 : 0),
                update.type.map { .text($0) } ?? .null,
                update.retry.map { .integer($0) } ?? .null,
                .text(update.data),
                .blob(frame),
                .integer(now),
            ]
        }
        let rows = try await connection.query(
            "INSERT INTO updates (id, topics, private, type, retry, data, frame, created_at) VALUES \(rowsText) RETURNING sequence",
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
        let rows = try await connection.query("SELECT MAX(sequence) AS sequence FROM updates WHERE id = ?", [.text(id)])
        return rows.first?.column("sequence")?.integer.map(Int64.init)
    }

    public func newest() async throws -> (sequence: Int64, id: String)? {
        let rows = try await connection.query("SELECT sequence, id FROM updates ORDER BY sequence DESC LIMIT 1", [])
        guard let row = rows.first, let sequence = row.column("sequence")?.integer, let id = row.column("id")?.string else { return nil }
        return (Int64(sequence), id)
    }

    public func updates(after sequence: Int64, through: Int64, limit: Int, maximumBytes: Int) async throws -> [StoredUpdate] {
        // The sizes first (SQLite answers `LENGTH` of a blob without reading it), then the events
        // that fit: a page never loads more than it returns.
        let sizes = try await connection.query(
            "SELECT sequence, LENGTH(frame) AS size FROM updates WHERE sequence > ? AND sequence <= ? ORDER BY sequence LIMIT ?",
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
            "SELECT sequence, id, topics, private, frame FROM updates WHERE sequence > ? AND sequence <= ? ORDER BY sequence",
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

    public func trim(maximumCount: Int?, maximumAge: Duration?) async throws -> Int {
        var removed = 0
        if let maximumCount {
            removed += try await connection.query(
                "DELETE FROM updates WHERE sequence <= (SELECT MAX(sequence) FROM updates) - ? RETURNING sequence",
                [.integer(maximumCount)]
            ).count
        }
        if let maximumAge {
            let cutoff = Self.nowMilliseconds() - Int(maximumAge.components.seconds * 1000)
            removed += try await connection.query(
                "DELETE FROM updates WHERE created_at < ? RETURNING sequence",
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
