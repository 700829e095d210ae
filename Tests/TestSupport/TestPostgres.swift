import Foundation
import Logging
import PostgresNIO

#if canImport(Glibc)
import Glibc
#endif

/// PostgreSQL for the tests: the server the test command started (`HERALD_TEST_POSTGRES_URL`), where
/// each test gets a database of its own, or a server of a test's own that it may stop and start.
public enum TestPostgres {
    public static let adminURL = ProcessInfo.processInfo.environment["HERALD_TEST_POSTGRES_URL"]

    /// Whether the PostgreSQL tests run: when the test command started a server, and always in CI,
    /// where a missing server must fail those tests rather than skip them.
    public static let isAvailable = adminURL != nil || ProcessInfo.processInfo.environment["CI"] == "true"

    /// Creates an empty database on the server at `adminURL` and returns its URL.
    public static func createDatabase(adminURL given: String? = nil) async throws -> String {
        guard let adminURL = given ?? adminURL else { throw TestPostgresMissing() }
        guard let admin = URLComponents(string: adminURL), let host = admin.host, let port = admin.port else {
            throw TestPostgresMissing()
        }
        let user = admin.user ?? "herald"
        let password = admin.password ?? ""
        let name = "herald_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let logger = Logger(label: "test-postgres")
        let connection = try await PostgresConnection.connect(
            configuration: .init(host: host, port: port, username: user, password: password, database: "postgres", tls: .disable),
            id: 1,
            logger: logger
        )
        do {
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
        return "postgres://\(user):\(password)@\(host):\(port)/\(name)?sslmode=disable"
    }
}

/// A PostgreSQL server of one test's own, started with `scripts/postgres.sh`, which the test can
/// stop and start again (a database outage) without disturbing the other tests.
public final class OwnPostgresServer: Sendable {
    /// The URL of its `postgres` database.
    public let url: String
    private let directory: String

    private init(url: String, directory: String) {
        self.url = url
        self.directory = directory
    }

    /// Starts a new server; stop it with ``stop()``.
    public static func start() async throws -> OwnPostgresServer {
        let output = try await script(["start"])
        var url: String?
        var directory: String?
        for line in output.split(separator: "\n") {
            let parts = line.replacingOccurrences(of: "'", with: "").split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { continue }
            if parts[0].hasSuffix("HERALD_TEST_POSTGRES_URL") { url = String(parts[1]) }
            if parts[0].hasSuffix("HERALD_TEST_POSTGRES_DIR") { directory = String(parts[1]) }
        }
        guard let url, let directory else { throw ScriptFailed(output: output) }
        return OwnPostgresServer(url: url, directory: directory)
    }

    /// Stops the server, keeping its data: clients see the database go away.
    public func pause() async throws { _ = try await Self.script(["pause", directory]) }

    /// Starts the paused server again on the same port.
    public func resume() async throws { _ = try await Self.script(["resume", directory]) }

    /// Stops the server and deletes its data.
    public func stop() async throws { _ = try await Self.script(["stop", directory]) }

    private static let scriptPath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts/postgres.sh").path

    private static func script(_ arguments: [String]) async throws -> String {
        // Output to a file, not a pipe: the server the script starts may inherit the pipe and keep
        // it open, so its end would never come. Spawned and reaped here, not by Foundation's
        // Process, which in the test process left the script a zombie it never noticed had ended.
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("postgres-sh-\(UUID().uuidString)").path
        defer { unlink(outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = (["/bin/bash", scriptPath] + arguments).map { strdup($0) }
        defer { for argument in argv { free(argument) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/bash", &actions, nil, argv + [nil], environ)
        guard spawned == 0 else { throw ScriptFailed(output: "posix_spawn failed: \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            try await Task.sleep(for: .milliseconds(20))
        }
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        // Exited normally with status 0 (the wait status's low byte 0, then the exit code).
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else { throw ScriptFailed(output: text) }
        return text
    }

    struct ScriptFailed: Error, CustomStringConvertible {
        let output: String
        var description: String { "scripts/postgres.sh failed: \(output)" }
    }
}

public struct TestPostgresMissing: Error, CustomStringConvertible {
    public init() {}

    public var description: String {
        "no PostgreSQL for the tests: run them with scripts/test.sh, or set HERALD_TEST_POSTGRES_URL (eval \"$(scripts/postgres.sh start)\")"
    }
}
