import ArgumentParser
import HeraldHub
import Hummingbird
import Logging

/// `herald serve`: runs the Herald server (the default command).
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the Herald server: the seed demos at / (the hub comes next).",
        discussion: "Every option can also be set with an environment variable: HERALD_HOST, HERALD_PORT, HERALD_DEMO_INTERVAL."
    )

    @Option(help: "The address to listen on (env HERALD_HOST).")
    var host = Environment.string("HERALD_HOST") ?? "127.0.0.1"

    @Option(help: "The port to listen on; 0 picks a free one (env HERALD_PORT).")
    var port = Environment.integer("HERALD_PORT") ?? 8080

    @Option(help: "Seconds between ticks of the demo streams, fractions allowed (env HERALD_DEMO_INTERVAL).")
    var demoInterval = Environment.double("HERALD_DEMO_INTERVAL") ?? 1.0

    @Option(help: "The reconnection time, in milliseconds, the re-poll demo asks browsers for.")
    var demoRepollRetry = 2000

    @Option(help: "The log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535.") }
        guard demoInterval >= 0.01 && demoInterval <= 3600 else {
            throw ValidationError("--demo-interval must be between 0.01 and 3600 seconds.")
        }
        guard demoRepollRetry >= 0 else { throw ValidationError("--demo-repoll-retry must not be negative.") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level \(logLevel) is not a log level.") }
    }

    func run() async throws {
        var logger = Logger(label: "herald")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let configuration = HeraldServer.Configuration(
            host: host,
            port: port,
            demo: DemoRoutes(interval: .milliseconds(Int(demoInterval * 1000)), repollRetry: demoRepollRetry)
        )
        let host = self.host
        let app = HeraldServer.makeApplication(configuration: configuration, logger: logger) { port in
            let shown = host == "0.0.0.0" ? "localhost" : host
            StandardStreams.printLine("Herald is running: open http://\(shown):\(port)/ for the Server-Sent Events demos.")
        }
        try await app.runService()
    }
}
