import Foundation
import HeraldHub
import HeraldPostgres
import Logging
import NIOCore
import PostgresNIO
import Synchronization
import TestSupport
import Testing

/// The PostgreSQL store on a real server: one order for every node, schema migrations, bounded waits.
@Suite(.enabled(if: TestPostgres.isAvailable, "needs PostgreSQL: run scripts/test.sh"))
struct PostgresEventStoreTests {
    private static let logger = Logger(label: "postgres-store-test")

    private func connect(_ url: String, operationTimeout: Duration = .seconds(5)) async throws -> PostgresEventStore {
        try await PostgresEventStore.connect(configuration: .init(url: try PostgresURL(url), operationTimeout: operationTimeout), logger: Self.logger)
    }

    private func update(_ id: String, topics: [String] = ["t"]) -> (update: Update, frame: ByteBuffer) {
        (Update(topics: topics, data: id, isPrivate: false, id: id), ByteBuffer(string: "id: \(id)\ndata: \(id)\n\n"))
    }

    @Test func readersNeverSeeAGapWhileThreeNodesAppendConcurrently() async throws {
        // Sequence numbers are dense and commit in order: a reader following the log after its
        // cursor must see cursor + 1, cursor + 2, … with no number skipped and none out of order.
        // A number taken before its row commits (a BIGSERIAL) would show here as a skipped one.
        let url = try await TestPostgres.createDatabase()
        let nodes = [try await connect(url), try await connect(url), try await connect(url)]
        let appendsPerTask = 25
        let tasksPerNode = 4
        let total = nodes.count * tasksPerNode * appendsPerTask * 2
        let reader = Task {
            var cursor: Int64 = 0
            var seen: [Int64] = []
            while seen.count < total {
                let page = try await nodes[0].updates(after: cursor, through: .max, limit: 100, maximumBytes: 1 << 20)
                for stored in page {
                    if stored.sequence != cursor + 1 { throw SkippedSequence(expected: cursor + 1, found: stored.sequence) }
                    cursor = stored.sequence
                    seen.append(stored.sequence)
                }
                if page.isEmpty { try await Task.sleep(for: .milliseconds(1)) }
            }
            return seen
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (nodeIndex, node) in nodes.enumerated() {
                for task in 0..<tasksPerNode {
                    group.addTask {
                        for number in 0..<appendsPerTask {
                            // Batches of two, as the hub's batcher sends them.
                            let stored = try await node.append(contentsOf: [
                                self.update("\(nodeIndex)-\(task)-\(number)-a"), self.update("\(nodeIndex)-\(task)-\(number)-b"),
                            ])
                            #expect(stored[1].sequence == stored[0].sequence + 1)
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let seen = try await withHangGuard { try await reader.value }
        #expect(seen == Array(1...Int64(total)))
        for node in nodes { try await node.close() }
    }

    @Test func nodesStartingTogetherMigrateOnce() async throws {
        let url = try await TestPostgres.createDatabase()
        let stores = try await withThrowingTaskGroup(of: PostgresEventStore.self) { group in
            for _ in 0..<4 { group.addTask { try await self.connect(url) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(stores.count == 4)
        // Each version recorded once, from 1 up: no migration ran twice.
        let versions = try await query(url, "SELECT version FROM herald_schema ORDER BY version", as: Int.self)
        #expect(!versions.isEmpty)
        #expect(versions == Array(1...max(1, versions.count)))
        for store in stores { try await store.close() }
    }

    @Test func findingAnIDUsesItsIndex() async throws {
        let url = try await TestPostgres.createDatabase()
        let store = try await connect(url)
        _ = try await store.append(contentsOf: (0..<50).map { update("id-\($0)") })
        #expect(try await store.sequence(ofID: "id-17") == 18)
        #expect(try await store.sequence(ofID: "never") == nil)
        let plan = try await query(
            url,
            "EXPLAIN SELECT max(sequence) FROM herald_updates WHERE id = 'id-17'",
            as: String.self,
            setup: "SET enable_seqscan = off"
        ).joined(separator: "\n")
        #expect(plan.contains("herald_updates_by_id"), "\(plan)")
        try await store.close()
    }

    @Test func aPageStopsAtItsByteLimitButAlwaysHoldsTheFirstUpdate() async throws {
        let url = try await TestPostgres.createDatabase()
        let store = try await connect(url)
        let big = String(repeating: "x", count: 1000)
        _ = try await store.append(contentsOf: (1...5).map { (Update(topics: ["t"], data: big, id: "u\($0)"), ByteBuffer(string: big)) })
        #expect(try await store.updates(after: 0, through: .max, limit: 10, maximumBytes: 2500).map(\.id) == ["u1", "u2"])
        #expect(try await store.updates(after: 0, through: .max, limit: 10, maximumBytes: 10).map(\.id) == ["u1"])
        #expect(try await store.updates(after: 2, through: 4, limit: 10, maximumBytes: 1 << 20).map(\.id) == ["u3", "u4"])
        try await store.close()
    }

    @Test func trimKeepsTheNewestAndRemovesInBatches() async throws {
        let url = try await TestPostgres.createDatabase()
        let store = try await connect(url)
        for batch in 0..<50 { _ = try await store.append(contentsOf: (0..<240).map { update("b\(batch)-\($0)") }) }
        let removed = try await store.trim(maximumCount: 100, maximumAge: nil)
        #expect(removed == 12_000 - 100)
        #expect(try await store.updates(after: 0, through: .max, limit: 1000, maximumBytes: 1 << 30).count == 100)
        #expect(try await store.newest()?.id == "b49-239")
        try await store.close()
    }

    @Test func anUnreachableDatabaseFailsAtStartWithWhatToCheck() async throws {
        let started = ContinuousClock.now
        await #expect {
            _ = try await connect("postgres://herald:herald@127.0.0.1:1/herald?sslmode=disable", operationTimeout: .seconds(2))
        } throws: { error in
            let message = "\(error)"
            return message.contains("cannot use the PostgreSQL database at postgres://herald:***@127.0.0.1:1/herald")
                && message.contains("Check that the server is running")
        }
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test func aWrongPasswordSaysSo() async throws {
        let admin = try #require(TestPostgres.adminURL)
        let wrong = admin.replacingOccurrences(of: "herald:herald@", with: "herald:wrong@")
        await #expect {
            _ = try await connect(wrong)
        } throws: { error in
            "\(error)".contains("password authentication failed")
        }
    }

    /// The rows of `sql`'s first column, on a connection of its own.
    private func query<Value: PostgresDecodable & Sendable>(
        _ url: String,
        _ sql: String,
        as type: Value.Type,
        setup: String? = nil
    ) async throws -> [Value] {
        let parsed = try PostgresURL(url)
        let connection = try await PostgresConnection.connect(
            configuration: .init(
                host: parsed.host,
                port: parsed.port,
                username: parsed.username,
                password: parsed.password,
                database: parsed.database,
                tls: .disable
            ),
            id: 1,
            logger: Self.logger
        )
        var values: [Value] = []
        do {
            if let setup { try await connection.query(PostgresQuery(unsafeSQL: setup), logger: Self.logger) }
            for try await value in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Self.logger).decode(Value.self) {
                values.append(value)
            }
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
        return values
    }
}

struct SkippedSequence: Error, CustomStringConvertible {
    let expected: Int64
    let found: Int64
    var description: String { "the reader expected sequence \(expected) next but found \(found)" }
}
