import ArgumentParser
import Foundation
import HeraldDemo
import HeraldHub
import Hummingbird
import HummingbirdSSE
import Logging
import NIOCore
import NIOSSL

/// `herald serve`: runs the hub and the demos (the default command).
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the Herald hub (Mercure protocol) with the seed demos at /.",
        discussion: """
            With no --jwt-key, a development key is generated and kept in the data directory, anonymous \
            subscribers are allowed, and a publisher token is printed at start-up.
            Every option can also be set with an environment variable: HERALD_HOST, HERALD_PORT, HERALD_TLS_CERT, HERALD_TLS_KEY, HERALD_CORS_ORIGINS, HERALD_LONG_POLL_TIMEOUT, \
            HERALD_DATA_DIR, HERALD_STORE, HERALD_DURABILITY, HERALD_MAX_REQUEST_LINE, HERALD_MAX_REQUEST_HEAD, HERALD_HEAD_TIMEOUT, HERALD_JWT_KEY, HERALD_JWT_ALGORITHM, HERALD_PUBLISHER_JWT_KEY, \
            HERALD_SUBSCRIBER_JWT_KEY, HERALD_ANONYMOUS (1/0), HERALD_PUBLISH_ORIGINS (comma-separated), \
            HERALD_HEARTBEAT, HERALD_WRITE_TIMEOUT, HERALD_HISTORY_SIZE, HERALD_HISTORY_MAX_AGE, \
            HERALD_QUEUE_SIZE, HERALD_MAX_BACKLOG, HERALD_WRITE_COALESCING, HERALD_MAX_BODY, HERALD_SUBSCRIPTIONS (1/0), HERALD_DEMO_INTERVAL, HERALD_EVENT_LOOPS, HERALD_LOG_LEVEL.
            """
    )

    @Option(help: "The address to listen on (env HERALD_HOST).")
    var host = Environment.string("HERALD_HOST") ?? "127.0.0.1"

    @Option(help: "The port to listen on; 0 picks a free one (env HERALD_PORT).")
    var port = Environment.integer("HERALD_PORT") ?? 8080

    @Option(help: "Where history (herald.sqlite) and the development key are kept (env HERALD_DATA_DIR).")
    var dataDir = Environment.string("HERALD_DATA_DIR") ?? "./herald-data"

    @Option(
        help:
            "Where history is kept: sqlite:PATH (default: herald.sqlite in the data directory) or postgres://user:password@host:port/database[?sslmode=…] for several nodes sharing one log (env HERALD_STORE)."
    )
    var store: String?

    /// The option, else its environment variable; `nil` for the SQLite file in the data directory.
    private var storeLocation: String? { store ?? Environment.string("HERALD_STORE") }

    @Option(
        help:
            "SQLite's durability: normal (an acknowledged update survives a crash of herald; a power loss may lose the last moments) or full (an fsync per commit: it survives a power loss too) (env HERALD_DURABILITY)."
    )
    var durability: SQLiteDurability = SQLiteDurability(rawValue: Environment.string("HERALD_DURABILITY") ?? "") ?? .normal

    @Option(help: "The longest request line (method, target and query), in bytes; longer get 414 (env HERALD_MAX_REQUEST_LINE).")
    var maxRequestLine = Environment.integer("HERALD_MAX_REQUEST_LINE") ?? RequestLimits().maximumRequestLineBytes

    @Option(help: "The largest request head (request line and headers), in bytes; larger get 431 (env HERALD_MAX_REQUEST_HEAD).")
    var maxRequestHead = Environment.integer("HERALD_MAX_REQUEST_HEAD") ?? RequestLimits().maximumHeadBytes

    @Option(help: "Seconds a client may take to send a request head; slower ones get 408 and are disconnected (env HERALD_HEAD_TIMEOUT).")
    var headTimeout = Environment.double("HERALD_HEAD_TIMEOUT") ?? 10

    @Option(
        name: .customLong("tls-cert"),
        help:
            "A PEM certificate chain: serve HTTPS, with HTTP/2 for clients that offer it (browsers) and HTTP/1.1 for the others; needs --tls-key (env HERALD_TLS_CERT)."
    )
    var tlsCertificate: String?

    @Option(name: .customLong("tls-key"), help: "The PEM private key of --tls-cert (env HERALD_TLS_KEY).")
    var tlsKey: String?

    @Option(
        name: .customLong("cors-origin"),
        help:
            "An origin whose pages may read the hub's responses (subscribe, publish, subscriptions), with cookies; repeatable, * for any origin without cookies (env HERALD_CORS_ORIGINS, comma-separated). Default: none, same origin only."
    )
    var corsOrigins: [String] = Environment.list("HERALD_CORS_ORIGINS")

    @Option(help: "Seconds a long-poll request (longPoll=1) waits for an update before it is answered with none (env HERALD_LONG_POLL_TIMEOUT).")
    var longPollTimeout = Environment.double("HERALD_LONG_POLL_TIMEOUT") ?? 25

    /// The options, else their environment variables.
    private var tlsFiles: (certificate: String, key: String)? {
        guard let certificate = tlsCertificate ?? Environment.string("HERALD_TLS_CERT"),
            let key = tlsKey ?? Environment.string("HERALD_TLS_KEY")
        else { return nil }
        return (certificate, key)
    }

    @OptionGroup var keys: KeyOptions

    @Option(name: .customLong("publisher-jwt-key"), help: "A separate key for publishers' tokens (env HERALD_PUBLISHER_JWT_KEY).")
    var givenPublisherKey: String?

    @Option(name: .customLong("subscriber-jwt-key"), help: "A separate key for subscribers' tokens (env HERALD_SUBSCRIBER_JWT_KEY).")
    var givenSubscriberKey: String?

    @Flag(
        name: .customLong("anonymous"),
        inversion: .prefixedNo,
        help:
            "Allow subscribers without a token; they receive public updates only (default: on with the development key, off otherwise; env HERALD_ANONYMOUS)."
    )
    var givenAnonymous: Bool?

    @Option(
        name: .customLong("publish-origin"),
        help: "An origin allowed to publish with the cookie token; repeatable, * for any (env HERALD_PUBLISH_ORIGINS)."
    )
    var publishOrigins: [String] = Environment.list("HERALD_PUBLISH_ORIGINS")

    @Option(help: "Seconds between heartbeat comments on idle streams; 0 for none (env HERALD_HEARTBEAT).")
    var heartbeat = Environment.double("HERALD_HEARTBEAT") ?? 40

    @Option(
        help: "Seconds after which a stream is closed so the client reconnects (80-100 % of it, randomised); 0 for never (env HERALD_WRITE_TIMEOUT)."
    )
    var writeTimeout = Environment.double("HERALD_WRITE_TIMEOUT") ?? 600

    @Option(help: "Updates kept in history; 0 for no count limit (env HERALD_HISTORY_SIZE).")
    var historySize = Environment.integer("HERALD_HISTORY_SIZE") ?? 100_000

    @Option(help: "Seconds an update stays in history; 0 for no age limit (env HERALD_HISTORY_MAX_AGE). Default 7 days.")
    var historyMaxAge = Environment.integer("HERALD_HISTORY_MAX_AGE") ?? 604_800

    @Option(help: "Updates waiting for one subscriber before it is disconnected as too slow (env HERALD_QUEUE_SIZE).")
    var queueSize = Environment.integer("HERALD_QUEUE_SIZE") ?? 10_000

    @Option(
        help:
            "The most bytes that may wait for all subscribers together; past it the ones whose clients stopped reading, then the ones furthest behind, are dropped and resume from history (env HERALD_MAX_BACKLOG)."
    )
    var maxBacklog = Environment.integer("HERALD_MAX_BACKLOG") ?? 512 << 20

    @Option(
        help:
            "The kernel's send buffer of a subscriber's connection, in bytes, once its client has drained it (it starts at most 8 KiB, so a client that never reads takes little before its updates wait in its queue); raise it for fast streams over long round trips; 0 leaves it to the kernel (env HERALD_SUBSCRIBER_SEND_BUFFER)."
    )
    var subscriberSendBuffer = Environment.integer("HERALD_SUBSCRIBER_SEND_BUFFER") ?? 64 << 10

    @Option(
        help:
            "Milliseconds within which successive updates are written to a subscriber together (one write per window under load; an update after a quiet window goes at once); 0 writes each at once (env HERALD_WRITE_COALESCING)."
    )
    var writeCoalescing = Environment.double("HERALD_WRITE_COALESCING") ?? 3

    @Option(help: "The largest publish request body, in bytes; larger get 413 (env HERALD_MAX_BODY).")
    var maxBody = Environment.integer("HERALD_MAX_BODY") ?? 1 << 20

    @Flag(inversion: .prefixedNo, help: "Publish subscription events and serve the subscriptions API (env HERALD_SUBSCRIPTIONS).")
    var subscriptions: Bool = Environment.boolean("HERALD_SUBSCRIPTIONS") ?? true

    @Option(help: "Seconds between ticks of the demo streams, fractions allowed (env HERALD_DEMO_INTERVAL).")
    var demoInterval = Environment.double("HERALD_DEMO_INTERVAL") ?? 1.0

    @Option(help: "The reconnection time, in milliseconds, the re-poll demo asks browsers for.")
    var demoRepollRetry = 2000

    @Option(help: "Threads serving connections; default one per core but one, at least one (env HERALD_EVENT_LOOPS).")
    var eventLoops: Int?

    /// The option, else its environment variable, else one loop per core but one.
    ///
    /// The core left over runs SQLite's commits, the kernel's loopback work and whatever shares the
    /// machine. On 2 cores shared with a load generator, one loop answered the fixed-rate fan-out (a)
    /// with a p99 of 50 ms where two took 161 ms, and matched two with a single publisher (c1); two
    /// delivered 1.3× more only when flooded by four publishers (Benchmarks/README.md).
    private var eventLoopCount: Int {
        eventLoops ?? Environment.integer("HERALD_EVENT_LOOPS") ?? max(System.coreCount - 1, 1)
    }

    @Option(help: "The log level: trace, debug, info, notice, warning, error or critical (env HERALD_LOG_LEVEL).")
    var logLevel = Environment.string("HERALD_LOG_LEVEL") ?? "info"

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535.") }
        guard (1...1024).contains(eventLoopCount) else {
            throw ValidationError("--event-loops must be between 1 and 1024.")
        }
        guard demoInterval >= 0.01 && demoInterval <= 3600 else {
            throw ValidationError("--demo-interval must be between 0.01 and 3600 seconds.")
        }
        guard demoRepollRetry >= 0 else { throw ValidationError("--demo-repoll-retry must not be negative.") }
        guard heartbeat >= 0, writeTimeout >= 0, historySize >= 0, historyMaxAge >= 0 else {
            throw ValidationError("--heartbeat, --write-timeout, --history-size and --history-max-age must not be negative.")
        }
        guard writeCoalescing >= 0 && writeCoalescing <= 1000 else {
            throw ValidationError("--write-coalescing must be between 0 and 1000 milliseconds.")
        }
        guard queueSize >= 1, maxBody >= 1, maxBacklog >= 1 else {
            throw ValidationError("--queue-size, --max-body and --max-backlog must be at least 1.")
        }
        guard subscriberSendBuffer >= 0 else { throw ValidationError("--subscriber-send-buffer must not be negative.") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level \(logLevel) is not a log level.") }
        _ = try StoreLocation(storeLocation, dataDirectory: dataDir)
        guard maxRequestLine >= 256, maxRequestHead >= maxRequestLine else {
            throw ValidationError("--max-request-line must be at least 256 and --max-request-head at least --max-request-line.")
        }
        guard headTimeout > 0 else { throw ValidationError("--head-timeout must be positive.") }
        guard longPollTimeout > 0 && longPollTimeout <= 3600 else { throw ValidationError("--long-poll-timeout must be between 0 and 3600 seconds.") }
        let certificate = tlsCertificate ?? Environment.string("HERALD_TLS_CERT")
        let key = tlsKey ?? Environment.string("HERALD_TLS_KEY")
        guard (certificate == nil) == (key == nil) else {
            throw ValidationError("--tls-cert and --tls-key go together: give both, or neither for plain HTTP.")
        }
        for origin in corsOrigins where origin != "*" && !(origin.hasPrefix("http://") || origin.hasPrefix("https://")) {
            throw ValidationError("--cors-origin \(origin) is not an origin: write it as a browser sends it, such as https://app.example.com, or *.")
        }
    }

    func run() async throws {
        var logger = Logger(label: "herald")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info

        let publisherKey = givenPublisherKey ?? Environment.string("HERALD_PUBLISHER_JWT_KEY")
        let subscriberKey = givenSubscriberKey ?? Environment.string("HERALD_SUBSCRIBER_JWT_KEY")
        let developmentMode = keys.key == nil && publisherKey == nil
        let sharedKey = try keys.key ?? (developmentMode ? DevelopmentKey.loadOrCreate(in: dataDir) : nil)
        guard let publisherSecret = publisherKey ?? sharedKey, let subscriberSecret = subscriberKey ?? sharedKey else {
            throw ValidationError("give --jwt-key, or both --publisher-jwt-key and --subscriber-jwt-key.")
        }
        let hubConfiguration = HubConfiguration(
            publisherKey: try keys.configuration(publisherSecret),
            subscriberKey: try keys.configuration(subscriberSecret),
            allowsAnonymousSubscribers: givenAnonymous ?? Environment.boolean("HERALD_ANONYMOUS") ?? developmentMode,
            publishOrigins: publishOrigins,
            heartbeatInterval: heartbeat > 0 ? .milliseconds(Int(heartbeat * 1000)) : nil,
            writeTimeout: writeTimeout > 0 ? .milliseconds(Int(writeTimeout * 1000)) : nil,
            longPollTimeout: .milliseconds(Int64(longPollTimeout * 1000)),
            subscriberQueue: BacklogLimits(updates: queueSize, bytes: 16 << 20),
            subscriberBacklogBytes: maxBacklog,
            subscriberSendBufferBytes: subscriberSendBuffer > 0 ? subscriberSendBuffer : nil,
            writeCoalescingWindow: .microseconds(Int64(writeCoalescing * 1000)),
            maximumPublishBodyBytes: maxBody,
            historyMaximumCount: historySize > 0 ? historySize : nil,
            historyMaximumAge: historyMaxAge > 0 ? .seconds(historyMaxAge) : nil,
            subscriptionEvents: subscriptions
        )
        let location = try StoreLocation(storeLocation, dataDirectory: dataDir)
        let store = try await location.open(durability: durability.storeDurability, logger: logger)
        let hub: Hub
        do {
            hub = try await Hub(configuration: hubConfiguration, store: store, logger: logger)
        } catch {
            try? await store.close()
            throw error
        }
        let token = try? await hub.makePublisherToken(MercureClaims(mercure: .init(publish: ["*"], subscribe: ["*"])))

        let tls: TLSConfiguration?
        do {
            tls = try tlsFiles.map { try HeraldServer.Configuration.tls(certificateChainPEMFile: $0.certificate, privateKeyPEMFile: $0.key) }
        } catch {
            throw ValidationError("--tls-cert and --tls-key could not be read as a PEM certificate chain and key: \(error)")
        }
        let demo = DemoRoutes(
            interval: .milliseconds(Int(demoInterval * 1000)),
            repollRetry: demoRepollRetry,
            developmentPublisherToken: developmentMode ? token : nil
        )
        let configuration = HeraldServer.Configuration(
            host: host,
            port: port,
            eventLoops: eventLoopCount,
            requestLimits: RequestLimits(
                maximumRequestLineBytes: maxRequestLine,
                maximumHeadBytes: maxRequestHead,
                headTimeout: .milliseconds(Int64(headTimeout * 1000))
            ),
            tls: tls,
            crossOrigin: CrossOriginPolicy(hubOrigins: corsOrigins)
        )
        let host = self.host
        let dataDir = self.dataDir
        let anonymous = hubConfiguration.allowsAnonymousSubscribers
        do {
            let connections = configuration.connections
            // The hub's server, with the seeds' demos beside it; on HTTP/2 a stream must not end when
            // the request's side of it closes, which it does as soon as the request is sent.
            try await HeraldServer.run(configuration: configuration, hub: hub, logger: logger) { router in
                demo.register(on: router, openConnections: { connections.open }) { context in
                    ServerSentEventStreamConfiguration(endsWhenRequestSideCloses: !context.isHTTP2)
                }
            } onServerRunning: { port in
                let shown = host == "0.0.0.0" ? "localhost" : host
                StandardStreams.printLine(
                    StartupBanner(
                        baseURL: "\(tls == nil ? "http" : "https")://\(shown):\(port)",
                        publisherToken: token,
                        developmentKeyPath: developmentMode ? (dataDir as NSString).appendingPathComponent(DevelopmentKey.fileName) : nil,
                        anonymousSubscribers: anonymous,
                        history: location.summary
                    ).text
                )
            }
        } catch {
            try? await hub.close()
            throw error
        }
        try await hub.close()
    }
}
