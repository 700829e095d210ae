import Foundation
public import HeraldHub
public import Logging
public import NIOCore
import NIOPosix
import Synchronization

/// The default store: one SQLite file in write-ahead-log mode, embedded in the hub's process.
///
/// What an acknowledged update survives is ``Durability``: by default a crash of the hub's process.
///
/// With the default durability a publish is stored on the publisher's own thread, with statements
/// prepared once, and answered as soon as its commit returns: a commit then writes the log, with no
/// fsync, in tens of microseconds, where a hop to another thread and back costs more. Whatever may
/// take longer (reading history, trimming, moving the log into the file, and each commit's fsync
/// with ``Durability/full``) runs on the store's own threads.
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

    /// The write-ahead log's size, in pages, past which it is moved into the file: SQLite's own
    /// default for its automatic checkpoint.
    static let checkpointPages = 1_000

    private let durability: Durability
    private let writer: Mutex<SQLiteHistoryWriter>
    private let reader: Mutex<SQLiteHistoryReader>
    /// Reads, trims, checkpoints and, with ``Durability/full``, commits: work that may wait on the disk.
    private let threads: NIOThreadPool
    private let isCheckpointing = Atomic(false)
    private let logger: Logger

    private init(
        durability: Durability,
        writer: sending SQLiteHistoryWriter,
        reader: sending SQLiteHistoryReader,
        threads: NIOThreadPool,
        logger: Logger
    ) {
        self.durability = durability
        self.writer = Mutex(writer)
        self.reader = Mutex(reader)
        self.threads = threads
        self.logger = logger
    }

    /// Opens (creating if needed) the database at `path`.
    public static func open(
        path: String,
        durability: Durability = .normal,
        logger: Logger = Logger(label: "herald.store")
    ) async throws -> SQLiteEventStore {
        let threads = NIOThreadPool(numberOfThreads: 2)
        threads.start()
        do {
            // Opened on the store's threads, as a migration may take a while; the store is made
            // there too, so the connections never cross threads unguarded.
            return try await threads.runIfActive {
                let writing = try SQLiteDatabase(path: path)
                try writing.execute("PRAGMA journal_mode=WAL")
                try writing.execute(durability == .full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL")
                try writing.execute("PRAGMA busy_timeout=5000")
                try createHistory(in: writing)
                // One row, rewritten by each health check: a write that fails when the disk is full
                // or the file read-only, as a publish would.
                try writing.execute("CREATE TABLE IF NOT EXISTS health (id INTEGER PRIMARY KEY, checked_at INTEGER NOT NULL)")
                let reading = try SQLiteDatabase(path: path)
                try reading.execute("PRAGMA busy_timeout=5000")
                return SQLiteEventStore(
                    durability: durability,
                    writer: try SQLiteHistoryWriter(database: writing),
                    reader: try SQLiteHistoryReader(database: reading),
                    threads: threads,
                    logger: logger
                )
            }
        } catch {
            try? await threads.shutdownGracefully()
            throw error
        }
    }

    public func append(contentsOf updates: [(update: Update, frame: ByteBuffer)]) async throws -> [StoredUpdate] {
        guard !updates.isEmpty else { return [] }
        let now = Self.nowMilliseconds()
        let (stored, logPages) =
            switch durability {
            case .normal: try commit(updates, at: now)
            // An fsync can take milliseconds: not on the publisher's event loop.
            case .full: try await threads.runIfActive { try self.commit(updates, at: now) }
            }
        if logPages >= Self.checkpointPages { startCheckpoint() }
        return stored
    }

    /// Stores `updates` with the writer; returns them numbered, and the write-ahead log's size after.
    private func commit(_ updates: [(update: Update, frame: ByteBuffer)], at now: Int64) throws -> ([StoredUpdate], logPages: Int) {
        try writer.withLock { writer throws(EventStoreError) in
            (try writer.append(updates, at: now), writer.database.writeAheadLogPages)
        }
    }

    public func sequence(ofID id: String) async throws -> Int64? {
        try await read { try $0.sequence(ofID: id) }
    }

    public func newest() async throws -> (sequence: Int64, id: String)? {
        try await read { try $0.newestUpdate() }
    }

    public func updates(after sequence: Int64, through: Int64, limit: Int, maximumBytes: Int) async throws -> [StoredUpdate] {
        try await read { try $0.updates(after: sequence, through: through, limit: limit, maximumBytes: maximumBytes) }
    }

    /// Removes the oldest updates, but never the newest one, a chunk per transaction so that a
    /// publish waiting for the writer waits for one chunk at most.
    public func trim(maximumCount: Int?, maximumAge: Duration?) async throws -> Int {
        let cutoff = maximumAge.map { Self.nowMilliseconds() - Int64($0.components.seconds * 1000) }
        return try await threads.runIfActive {
            var removed = 0
            if let maximumCount { removed += try self.removeInChunks { try $0.trimChunk(keepingNewest: maximumCount) } }
            if let cutoff { removed += try self.removeInChunks { try $0.trimChunk(olderThan: cutoff) } }
            return removed
        }
    }

    public func checkWritable() async throws {
        let now = Self.nowMilliseconds()
        try await threads.runIfActive {
            try self.writer.withLock { writer throws(EventStoreError) in try writer.checkWritable(at: now) }
        }
    }

    public func close() async throws {
        try await threads.shutdownGracefully()
        writer.withLock { $0.database.close() }
        reader.withLock { $0.database.close() }
    }

    // MARK: - Helpers

    /// Runs `body` with the reading connection, on the store's threads.
    private func read<Value: Sendable>(_ body: @escaping @Sendable (SQLiteHistoryReader) throws -> Value) async throws -> Value {
        try await threads.runIfActive { try self.reader.withLock { try body($0) } }
    }

    /// Runs `chunk` with the writer, taking the lock for each chunk, until a chunk removes nothing;
    /// returns how many rows were removed in all.
    private func removeInChunks(_ chunk: (SQLiteHistoryWriter) throws -> Int) throws -> Int {
        var removed = 0
        while true {
            let count = try writer.withLock { try chunk($0) }
            if count == 0 { return removed }
            removed += count
        }
    }

    /// Moves the write-ahead log into the database file on the store's threads, one checkpoint at a
    /// time: the log then starts over from its beginning, so it stays near ``checkpointPages``.
    private func startCheckpoint() {
        guard isCheckpointing.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else { return }
        threads.submit { state in
            defer { self.isCheckpointing.store(false, ordering: .relaxed) }
            guard state == .active else { return }
            do {
                try self.reader.withLock { reader throws(EventStoreError) in try reader.database.checkpoint() }
            } catch {
                self.logger.warning("could not move the write-ahead log into the database file", metadata: ["error": "\(error)"])
            }
        }
    }

    /// The history table, holding only what replay reads: each publish writes one row and one index
    /// (by id, for `Last-Event-ID`). Sequence numbers are SQLite's row ids; `trim` keeps them rising.
    ///
    /// Earlier builds kept history in the table `updates`, which also held each update's fields beside
    /// its encoded event, numbered rows with `AUTOINCREMENT` and indexed them by age: three more pages
    /// written by every publish. Its rows move to `history` the first time such a file is opened.
    private static func createHistory(in database: SQLiteDatabase) throws(EventStoreError) {
        try database.execute("BEGIN IMMEDIATE")
        do {
            try database.execute(
                """
                CREATE TABLE IF NOT EXISTS history (
                    sequence INTEGER PRIMARY KEY,
                    id TEXT NOT NULL,
                    topics TEXT NOT NULL,
                    private INTEGER NOT NULL,
                    frame BLOB NOT NULL,
                    created_at INTEGER NOT NULL
                );
                CREATE INDEX IF NOT EXISTS history_by_id ON history (id)
                """
            )
            let legacy = try database.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'updates'")
            if try legacy.step() {
                legacy.reset()
                try database.execute(
                    """
                    INSERT INTO history (sequence, id, topics, private, frame, created_at)
                    SELECT sequence, id, topics, private, frame, created_at FROM updates ORDER BY sequence;
                    DROP TABLE updates
                    """
                )
            }
            try database.execute("COMMIT")
        } catch {
            try? database.execute("ROLLBACK")
            throw error
        }
    }

    private static func nowMilliseconds() -> Int64 {
        Int64(Date().timeIntervalSince1970 * 1000)
    }
}
