import HeraldHub
import NIOCore
import VaporCSQLite

/// A statement prepared once on a ``SQLiteDatabase`` and run many times: bind, step, reset.
///
/// Values are bound by copying them into SQLite, so nothing bound need outlive the call that binds it.
final class SQLiteStatement {
    private let handle: OpaquePointer
    private let database: SQLiteDatabase

    /// SQLite's `SQLITE_TRANSIENT`, a C macro Swift cannot import: copy what is bound.
    private static let copyBoundValue = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    init(_ handle: OpaquePointer, of database: SQLiteDatabase) {
        self.handle = handle
        self.database = database
    }

    deinit {
        sqlite_nio_sqlite3_finalize(handle)
    }

    func bind(_ value: Int64, at index: Int32) throws(EventStoreError) {
        try check(sqlite_nio_sqlite3_bind_int64(handle, index, value), doing: "bind a number")
    }

    func bind(_ value: String, at index: Int32) throws(EventStoreError) {
        var value = value
        let result = value.withUTF8 { text in
            sqlite_nio_sqlite3_bind_text64(handle, index, text.baseAddress, UInt64(text.count), Self.copyBoundValue, UInt8(SQLITE_UTF8))
        }
        try check(result, doing: "bind text")
    }

    func bind(_ value: ByteBuffer, at index: Int32) throws(EventStoreError) {
        let result = value.withUnsafeReadableBytes { bytes in
            // A blob of no bytes still needs a non-null pointer, or SQLite binds NULL.
            sqlite_nio_sqlite3_bind_blob64(
                handle,
                index,
                bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1),
                UInt64(bytes.count),
                Self.copyBoundValue
            )
        }
        try check(result, doing: "bind a blob")
    }

    /// Runs the statement to its next row: `true` when a row is ready to read, `false` when done.
    /// On an error, the statement is reset and can be run again.
    func step() throws(EventStoreError) -> Bool {
        guard database.isOpen else { throw EventStoreError("SQLite could not run a statement: the store is closed") }
        switch sqlite_nio_sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let result:
            let error = database.error(result, doing: "run \(String(cString: sqlite_nio_sqlite3_sql(handle)).prefix(60))")
            sqlite_nio_sqlite3_reset(handle)
            throw error
        }
    }

    /// Runs a statement that returns no rows, then readies it for the next run.
    func run() throws(EventStoreError) {
        defer { reset() }
        _ = try step()
    }

    /// Readies the statement to run again, with its bindings cleared.
    func reset() {
        sqlite_nio_sqlite3_reset(handle)
        sqlite_nio_sqlite3_clear_bindings(handle)
    }

    func integer(at column: Int32) -> Int64 {
        sqlite_nio_sqlite3_column_int64(handle, column)
    }

    func text(at column: Int32) -> String {
        guard let text = sqlite_nio_sqlite3_column_text(handle, column) else { return "" }
        let count = Int(sqlite_nio_sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    func blob(at column: Int32) -> ByteBuffer {
        let pointer = sqlite_nio_sqlite3_column_blob(handle, column)
        let count = Int(sqlite_nio_sqlite3_column_bytes(handle, column))
        return ByteBuffer(bytes: UnsafeRawBufferPointer(start: pointer, count: pointer == nil ? 0 : count))
    }

    /// Whether the column holds SQL `NULL`, as an aggregate over no rows does.
    func isNull(at column: Int32) -> Bool {
        sqlite_nio_sqlite3_column_type(handle, column) == SQLITE_NULL
    }

    private func check(_ result: Int32, doing what: String) throws(EventStoreError) {
        guard result == SQLITE_OK else { throw database.error(result, doing: what) }
    }
}
