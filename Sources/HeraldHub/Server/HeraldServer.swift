public import Hummingbird
import HummingbirdCore
import HummingbirdSSE
public import Logging
import NIOCore
import NIOPosix
public import NIOSSL
public import ServiceLifecycle
import UnixSignals

/// The Herald server: the Mercure hub at `/.well-known/mercure`,
/// `/metrics`, `/healthz` and `herald.js`, and any routes the caller adds (the `herald` command adds
/// the seeds' demos from `HeraldDemo`).
public enum HeraldServer {
    /// Where and how the server listens.
    public struct Configuration: Sendable {
        /// The address to bind. Default `127.0.0.1`.
        public var host: String
        /// The port to bind; 0 picks a free one. Default 8080.
        public var port: Int
        /// Counts the server's open connections, whatever their protocol. Default: a new counter.
        public var connections: ConnectionCounter
        /// The threads serving connections, for ``run(configuration:hub:logger:routes:onServerRunning:)``;
        /// `nil` uses SwiftNIO's shared event loops (one per core, or `NIO_SINGLETON_GROUP_LOOP_COUNT`).
        /// Default `nil`.
        ///
        /// Fewer threads than cores can lower latency when other busy processes share the cores;
        /// one per core spreads the writes over all of them.
        public var eventLoops: Int?
        /// The limits every request's head is held to (size, line length, time). Default
        /// ``RequestLimits/init(maximumRequestLineBytes:maximumHeadBytes:headTimeout:)``'s.
        public var requestLimits: RequestLimits
        /// HTTPS: with it, the server speaks TLS only, HTTP/2 to clients that offer it by ALPN (every
        /// browser), HTTP/1.1 to the others. Default `nil`: plain HTTP/1.1.
        public var tls: TLSConfiguration?
        /// Which other origins' pages may read the hub's responses. Default: none.
        public var crossOrigin: CrossOriginPolicy

        /// Creates a configuration.
        public init(
            host: String = "127.0.0.1",
            port: Int = 8080,
            connections: ConnectionCounter = ConnectionCounter(),
            eventLoops: Int? = nil,
            requestLimits: RequestLimits = RequestLimits(),
            tls: TLSConfiguration? = nil,
            crossOrigin: CrossOriginPolicy = CrossOriginPolicy()
        ) {
            self.host = host
            self.port = port
            self.connections = connections
            self.eventLoops = eventLoops
            self.requestLimits = requestLimits
            self.tls = tls
            self.crossOrigin = crossOrigin
        }

        /// A server TLS configuration from a certificate chain and its private key, in PEM files.
        ///
        /// - Throws: NIOSSL's error naming what could not be read.
        public static func tls(certificateChainPEMFile: String, privateKeyPEMFile: String) throws -> TLSConfiguration {
            let chain = try NIOSSLCertificate.fromPEMFile(certificateChainPEMFile).map { NIOSSLCertificateSource.certificate($0) }
            let key = try NIOSSLPrivateKey(file: privateKeyPEMFile, format: .pem)
            return TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        }
    }

    /// An application serving Herald, ready to run with `runService()` (or, with a hub, ``run(configuration:hub:logger:routes:onServerRunning:)``).
    ///
    /// - Parameters:
    ///   - configuration: Where and how to listen, the demos, TLS and the cross-origin policy.
    ///   - hub: The Mercure hub to serve, if any.
    ///   - logger: The server's logger; requests are logged at debug level.
    ///   - eventLoopGroup: The event loops serving connections (``Configuration/eventLoops`` is not
    ///     read here).
    ///   - routes: Adds more routes to the server's router (the `herald` command adds the demos).
    ///   - onServerRunning: Called with the bound port once the server accepts connections.
    public static func makeApplication(
        configuration: Configuration,
        hub: Hub? = nil,
        logger: Logger,
        eventLoopGroup: EventLoopGroupProvider = .singleton,
        routes: (Router<HeraldRequestContext>) -> Void = { _ in },
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol & Service {
        let router = Router(context: HeraldRequestContext.self)
        // Requests are logged at debug level with hummingbird's request id, which every log line of a
        // request carries. Left out otherwise: a middleware's frame stays in every subscriber's task.
        if logger.logLevel <= .debug { router.add(middleware: LogRequestsMiddleware(.debug)) }
        // The seeds' streams are readable from any origin; the hub's routes from the origins named.
        router.add(middleware: configuration.crossOrigin.middleware())
        // Unhealthy (503, with the reason) when the hub's store cannot write: a load balancer then
        // sends publishes elsewhere. Subscribers already connected are not affected.
        router.get("/healthz") { _, _ -> Response in
            guard let hub else { return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ok"))) }
            do {
                try await hub.store.checkWritable()
                return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ok")))
            } catch {
                return .plainText("unhealthy: the store cannot write (\(error))\n", status: .serviceUnavailable)
            }
        }
        router.get("/herald.js") { _, _ in BrowserAsset.client.response }
        routes(router)
        let serverName = "herald"
        // A connection that starts with a subscribe request is served by the hub itself.
        let subscribers = hub.map { hub in
            let routes = MercureRoutes(hub: hub)
            routes.register(on: router)
            return DirectSubscriberStream(routes: routes, serverName: serverName, crossOrigin: configuration.crossOrigin)
        }
        let limits = configuration.requestLimits
        let connections = configuration.connections
        let server: HTTPServerBuilder
        if let tls = configuration.tls {
            server = HTTPServerBuilder { responder in
                try HeraldSecureChannel(
                    tls: tls,
                    http1: HeraldHTTP1Channel(responder: responder, subscribers: subscribers, limits: limits, connections: connections),
                    connections: connections
                )
            }
        } else {
            server = HTTPServerBuilder { responder in
                HeraldHTTP1Channel(responder: responder, subscribers: subscribers, limits: limits, connections: connections)
            }
        }
        return Application(
            router: router,
            server: server,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: serverName),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
            eventLoopGroupProvider: eventLoopGroup,
            logger: logger
        )
    }

    /// Runs the server and the hub until SIGINT or SIGTERM, then shuts down gracefully: the hub ends
    /// every subscriber's stream first, so the server's connections drain and it can stop.
    public static func run(
        configuration: Configuration,
        hub: Hub,
        logger: Logger,
        routes: (Router<HeraldRequestContext>) -> Void = { _ in },
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        let ownLoops = configuration.eventLoops.map { MultiThreadedEventLoopGroup(numberOfThreads: max($0, 1)) }
        let app = makeApplication(
            configuration: configuration,
            hub: hub,
            logger: logger,
            eventLoopGroup: ownLoops.map { .shared($0) } ?? .singleton,
            routes: routes,
            onServerRunning: onServerRunning
        )
        // Services shut down in reverse order: the hub (ending the streams) before the server.
        let services = ServiceGroup(
            configuration: .init(services: [app, hub], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        )
        do {
            try await services.run()
        } catch {
            try? await ownLoops?.shutdownGracefully()
            throw error
        }
        try await ownLoops?.shutdownGracefully()
    }
}
