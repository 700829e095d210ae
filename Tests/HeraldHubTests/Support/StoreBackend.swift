import Foundation
import HeraldHub
import HeraldPostgres
import HeraldSQLite
import Logging
import TestSupport
import Testing

/// The stores a test hub can keep its history in. The protocol tests run against each, so both
/// backends answer the same protocol the same way.
enum StoreBackend: String, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    /// SQLite always; PostgreSQL when the test command started one (`HERALD_TEST_POSTGRES_URL`), and
    /// always in CI, where a missing database must fail the run rather than skip its tests.
    static let all: [StoreBackend] = TestPostgres.isAvailable ? [.sqlite, .postgres] : [.sqlite]

    var testDescription: String { rawValue }

    /// A new, empty place for a hub's history: a directory, or a database of its own.
    func makeStorage() async throws -> TestStorage {
        switch self {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("herald-hub-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            return .sqlite(directory: directory)
        case .postgres:
            return .postgres(url: try await TestPostgres.createDatabase())
        }
    }
}

/// Where one test's hubs keep history; hubs given the same storage share it (a restart, or a cluster).
enum TestStorage: Sendable {
    case sqlite(directory: String)
    case postgres(url: String)

    func open(logger: Logger, operationTimeout: Duration = .seconds(5)) async throws -> any EventStore {
        switch self {
        case .sqlite(let directory):
            return try await SQLiteEventStore.open(path: directory + "/herald.sqlite", logger: logger)
        case .postgres(let url):
            return try await PostgresEventStore.connect(
                configuration: .init(url: try PostgresURL(url), operationTimeout: operationTimeout),
                logger: logger
            )
        }
    }
}
