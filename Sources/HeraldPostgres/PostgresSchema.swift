import Logging
import PostgresNIO

/// The tables of a Herald log in PostgreSQL, created and migrated at start-up.
///
/// Migrations run in one transaction that holds an advisory lock, so nodes starting together run
/// each one once; `herald_schema` records the version reached.
enum PostgresSchema {
    /// Taken by every node that migrates, and by the node that trims (see `PostgresEventStore.trim`).
    static let migrationLock: Int64 = 0x6865_7261_6c64_0001
    static let trimmingLock: Int64 = 0x6865_7261_6c64_0002

    /// Each migration, in order; version `n` is `migrations[n - 1]`. Never edit one that shipped: add one.
    static let migrations: [[String]] = [
        [
            // The log: one row per update, numbered in commit order (see `herald_log_head`).
            """
            CREATE TABLE herald_updates (
                sequence bigint PRIMARY KEY,
                id text NOT NULL,
                topics text[] NOT NULL,
                private boolean NOT NULL,
                frame bytea NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            // Resuming from Last-Event-ID finds its id through an index, never a scan.
            "CREATE INDEX herald_updates_by_id ON herald_updates (id)",
            "CREATE INDEX herald_updates_by_age ON herald_updates (created_at)",
            // The last sequence number given out. An append locks this one row until it commits, so
            // appends commit in the order of their numbers.
            """
            CREATE TABLE herald_log_head (
                singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
                last_sequence bigint NOT NULL
            )
            """,
            "INSERT INTO herald_log_head (singleton, last_sequence) VALUES (true, 0)",
        ],
        [
            // The nodes, by their heartbeats; a node silent for too long is reaped by another.
            "CREATE TABLE herald_nodes (node text PRIMARY KEY, last_seen timestamptz NOT NULL)",
            // The cluster's active subscriptions, for the subscriptions API on any node.
            """
            CREATE TABLE herald_subscriptions (
                subscriber text NOT NULL,
                topic text NOT NULL,
                node text NOT NULL,
                payload text,
                PRIMARY KEY (subscriber, topic)
            )
            """,
            "CREATE INDEX herald_subscriptions_by_node ON herald_subscriptions (node)",
        ],
    ]

    /// The newest version these migrations reach.
    static var currentVersion: Int { migrations.count }

    /// Brings the database to ``currentVersion``; returns the version it was at.
    @discardableResult
    static func migrate(_ client: PostgresClient, logger: Logger) async throws -> Int {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(migrationLock))", logger: logger)
            try await connection.query(
                "CREATE TABLE IF NOT EXISTS herald_schema (version integer NOT NULL, migrated_at timestamptz NOT NULL DEFAULT now())",
                logger: logger
            )
            var version = 0
            for try await found in try await connection.query("SELECT coalesce(max(version), 0) FROM herald_schema", logger: logger).decode(Int.self)
            {
                version = found
            }
            guard version <= currentVersion else {
                throw PostgresSchemaError(
                    "the database's Herald schema is version \(version), newer than this herald knows (\(currentVersion)); upgrade herald"
                )
            }
            for next in (version + 1)...max(version + 1, currentVersion) where next <= currentVersion {
                for statement in migrations[next - 1] {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query("INSERT INTO herald_schema (version) VALUES (\(next))", logger: logger)
                logger.info("migrated the Herald schema", metadata: ["version": "\(next)"])
            }
            return version
        }
    }
}

/// The database's schema cannot be used by this herald.
struct PostgresSchemaError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
