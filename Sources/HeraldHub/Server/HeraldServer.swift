public import Hummingbird
import HummingbirdSSE
public import Logging

/// The Herald server: today the seed demos at `/` and `/demo/…`, plus `/healthz`.
public enum HeraldServer {
    /// Where and how the server listens.
    public struct Configuration: Sendable {
        /// The address to bind. Default `127.0.0.1`.
        public var host: String
        /// The port to bind; 0 picks a free one. Default 8080.
        public var port: Int
        /// The demo streams.
        public var demo: DemoRoutes

        /// Creates a configuration.
        public init(host: String = "127.0.0.1", port: Int = 8080, demo: DemoRoutes = DemoRoutes()) {
            self.host = host
            self.port = port
            self.demo = demo
        }
    }

    /// An application serving Herald, ready to run with `runService()`.
    ///
    /// - Parameter onServerRunning: Called with the bound port once the server accepts connections.
    public static func makeApplication(
        configuration: Configuration,
        logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router()
        // The seeds' streams send `Access-Control-Allow-Origin: *` so pages on other origins can read them.
        router.add(middleware: CORSMiddleware(allowOrigin: .all, allowHeaders: [.lastEventID, .cacheControl], allowMethods: [.get, .post]))
        router.get("/healthz") { _, _ in "ok" }
        configuration.demo.register(on: router)
        return Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "herald"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
            logger: logger
        )
    }
}
