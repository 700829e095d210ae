public import HeraldHub
public import Logging
public import NIOCore
import PostgresNIO
import Synchronization

/// A store in PostgreSQL that several hub nodes share: every node appends to one log and delivers
/// every update, its own and the others', in one order.
///
/// ## Order
/// An append takes its sequence numbers from the single row of `herald_log_head`, which it locks
/// until it commits, and numbers, inserts and notifies in that one statement. So appends commit
/// one after another, in the order of their numbers, and PostgreSQL makes a commit visible before
/// it releases the lock: a reader that sees sequence `n` sees every update below `n`. Reading the
/// log after a cursor, in sequence order, can therefore neither skip an update nor see one out of
/// order, on any node. (A `BIGSERIAL` alone would not do: numbers are taken at insert, and commits
/// may land in another order.)
///
/// ## Waits
/// Every call answers within ``Configuration/operationTimeout``: with the database gone, a publish
/// fails (the hub answers 503) instead of hanging, and the hub's log follower retries.
public final class PostgresEventStore: SharedEventStore {
    /// How the store reaches and waits on the database.
    public struct Configuration: Sendable {
        /// The database.
        public var url: PostgresURL
        /// The longest any call waits for the database. Default 5 s.
        public var operationTimeout: Duration
        /// The most connections the store opens (one more listens for notifications). Default 8.
        public var maximumConnections: Int

        public init(url: PostgresURL, operationTimeout: Duration = .seconds(5), maximumConnections: Int = 8) {
            self.url = url
            self.operationTimeout = operationTimeout
            self.maximumConnections = maximumConnections
        }
    }

    /// The channel appends notify; its payload is empty, since readers read the log anyway.
    static let channel = "herald_updates"
    /// Rows removed by one statement when trimming, so no statement holds locks for long.
    static let trimBatch = 5_000

    public let configuration: Configuration
    private let client: PostgresClient
    private let clientTask: Task<Void, Never>
    /// How a connection of its own is made (the start-up probe, and each one that listens); made
    /// once, since with TLS it holds an SSL context.
    private let connectionConfiguration: PostgresConnection.Configuration
    private let logger: Logger
    private let listenConnectionIDs = Atomic(0)

    private init(
        configuration: Configuration,
        client: PostgresClient,
        clientTask: Task<Void, Never>,
        connectionConfiguration: PostgresConnection.Configuration,
        logger: Logger
    ) {
        self.configuration = configuration
        self.client = client
        self.clientTask = clientTask
        self.connectionConfiguration = connectionConfiguration
        self.logger = logger
    }

    /// Connects to the database and brings its schema up to date. Throws, with what to fix, when the
    /// database cannot be reached or used within the operation timeout.
    public static func connect(configuration: Configuration, logger: Logger = Logger(label: "herald.store")) async throws -> PostgresEventStore {
        var clientConfiguration = configuration.url.clientConfiguration()
        clientConfiguration.options.maximumConnections = max(1, configuration.maximumConnections)
        clientConfiguration.options.connectTimeout = configuration.operationTimeout
        // The pool logs every failed connection attempt at info: during an outage, one a second.
        var poolLogger = logger
        poolLogger.logLevel = max(logger.logLevel, .warning)
        let connectionConfiguration: PostgresConnection.Configuration
        do {
            connectionConfiguration = try configuration.url.connectionConfiguration()
        } catch {
            throw PostgresStoreError("cannot set up TLS for the PostgreSQL database at \(configuration.url.redacted): \(error)")
        }
        let client = PostgresClient(configuration: clientConfiguration, backgroundLogger: poolLogger)
        let clientTask = Task { await client.run() }
        let store = PostgresEventStore(
            configuration: configuration,
            client: client,
            clientTask: clientTask,
            connectionConfiguration: connectionConfiguration,
            logger: logger
        )
        do {
            // One connection of its own first: the pool retries a failed connection quietly, this
            // one fails with the server's reason (a wrong password, a missing database).
            try await DatabaseDeadline.run(within: configuration.operationTimeout, "connecting") {
                let probe = try await PostgresConnection.connect(configuration: connectionConfiguration, id: 0, logger: logger)
                try await probe.close()
            }
            // Longer than one operation: nodes starting together wait in turn for the schema's lock
            // while another migrates, which on a loaded machine takes seconds.
            try await DatabaseDeadline.run(within: configuration.operationTimeout * 6, "migrating the schema") {
                try await PostgresSchema.migrate(client, logger: logger)
            }
        } catch {
            clientTask.cancel()
            throw PostgresStoreError(
                "cannot use the PostgreSQL database at \(configuration.url.redacted): \(Self.describe(error)). "
                    + "Check that the server is running, and the URL's host, port, user, password, database and sslmode"
            )
        }
        return store
    }

    // MARK: - EventStore

    public func append(contentsOf updates: [(update: Update, frame: ByteBuffer)]) async throws -> [StoredUpdate] {
        guard !updates.isEmpty else { return [] }
        // One statement, so one round trip and one implicit transaction: lock and advance the head,
        // insert the rows numbered from it, and notify every node (delivered at commit).
        var sql = """
            WITH head AS (
                UPDATE herald_log_head SET last_sequence = last_sequence + $1 RETURNING last_sequence
            ), inserted AS (
                INSERT INTO herald_updates (sequence, id, topics, private, frame)
                SELECT head.last_sequence - $1 + v.position, v.id, v.topics, v.private, v.frame
                FROM head, (VALUES
            """
        var bindings = PostgresBindings(capacity: 1 + updates.count * 5)
        bindings.append(Int64(updates.count))
        for (index, entry) in updates.enumerated() {
            let base = 2 + index * 5
            sql += index == 0 ? "" : ", "
            sql += "($\(base)::bigint, $\(base + 1)::text, $\(base + 2)::text[], $\(base + 3)::boolean, $\(base + 4)::bytea)"
            bindings.append(Int64(index + 1))
            bindings.append(entry.update.id)
            bindings.append(entry.update.topics)
            bindings.append(entry.update.isPrivate)
            bindings.append(entry.frame)
        }
        sql += """
            ) AS v(position, id, topics, private, frame)
                RETURNING sequence
            )
            SELECT inserted.sequence FROM inserted, (SELECT pg_notify('\(Self.channel)', '')) AS notified ORDER BY inserted.sequence
            """
        let query = PostgresQuery(unsafeSQL: sql, binds: bindings)
        let sequences = try await bounded("storing \(updates.count) updates") { [client, logger] in
            var sequences: [Int64] = []
            for try await sequence in try await client.query(query, logger: logger).decode(Int64.self) { sequences.append(sequence) }
            return sequences
        }
        guard sequences.count == updates.count else {
            throw EventStoreError("the insert returned \(sequences.count) sequence numbers for \(updates.count) updates")
        }
        return zip(updates, sequences).map { entry, sequence in
            StoredUpdate(sequence: sequence, id: entry.update.id, topics: entry.update.topics, isPrivate: entry.update.isPrivate, frame: entry.frame)
        }
    }

    public func sequence(ofID id: String) async throws -> Int64? {
        try await bounded("finding an id") { [client, logger] in
            var found: Int64?
            for try await sequence in try await client.query("SELECT max(sequence) FROM herald_updates WHERE id = \(id)", logger: logger).decode(
                Int64?.self
            ) {
                found = sequence
            }
            return found
        }
    }

    public func newest() async throws -> (sequence: Int64, id: String)? {
        let row = try await bounded("reading the newest update") { [client, logger] () -> NewestRow? in
            var newest: NewestRow?
            let rows = try await client.query("SELECT sequence, id FROM herald_updates ORDER BY sequence DESC LIMIT 1", logger: logger)
            for try await (sequence, id) in rows.decode((Int64, String).self) { newest = NewestRow(sequence: sequence, id: id) }
            return newest
        }
        return row.map { ($0.sequence, $0.id) }
    }

    public func updates(after sequence: Int64, through: Int64, limit: Int, maximumBytes: Int) async throws -> [StoredUpdate] {
        // The page's running size is summed in the database, so only the events that fit are sent
        // (always the first, however large).
        let query: PostgresQuery = """
            SELECT sequence, id, topics, private, frame FROM (
                SELECT sequence, id, topics, private, frame,
                    sum(octet_length(frame)) OVER (ORDER BY sequence) AS running,
                    row_number() OVER (ORDER BY sequence) AS position
                FROM (
                    SELECT * FROM herald_updates WHERE sequence > \(sequence) AND sequence <= \(through)
                    ORDER BY sequence LIMIT \(Int64(limit))
                ) AS page
            ) AS sized
            WHERE running <= \(Int64(maximumBytes)) OR position = 1
            ORDER BY sequence
            """
        return try await bounded("reading history") { [client, logger] in
            var updates: [StoredUpdate] = []
            let rows = try await client.query(query, logger: logger)
            for try await (sequence, id, topics, isPrivate, frame) in rows.decode((Int64, String, [String], Bool, ByteBuffer).self) {
                updates.append(StoredUpdate(sequence: sequence, id: id, topics: topics, isPrivate: isPrivate, frame: frame))
            }
            return updates
        }
    }

    /// Trims on one node at a time: the node that takes the trimming lock does it, in batches of
    /// `trimBatch` rows, each its own short transaction; the others skip this round.
    public func trim(maximumCount: Int?, maximumAge: Duration?) async throws -> Int {
        guard maximumCount != nil || maximumAge != nil else { return 0 }
        return try await client.withConnection { connection in
            var locked = false
            for try await taken in try await connection.query("SELECT pg_try_advisory_lock(\(PostgresSchema.trimmingLock))", logger: logger).decode(
                Bool.self
            ) {
                locked = taken
            }
            guard locked else { return 0 }
            var removed = 0
            do {
                if let maximumCount {
                    removed += try await deleteInBatches(
                        on: connection,
                        "sequence <= (SELECT max(sequence) FROM herald_updates) - \(maximumCount)"
                    )
                }
                if let maximumAge {
                    let seconds = max(0, maximumAge.components.seconds)
                    removed += try await deleteInBatches(on: connection, "created_at < now() - make_interval(secs => \(seconds))")
                }
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(PostgresSchema.trimmingLock))", logger: logger)
                throw error
            }
            try await connection.query("SELECT pg_advisory_unlock(\(PostgresSchema.trimmingLock))", logger: logger)
            return removed
        }
    }

    public func close() async throws {
        clientTask.cancel()
        await clientTask.value
    }

    // MARK: - SharedEventStore

    /// Listens on a connection of its own (a pooled one could be handed to a query meanwhile).
    public func watchAppends(_ appended: @escaping @Sendable () -> Void) async throws {
        let configuration = connectionConfiguration
        let id = listenConnectionIDs.wrappingAdd(1, ordering: .relaxed).newValue
        let connection = try await DatabaseDeadline.run(within: self.configuration.operationTimeout, "connecting to listen") { [logger] in
            try await PostgresConnection.connect(configuration: configuration, id: id, logger: logger)
        }
        do {
            try await connection.listen(on: Self.channel) { notifications in
                // Listening from here on: anything appended before was missed, so read once now.
                appended()
                for try await _ in notifications { appended() }
            }
        } catch {
            try? await connection.close()
            throw error
        }
        try? await connection.close()
    }

    // MARK: - Subscriptions and nodes

    /// Records that the node bound as `$1` is alive now.
    private static let markNodeAlive =
        "INSERT INTO herald_nodes (node, last_seen) VALUES ($1, now()) ON CONFLICT (node) DO UPDATE SET last_seen = now()"

    public func addSubscriptions(_ subscriptions: [ActiveSubscription], node: String) async throws {
        guard !subscriptions.isEmpty else { return }
        var sql = """
            WITH alive AS (\(Self.markNodeAlive))
            INSERT INTO herald_subscriptions (subscriber, topic, node, payload) VALUES
            """
        var bindings = PostgresBindings(capacity: 1 + subscriptions.count * 3)
        bindings.append(node)
        for (index, subscription) in subscriptions.enumerated() {
            let base = 2 + index * 3
            sql += (index == 0 ? " " : ", ") + "($\(base), $\(base + 1), $1, $\(base + 2))"
            bindings.append(subscription.subscriber)
            bindings.append(subscription.topic)
            bindings.append(subscription.payload)
        }
        sql += " ON CONFLICT (subscriber, topic) DO UPDATE SET node = excluded.node, payload = excluded.payload"
        let query = PostgresQuery(unsafeSQL: sql, binds: bindings)
        try await bounded("recording subscriptions") { [client, logger] in
            try await client.query(query, logger: logger)
            return ()
        }
    }

    public func removeSubscriptions(ofSubscriber subscriber: String) async throws {
        try await bounded("removing subscriptions") { [client, logger] in
            try await client.query("DELETE FROM herald_subscriptions WHERE subscriber = \(subscriber)", logger: logger)
            return ()
        }
    }

    public func activeSubscriptions() async throws -> [ActiveSubscription] {
        try await bounded("listing subscriptions") { [client, logger] in
            var subscriptions: [ActiveSubscription] = []
            let rows = try await client.query("SELECT subscriber, topic, payload FROM herald_subscriptions", logger: logger)
            for try await (subscriber, topic, payload) in rows.decode((String, String, String?).self) {
                subscriptions.append(ActiveSubscription(subscriber: subscriber, topic: topic, payload: payload))
            }
            return subscriptions
        }
    }

    public func heartbeat(node: String, nodeTimeout: Duration) async throws -> [ActiveSubscription] {
        let seconds = Double(nodeTimeout.components.seconds) + Double(nodeTimeout.components.attoseconds) / 1e18
        return try await bounded("recording a heartbeat") { [client, logger] in
            var bindings = PostgresBindings(capacity: 1)
            bindings.append(node)
            try await client.query(PostgresQuery(unsafeSQL: Self.markNodeAlive, binds: bindings), logger: logger)
            // Deleting the dead nodes' rows claims them: of two nodes reaping at once, one deletes
            // each row and gets its subscriptions; the other finds nothing.
            let reaped = try await client.query(
                """
                WITH dead AS (
                    DELETE FROM herald_nodes WHERE last_seen < now() - make_interval(secs => \(seconds)) RETURNING node
                )
                DELETE FROM herald_subscriptions WHERE node IN (SELECT node FROM dead) RETURNING subscriber, topic, payload
                """,
                logger: logger
            )
            var subscriptions: [ActiveSubscription] = []
            for try await (subscriber, topic, payload) in reaped.decode((String, String, String?).self) {
                subscriptions.append(ActiveSubscription(subscriber: subscriber, topic: topic, payload: payload))
            }
            return subscriptions
        }
    }

    public func removeNode(_ node: String) async throws {
        try await bounded("removing a node") { [client, logger] in
            try await client.query(
                "WITH gone AS (DELETE FROM herald_nodes WHERE node = \(node)) DELETE FROM herald_subscriptions WHERE node = \(node)",
                logger: logger
            )
            return ()
        }
    }

    // MARK: - Helpers

    private struct NewestRow: Sendable {
        let sequence: Int64
        let id: String
    }

    private func bounded<Value: Sendable>(_ what: String, _ operation: @escaping @Sendable () async throws -> Value) async throws -> Value {
        do {
            return try await DatabaseDeadline.run(within: configuration.operationTimeout, what, operation)
        } catch let error as EventStoreError {
            throw error
        } catch {
            throw EventStoreError("PostgreSQL failed \(what): \(Self.describe(error))")
        }
    }

    /// Deletes the rows matching `condition`, oldest first, a batch per statement; returns how many.
    private func deleteInBatches(on connection: PostgresConnection, _ condition: String) async throws -> Int {
        var removed = 0
        while true {
            let query = PostgresQuery(
                unsafeSQL: """
                    WITH doomed AS (
                        DELETE FROM herald_updates WHERE sequence IN (
                            SELECT sequence FROM herald_updates WHERE \(condition) ORDER BY sequence LIMIT \(Self.trimBatch)
                        ) RETURNING 1
                    ) SELECT count(*) FROM doomed
                    """
            )
            var count = 0
            for try await deleted in try await connection.query(query, logger: logger).decode(Int.self) { count = deleted }
            removed += count
            if count < Self.trimBatch { return removed }
        }
    }

    /// A PostgreSQL error as a person can act on it: the server's own message when there is one.
    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] { return message }
            return "\(error.code)" + (error.underlying.map { ": \($0)" } ?? "")
        }
        return "\(error)"
    }
}

/// The PostgreSQL store could not start.
public struct PostgresStoreError: Error, CustomStringConvertible {
    public let description: String

    init(_ description: String) { self.description = description }
}
