public import HeraldHub
public import Hummingbird
public import Logging
import ServiceLifecycle

/// A real hub and its server on a free loopback port, for tests that speak HTTP to it as clients
/// do: the hub of an application that embeds Herald, with its own configuration and store.
///
/// ```swift
/// try await TestHub.run(configuration: configuration, store: store) { hub in
///     let connection = try await RawConnection.open(port: hub.port)
///     …
/// }
/// ```
public struct TestHub: Sendable {
    /// The port the server listens on, on `127.0.0.1`.
    public let port: Int
    /// The hub being served.
    public let hub: Hub
    /// `https` when the server speaks TLS, else `http`.
    public let scheme: String
    /// The server's open connections.
    public let connections: ConnectionCounter

    /// The hub's URL, `/.well-known/mercure` on the server.
    public var hubURL: String { url("/.well-known/mercure") }

    /// The URL of `pathAndQuery` on the server.
    public func url(_ pathAndQuery: String) -> String { "\(scheme)://127.0.0.1:\(port)\(pathAndQuery)" }

    /// Runs `body` against a hub with `configuration` and its history in `store`, served on a free
    /// loopback port; then shuts the server and the hub down and closes `store`, whether `body`
    /// returned or threw.
    ///
    /// - Parameters:
    ///   - configuration: The hub's configuration.
    ///   - store: The hub's history; the hub owns it from now on and closes it.
    ///   - server: How to serve the hub; its host and port are replaced by `127.0.0.1` and a free port.
    ///   - routes: More routes for the server's router, as an application adds its own.
    ///   - logger: The hub's and the server's logger; by default only critical messages.
    ///   - body: The test, given the running hub; what it returns is returned.
    public static func run<Result: Sendable>(
        configuration: HubConfiguration,
        store: any EventStore,
        server: HeraldServer.Configuration = HeraldServer.Configuration(),
        routes: @escaping @Sendable (Router<HeraldRequestContext>) -> Void = { _ in },
        logger: Logger = TestHub.quietLogger,
        _ body: @escaping @Sendable (TestHub) async throws -> Result
    ) async throws -> Result {
        let hub: Hub
        do {
            hub = try await Hub(configuration: configuration, store: store, logger: logger)
        } catch {
            try? await store.close()
            throw error
        }
        var server = server
        server.host = "127.0.0.1"
        server.port = 0
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let app = HeraldServer.makeApplication(
            configuration: server,
            hub: hub,
            logger: logger,
            routes: routes,
            onServerRunning: { port in portContinuation.yield(port) }
        )
        let group = ServiceGroup(configuration: .init(services: [app, hub], logger: logger))
        let scheme = server.tls == nil ? "http" : "https"
        let result: Result
        do {
            result = try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask {
                    // A server that fails to start ends the wait for its port.
                    defer { portContinuation.finish() }
                    try await group.run()
                }
                var iterator = ports.makeAsyncIterator()
                guard let port = await iterator.next() else { throw CancellationError() }
                let outcome: Swift.Result<Result, any Error>
                do {
                    outcome = .success(try await body(TestHub(port: port, hub: hub, scheme: scheme, connections: server.connections)))
                } catch {
                    outcome = .failure(error)
                }
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                return try outcome.get()
            }
        } catch {
            try? await hub.close()
            throw error
        }
        try await hub.close()
        return result
    }

    /// A logger that prints only critical messages, so that a test's output is its own.
    public static var quietLogger: Logger {
        var logger = Logger(label: "herald-test")
        logger.logLevel = .critical
        return logger
    }
}
