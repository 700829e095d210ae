import ArgumentParser
import HeraldBench

/// `herald bench`: the command line of ``LoadGenerator`` (HeraldBench), a load generator for SSE
/// pub/sub hubs (Herald, Mercure, nchan).
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure an SSE hub on loopback: subscribers, a publisher, latency, loss and the server's CPU and memory.",
        discussion: """
            Subscribers GET --subscribe-url (with {topic} replaced); the publisher POSTs each message to \
            --publish-url, as a Mercure form (topic=…&data=…, with --token) or as nchan's raw body. Each \
            message's data is SEQUENCE,SEND_TIME so every subscriber measures latency, loss, duplicates and \
            order. Only loopback targets are accepted; every run is bounded in count and time.
            Example (Herald): herald bench --subscribers 1000 --messages 1000 --rate 200 --token JWT \\
              --server-pid $(pgrep -f 'herald serve')
            Example (nchan): herald bench --protocol nchan --subscribe-url 'http://127.0.0.1:8081/sub?id={topic}' \\
              --publish-url 'http://127.0.0.1:8081/pub?id={topic}' --subscribers 1000 --messages 1000 --rate 200
            """
    )

    enum PublishProtocol: String, ExpressibleByArgument, CaseIterable {
        case mercure, nchan
    }

    @Option(help: "mercure (form POST with topic and data, Bearer token) or nchan (raw body).")
    var `protocol`: PublishProtocol = .mercure

    @Option(
        name: .customLong("subscribe-url"),
        help:
            "The subscription URL; {topic} is replaced by the topic. Repeatable: subscribers are spread over the URLs in turn, as over the nodes of a cluster (default http://127.0.0.1:8080/.well-known/mercure?topic={topic})."
    )
    var subscribeURLs: [String] = []

    @Option(help: "The publish URL; {topic} is replaced by the topic.")
    var publishURL = "http://127.0.0.1:8080/.well-known/mercure"

    @OptionGroup var tls: TLSClientOptions

    @Option(help: "A publisher token (Mercure).")
    var token: String?

    @Option(help: "A token the subscribers send in Authorization (Mercure hubs that refuse anonymous subscribers).")
    var subscriberToken: String?

    @Option(help: "The topic; with --topics N, topics are TOPIC-0 … TOPIC-(N-1).")
    var topic = "https://example.com/bench"

    @Option(help: "Topics the subscribers and messages are spread over.")
    var topics = 1

    @Option(help: "Subscriber connections (at most 20,000).")
    var subscribers = 100

    @Option(help: "Messages to publish (at most 10,000,000; with --duration, publishing also stops then).")
    var messages = 1000

    @Option(help: "Messages per second; 0 publishes as fast as the hub answers.")
    var rate = 0.0

    @Option(help: "Seconds after which publishing stops, if it has not ended (at most 600).")
    var duration = 60.0

    @Option(help: "Keep-alive publishing connections. With more than one, messages may reach the hub out of order, so 'reordered' says little.")
    var publishConnections = 1

    @Option(help: "Each message's data, padded to this many bytes (at most 4000); 0 sends only its numbers.")
    var messageBytes = 0

    @Option(
        help:
            "Subscribers that connect beside the measured ones and never read (isolation: a hub must not let them slow the others or grow without bound). Not counted in deliveries."
    )
    var stalled = 0

    @Option(
        help:
            "Connections publishing to another topic (TOPIC-flood, no subscribers) as fast as the hub answers while the measured messages are published (isolation: a flood on one topic must not delay the others)."
    )
    var flood = 0

    @Option(help: "Seconds to hold the subscribers idle instead of publishing (memory per connection).")
    var idle: Double?

    @Option(
        name: .customLong("server-pid"),
        help: "The server's process id, for its CPU time and memory (from /proc). Repeatable: the processes of a cluster's nodes are added up."
    )
    var serverPids: [Int32] = []

    @Option(help: "Seconds to wait for the last deliveries after publishing ends.")
    var drain = 5.0

    @Option(help: "A label for the report.")
    var label = "herald bench"

    @Flag(help: "Print the result as JSON instead of Markdown.")
    var json = false

    /// The generator these options describe.
    private func loadGenerator() throws -> LoadGenerator {
        var generator = LoadGenerator()
        generator.publishProtocol = self.protocol == .mercure ? .mercure : .nchan
        if !subscribeURLs.isEmpty { generator.subscriptionTargets = subscribeURLs }
        generator.publishURL = publishURL
        generator.tls = try tls.configuration()
        generator.token = token
        generator.subscriberToken = subscriberToken
        generator.topic = topic
        generator.topics = topics
        generator.subscribers = subscribers
        generator.messages = messages
        generator.rate = rate
        generator.duration = duration
        generator.publishConnections = publishConnections
        generator.messageBytes = messageBytes
        generator.stalled = stalled
        generator.flood = flood
        generator.idle = idle
        generator.serverPids = serverPids
        generator.drain = drain
        generator.label = label
        return generator
    }

    func validate() throws {
        do {
            try loadGenerator().validate()
        } catch let error as BenchError {
            throw ValidationError(error.description)
        }
    }

    func run() async throws {
        let result = try await loadGenerator().run { line in StandardStreams.printError("herald bench: " + line) }
        StandardStreams.printLine(json ? result.json : result.markdown)
    }
}
