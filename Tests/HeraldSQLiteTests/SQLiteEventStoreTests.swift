import Foundation
import HeraldHub
import NIOCore
import SQLiteNIO
import Testing

@testable import HeraldSQLite

/// A class, so that each test's directory of store files is removed when the test ends (`deinit`).
@Suite final class SQLiteEventStoreTests {
    private let directory = FileManager.default.temporaryDirectory.appendingPathComponent("herald-store-\(UUID().uuidString)")

    init() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    /// A path for a new store file in the test's directory.
    private func temporaryPath() -> String {
        directory.appendingPathComponent("\(UUID().uuidString).sqlite").path
    }

    private func withStore(
        path: String? = nil,
        durability: SQLiteEventStore.Durability = .normal,
        _ body: (SQLiteEventStore) async throws -> Void
    ) async throws {
        let store = try await SQLiteEventStore.open(path: path ?? temporaryPath(), durability: durability)
        do {
            try await body(store)
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
    }

    private func append(_ store: SQLiteEventStore, _ id: String) async throws -> StoredUpdate {
        try await store.append(
            Update(topics: ["t", "alternate"], data: id, isPrivate: id.hasPrefix("p"), id: id),
            frame: ByteBuffer(string: "id: \(id)\n\n")
        )
    }

    @Test func appendedUpdatesComeBackInOrderWithTheirFields() async throws {
        try await withStore { store in
            #expect(try await store.newest() == nil)
            let first = try await append(store, "a")
            let second = try await append(store, "p-private")
            #expect(second.sequence > first.sequence)
            #expect(try await store.newest()?.id == "p-private")
            #expect(try await store.sequence(ofID: "a") == first.sequence)
            #expect(try await store.sequence(ofID: "missing") == nil)
            let all = try await store.updates(after: 0, through: second.sequence, limit: 10, maximumBytes: .max)
            #expect(all.map(\.id) == ["a", "p-private"])
            #expect(all.map(\.isPrivate) == [false, true])
            #expect(all[0].topics == ["t", "alternate"])
            #expect(String(buffer: all[0].frame) == "id: a\n\n")
            // `through` and `limit` bound what is read.
            #expect(try await store.updates(after: 0, through: first.sequence, limit: 10, maximumBytes: .max).map(\.id) == ["a"])
            #expect(try await store.updates(after: 0, through: second.sequence, limit: 1, maximumBytes: .max).map(\.id) == ["a"])
        }
    }

    @Test func batchIsStoredInOrderAndAnsweredInTheOrderGiven() async throws {
        try await withStore { store in
            let before = try await append(store, "before")
            // A duplicate id as well: ids are the publishers' and need not be unique.
            let ids = (0..<300).map { "b\($0)" } + ["b7"]
            let batch = ids.map { id in (update: Update(topics: ["t"], data: id, id: id), frame: ByteBuffer(string: "id: \(id)\n\n")) }
            let stored = try await store.append(contentsOf: batch)
            #expect(stored.map(\.id) == ids)
            #expect(stored.map(\.sequence) == Array(before.sequence + 1...before.sequence + Int64(ids.count)))
            let read = try await store.updates(after: before.sequence, through: .max, limit: 1000, maximumBytes: .max)
            #expect(read.map(\.id) == ids)
            #expect(read.map { String(buffer: $0.frame) } == ids.map { "id: \($0)\n\n" })
            #expect(try await store.append(contentsOf: []).isEmpty)
        }
    }

    @Test func pageStopsAtItsByteBudgetButAlwaysHoldsOneUpdate() async throws {
        try await withStore { store in
            // Each frame is `id: uN\n\n`, 8 bytes.
            for number in 1...5 { _ = try await append(store, "u\(number)") }
            #expect(try await store.updates(after: 0, through: .max, limit: 10, maximumBytes: 16).map(\.id) == ["u1", "u2"])
            #expect(try await store.updates(after: 0, through: .max, limit: 10, maximumBytes: 23).map(\.id) == ["u1", "u2"])
            #expect(try await store.updates(after: 0, through: .max, limit: 10, maximumBytes: 1).map(\.id) == ["u1"])
            #expect(try await store.updates(after: 0, through: .max, limit: 2, maximumBytes: .max).map(\.id) == ["u1", "u2"])
            #expect(try await store.updates(after: 4, through: .max, limit: 10, maximumBytes: 1).count == 1)
            #expect(try await store.updates(after: 5, through: .max, limit: 10, maximumBytes: 100).isEmpty)
        }
    }

    @Test func trimKeepsTheNewestByCount() async throws {
        try await withStore { store in
            for number in 1...10 { _ = try await append(store, "u\(number)") }
            #expect(try await store.trim(maximumCount: 3, maximumAge: nil) == 7)
            let left = try await store.updates(after: 0, through: .max, limit: 100, maximumBytes: .max)
            #expect(left.map(\.id) == ["u8", "u9", "u10"])
            #expect(try await store.trim(maximumCount: 3, maximumAge: nil) == 0)
        }
    }

    /// A trim removes a chunk per transaction, releasing the writer between chunks: all of them.
    @Test func trimLargerThanAChunkRemovesEverythingBeyondTheCount() async throws {
        try await withStore { store in
            let count = Int(SQLiteHistoryWriter.trimChunk) * 2 + 500
            let batch = (1...count).map { (update: Update(topics: ["t"], data: "", id: "u\($0)"), frame: ByteBuffer(string: "id: u\($0)\n\n")) }
            _ = try await store.append(contentsOf: batch)
            #expect(try await store.trim(maximumCount: 10, maximumAge: nil) == count - 10)
            let left = try await store.updates(after: 0, through: .max, limit: 100, maximumBytes: .max)
            #expect(left.map(\.id) == (count - 9...count).map { "u\($0)" })
        }
    }

    /// Commits never checkpoint (that would put two fsyncs on a publisher's event loop): the store
    /// moves the write-ahead log into the file on its own thread once the log passes its size.
    @Test func theLogIsMovedIntoTheDatabaseFileWhileTheStoreIsOpen() async throws {
        let path = temporaryPath()
        try await withStore(path: path) { store in
            let frame = ByteBuffer(repeating: UInt8(ascii: "x"), count: 4096)
            for number in 1...(SQLiteEventStore.checkpointPages * 2) {
                _ = try await store.append(Update(topics: ["t"], data: "", id: "u\(number)"), frame: frame)
            }
            var fileSize = 0
            for _ in 0..<100 {
                fileSize = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
                if fileSize > SQLiteEventStore.checkpointPages * 4096 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(fileSize > SQLiteEventStore.checkpointPages * 4096, "the database file holds \(fileSize) bytes")
        }
    }

    @Test func fullDurabilityStoresAndReadsBackAsTheDefaultDoes() async throws {
        try await withStore(durability: .full) { store in
            let first = try await append(store, "a")
            let batch = ["b", "c"].map { (update: Update(topics: ["t"], data: $0, id: $0), frame: ByteBuffer(string: "id: \($0)\n\n")) }
            let stored = try await store.append(contentsOf: batch)
            #expect(stored.map(\.sequence) == [first.sequence + 1, first.sequence + 2])
            #expect(try await store.updates(after: 0, through: .max, limit: 10, maximumBytes: .max).map(\.id) == ["a", "b", "c"])
        }
    }

    @Test func aClosedStoreSaysSoRatherThanTouchingTheFile() async throws {
        let store = try await SQLiteEventStore.open(path: temporaryPath())
        _ = try await append(store, "a")
        try await store.close()
        await #expect(throws: EventStoreError.self) { try await append(store, "b") }
    }

    @Test func trimDropsUpdatesOlderThanTheMaximumAge() async throws {
        try await withStore { store in
            _ = try await append(store, "old")
            try await Task.sleep(for: .milliseconds(1100))
            _ = try await append(store, "new")
            #expect(try await store.trim(maximumCount: nil, maximumAge: .seconds(1)) == 1)
            #expect(try await store.updates(after: 0, through: .max, limit: 100, maximumBytes: .max).map(\.id) == ["new"])
        }
    }

    /// Sequence numbers are SQLite's row ids, one above the highest stored: an emptied history would
    /// number the next update below what subscribers have seen, and they would skip it.
    @Test func trimNeverRemovesTheNewestSoNumbersKeepRising() async throws {
        try await withStore { store in
            _ = try await append(store, "a")
            let newest = try await append(store, "b")
            try await Task.sleep(for: .milliseconds(1100))
            #expect(try await store.trim(maximumCount: nil, maximumAge: .seconds(1)) == 1)
            #expect(try await store.trim(maximumCount: 0, maximumAge: nil) == 0)
            #expect(try await store.updates(after: 0, through: .max, limit: 100, maximumBytes: .max).map(\.id) == ["b"])
            #expect(try await append(store, "c").sequence > newest.sequence)
        }
    }

    @Test func historyOfAnEarlierBuildMovesToTheNewTableAndNumberingGoesOn() async throws {
        let path = temporaryPath()
        let earlier = try await SQLiteConnection.open(storage: .file(path: path))
        for statement in [
            """
            CREATE TABLE updates (sequence INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, topics TEXT NOT NULL,
                private INTEGER NOT NULL, type TEXT, retry INTEGER, data TEXT NOT NULL, frame BLOB NOT NULL,
                created_at INTEGER NOT NULL)
            """,
            "CREATE INDEX updates_by_id ON updates (id)",
            #"INSERT INTO updates VALUES (7, 'u7', '["t"]', 0, NULL, NULL, 'seven', X'69643A2075370A0A', 1)"#,
            #"INSERT INTO updates VALUES (9, 'p9', '["t","u"]', 1, 'x', 5, 'nine', X'69643A2070390A0A', 2)"#,
        ] {
            _ = try await earlier.query(statement, [])
        }
        try await earlier.close()

        try await withStore(path: path) { store in
            let moved = try await store.updates(after: 0, through: .max, limit: 100, maximumBytes: .max)
            #expect(moved.map(\.sequence) == [7, 9])
            #expect(moved.map(\.id) == ["u7", "p9"])
            #expect(moved.map(\.isPrivate) == [false, true])
            #expect(moved[1].topics == ["t", "u"])
            #expect(moved.map { String(buffer: $0.frame) } == ["id: u7\n\n", "id: p9\n\n"])
            #expect(try await store.sequence(ofID: "u7") == 7)
            #expect(try await append(store, "u10").sequence == 10)
        }
        // Opened again, nothing moves twice.
        try await withStore(path: path) { store in
            let history = try await store.updates(after: 0, through: .max, limit: 100, maximumBytes: .max)
            #expect(history.map(\.id) == ["u7", "p9", "u10"])
        }
    }
}

@Suite struct TopicsColumnTests {
    @Test func topicsAreWrittenAsAJSONArrayThatReadsBack() throws {
        let topics = ["https://example.com/books/1", #"quote " and backslash \"#, "tab\tnew line\ncontrol \u{1}", "non-ASCII é ✓ 🎉", ""]
        let json = TopicsColumn.encode(topics)
        #expect(try TopicsColumn.decode(json) == topics)
        #expect(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String] == topics)
        #expect(TopicsColumn.encode([]) == "[]")
    }
}
