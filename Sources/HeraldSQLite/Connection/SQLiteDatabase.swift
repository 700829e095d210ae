import HeraldHub
// sqlite-nio's vendored SQLite, its symbols prefixed `sqlite_nio_`: the library the package already
// builds, driven directly so statements are prepared once and run on the caller's thread.
import VaporCSQLite

/// One connection to a SQLite file through SQLite's C interface.
///
/// Opened without SQLite's own locking (`SQLITE_OPEN_NOMUTEX`): its owner keeps it behind a lock and
/// uses it from one thread at a time. Statements it prepares keep it alive, and the file is closed
/// once the connection and all its statements are gone, or at ``close()``.
final class SQLiteDatabase {
    /// The connection; `nil` once closed.
    private var handle: OpaquePointer?
    let path: String
    /// Where SQLite's write-ahead-log hook leaves the log's size, in pages, after each commit.
    private let logPages = UnsafeMutablePointer<Int32>.allocate(capacity: 1)

    init(path: String) throws(EventStoreError) {
        self.path = path
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_CREATE | SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        let result = sqlite_nio_sqlite3_open_v2(path, &handle, flags, nil)
        guard result == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite_nio_sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite_nio_sqlite3_close_v2(handle)
            throw EventStoreError("SQLite could not open \(path): \(message) (code \(result))")
        }
        self.handle = handle
        logPages.initialize(to: 0)
        // The hook replaces SQLite's automatic checkpoint, which would run inside whichever commit
        // filled the log, with two fsyncs, on the thread that committed (a publisher's event loop):
        // the store checkpoints on a thread of its own instead, when ``writeAheadLogPages`` says so.
        sqlite_nio_sqlite3_wal_hook(
            handle,
            { context, _, _, pages in
                context?.assumingMemoryBound(to: Int32.self).pointee = pages
                return SQLITE_OK
            },
            UnsafeMutableRawPointer(logPages)
        )
    }

    deinit {
        close()
        logPages.deallocate()
    }

    /// The write-ahead log's size, in pages, after this connection's last commit.
    var writeAheadLogPages: Int { Int(logPages.pointee) }

    /// Runs `sql`, one or more statements whose rows, if any, are not needed.
    func execute(_ sql: String) throws(EventStoreError) {
        let handle = try openHandle(doing: sql)
        var message: UnsafeMutablePointer<CChar>?
        let result = sqlite_nio_sqlite3_exec(handle, sql, nil, nil, &message)
        defer { sqlite_nio_sqlite3_free(message) }
        guard result == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite_nio_sqlite3_errstr(result))
            throw EventStoreError("SQLite could not run \(sql.prefix(60)): \(text) (code \(result))")
        }
    }

    /// Prepares `sql` once, to be run as often as needed.
    func prepare(_ sql: String) throws(EventStoreError) -> SQLiteStatement {
        let handle = try openHandle(doing: sql)
        var statement: OpaquePointer?
        let result = sqlite_nio_sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard result == SQLITE_OK, let statement else {
            throw error(result, doing: "prepare \(sql.prefix(60))")
        }
        return SQLiteStatement(statement, of: self)
    }

    /// The row id of the row the last successful `INSERT` on this connection added.
    var lastInsertedRowID: Int64 {
        handle.map { sqlite_nio_sqlite3_last_insert_rowid($0) } ?? 0
    }

    /// How many rows the last `INSERT`, `UPDATE` or `DELETE` changed.
    var changes: Int {
        handle.map { Int(sqlite_nio_sqlite3_changes64($0)) } ?? 0
    }

    /// Copies what the write-ahead log holds into the database file, as far as no reader still needs
    /// it, without blocking writers or readers (`SQLITE_CHECKPOINT_PASSIVE`).
    func checkpoint() throws(EventStoreError) {
        let handle = try openHandle(doing: "checkpoint")
        let result = sqlite_nio_sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
        guard result == SQLITE_OK || result == SQLITE_BUSY else { throw error(result, doing: "checkpoint the write-ahead log") }
    }

    /// Closes the connection; what it prepared fails from now on, and the file is released once
    /// those statements are gone too.
    func close() {
        guard let handle else { return }
        self.handle = nil
        sqlite_nio_sqlite3_wal_hook(handle, nil, nil)
        sqlite_nio_sqlite3_close_v2(handle)
    }

    /// An error saying what could not be done and what SQLite said, such as "database or disk is full".
    func error(_ result: Int32, doing what: String) -> EventStoreError {
        let message = handle.map { String(cString: sqlite_nio_sqlite3_errmsg($0)) } ?? String(cString: sqlite_nio_sqlite3_errstr(result))
        return EventStoreError("SQLite could not \(what): \(message) (code \(result))")
    }

    private func openHandle(doing what: String) throws(EventStoreError) -> OpaquePointer {
        guard let handle else { throw EventStoreError("SQLite could not \(what.prefix(60)): the store is closed") }
        return handle
    }

    /// Whether the connection is still open; statements check it before touching their handle.
    var isOpen: Bool { handle != nil }
}
