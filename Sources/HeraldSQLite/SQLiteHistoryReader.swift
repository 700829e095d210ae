import HeraldHub
import NIOCore

/// The store's reading connection and its prepared statements: replay's pages, the newest update,
/// an id's place in history, and the checkpoints that move the write-ahead log into the file.
///
/// A connection of its own, so reading never waits for a write: in write-ahead-log mode each read
/// sees the history as of its start, while the writer goes on.
final class SQLiteHistoryReader {
    let database: SQLiteDatabase
    private let sequenceOfID: SQLiteStatement
    private let newest: SQLiteStatement
    private let sizes: SQLiteStatement
    private let page: SQLiteStatement

    init(database: SQLiteDatabase) throws(EventStoreError) {
        self.database = database
        sequenceOfID = try database.prepare("SELECT MAX(sequence) FROM history WHERE id = ?")
        newest = try database.prepare("SELECT sequence, id FROM history ORDER BY sequence DESC LIMIT 1")
        // SQLite answers `LENGTH` of a blob without reading it.
        sizes = try database.prepare("SELECT sequence, LENGTH(frame) FROM history WHERE sequence > ? AND sequence <= ? ORDER BY sequence LIMIT ?")
        page = try database.prepare("SELECT sequence, id, topics, private, frame FROM history WHERE sequence > ? AND sequence <= ? ORDER BY sequence")
    }

    func sequence(ofID id: String) throws(EventStoreError) -> Int64? {
        defer { sequenceOfID.reset() }
        try sequenceOfID.bind(id, at: 1)
        guard try sequenceOfID.step(), !sequenceOfID.isNull(at: 0) else { return nil }
        return sequenceOfID.integer(at: 0)
    }

    func newestUpdate() throws(EventStoreError) -> (sequence: Int64, id: String)? {
        defer { newest.reset() }
        guard try newest.step() else { return nil }
        return (newest.integer(at: 0), newest.text(at: 1))
    }

    /// The updates after `sequence`, at most `through`, `limit` and what fits in `maximumBytes` of
    /// encoded events (always the first): the sizes first, so a page never loads more than it returns.
    func updates(after sequence: Int64, through: Int64, limit: Int, maximumBytes: Int) throws(EventStoreError) -> [StoredUpdate] {
        var last: Int64?
        do {
            defer { sizes.reset() }
            try sizes.bind(sequence, at: 1)
            try sizes.bind(through, at: 2)
            try sizes.bind(Int64(limit), at: 3)
            var bytes = 0
            while try sizes.step() {
                let size = Int(sizes.integer(at: 1))
                if last != nil && bytes + size > maximumBytes { break }
                bytes += size
                last = sizes.integer(at: 0)
            }
        }
        guard let last else { return [] }
        defer { page.reset() }
        try page.bind(sequence, at: 1)
        try page.bind(last, at: 2)
        var updates: [StoredUpdate] = []
        while try page.step() {
            let topics: [String]
            do {
                topics = try TopicsColumn.decode(page.text(at: 2))
            } catch {
                throw EventStoreError("stored update \(page.integer(at: 0)) has topics that are not a JSON array of strings")
            }
            updates.append(
                StoredUpdate(
                    sequence: page.integer(at: 0),
                    id: page.text(at: 1),
                    topics: topics,
                    isPrivate: page.integer(at: 3) != 0,
                    frame: page.blob(at: 4)
                )
            )
        }
        return updates
    }
}
