import ArgumentParser
import Foundation
import HeraldHub
import HeraldPostgres
import HeraldSQLite
import Logging

/// Where `herald serve` keeps history, from `--store`: `sqlite:PATH` (one node) or a PostgreSQL URL
/// (any number of nodes sharing one log).
enum StoreLocation: Equatable {
    case sqlite(path: String)
    case postgres(url: String)

    /// Reads a `--store` value; `nil` means the default SQLite file in `dataDirectory`.
    init(_ text: String?, dataDirectory: String) throws(ValidationError) {
        guard let text else {
            self = .sqlite(path: (dataDirectory as NSString).appendingPathComponent("herald.sqlite"))
            return
        }
        let lowered = text.lowercased()
        if lowered.hasPrefix("sqlite:") {
            let path = String(text.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw ValidationError("--store sqlite: needs a path, as in sqlite:./herald-data/herald.sqlite.") }
            self = .sqlite(path: path)
        } else if lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://") {
            do {
                _ = try PostgresURL(text)
            } catch {
                throw ValidationError("--store: \(error).")
            }
            self = .postgres(url: text)
        } else {
            let scheme = text.split(separator: ":", maxSplits: 1).first.map(String.init) ?? text
            throw ValidationError(
                "--store \(scheme): is not a store Herald knows; use sqlite:PATH or postgres://user:password@host:port/database."
            )
        }
    }

    /// Opens the store; throws an error that says what to fix when it cannot.
    func open(durability: SQLiteEventStore.Durability, logger: Logger) async throws -> any EventStore {
        switch self {
        case .sqlite(let path):
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
            return try await SQLiteEventStore.open(path: path, durability: durability, logger: logger)
        case .postgres(let url):
            return try await PostgresEventStore.connect(configuration: .init(url: try PostgresURL(url)), logger: logger)
        }
    }

    /// What the start-up banner says about where history is.
    var summary: String {
        switch self {
        case .sqlite(let path): "SQLite, \(path)"
        case .postgres(let url): "PostgreSQL, \((try? PostgresURL(url))?.redacted ?? url)"
        }
    }
}

/// `--durability`: how hard SQLite commits hold on to the disk. (PostgreSQL's is the server's own
/// `synchronous_commit`.)
enum SQLiteDurability: String, ExpressibleByArgument, CaseIterable {
    case normal, full

    var storeDurability: SQLiteEventStore.Durability {
        switch self {
        case .normal: .normal
        case .full: .full
        }
    }
}
