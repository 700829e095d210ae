import ArgumentParser
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// `herald bench`: a load generator for SSE pub/sub hubs (Herald, Mercure, nchan), on SwiftNIO.
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

    /// The subscription URLs, the default when none is given.
    private var subscriptionTargets: [String] {
        subscribeURLs.isEmpty ? ["http://127.0.0.1:8080/.well-known/mercure?topic={topic}"] : subscribeURLs
    }

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

    func validate() throws {
        guard (1...20_000).contains(subscribers) else { throw ValidationError("--subscribers must be between 1 and 20000.") }
        guard (0...4000).contains(messageBytes) else { throw ValidationError("--message-bytes must be between 0 and 4000.") }
        guard (0...20_000).contains(stalled), subscribers + stalled <= 20_000 else {
            throw ValidationError("--stalled must be between 0 and 20000, and with --subscribers at most 20000.")
        }
        guard (0...10_000_000).contains(messages) else { throw ValidationError("--messages must be between 0 and 10000000.") }
        guard subscribers * max(messages, 1) / max(topics, 1) <= 200_000_000 else {
            throw ValidationError("subscribers × messages / topics must stay at or below 200,000,000 deliveries.")
        }
        guard topics >= 1, topics <= subscribers else { throw ValidationError("--topics must be between 1 and --subscribers.") }
        guard rate >= 0, duration > 0, duration <= 600, drain >= 0, drain <= 120 else {
            throw ValidationError("--rate must not be negative; --duration between 0 and 600 s; --drain between 0 and 120 s.")
        }
        guard (1...256).contains(publishConnections) else { throw ValidationError("--publish-connections must be between 1 and 256.") }
        if let idle, !(0...600).contains(idle) { throw ValidationError("--idle must be between 0 and 600 seconds.") }
    }

    private func topicName(_ index: Int) -> String { topics == 1 ? topic : "\(topic)-\(index)" }

    private func url(_ template: String, topic: String) -> String {
        template.replacingOccurrences(of: "{topic}", with: Self.percentEncoded(topic))
    }

    /// `text` with everything but letters and digits percent-encoded: safe in a query and a form.
    private static func percentEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }

    func run() async throws {
        let fileLimit = raiseOpenFileLimit()
        guard subscribers + stalled + publishConnections + 16 <= fileLimit else {
            throw BenchError("\(subscribers) subscribers need more file descriptors than this process may open (\(fileLimit))")
        }
        _ = try BenchTarget(url: url(publishURL, topic: topic))
        let progress = BenchProgress()
        let serverBefore = ProcessUsage.total(of: serverPids)
        let ownBefore = ProcessUsage.current

        // Subscribers, connected in waves so the listen backlog is not overrun.
        let connectStart = monotonicNanoseconds()
        var channels: [(any Channel, BenchSubscriberHandler)] = []
        channels.reserveCapacity(subscribers)
        let group = MultiThreadedEventLoopGroup.singleton
        // For https:// targets: TLS with HTTP/1.1 inside, verified against --cacert (the chain only: a
        // loopback target is named by its address, which is not checked against the certificate).
        let tlsContext = try NIOSSLContext(configuration: try tls.configuration() ?? .makeClientConfiguration())
        var index = 0
        while index < subscribers {
            let wave = min(250, subscribers - index)
            var pending: [EventLoopFuture<(any Channel, BenchSubscriberHandler)>] = []
            for offset in 0..<wave {
                let template = subscriptionTargets[(index + offset) % subscriptionTargets.count]
                let target = try BenchTarget(url: url(template, topic: topicName((index + offset) % topics)))
                let headers = subscriberToken.map { [("Authorization", "Bearer \($0)")] } ?? []
                let handler = BenchSubscriberHandler(target: target, path: target.path, headers: headers, progress: progress)
                let channel = ClientBootstrap(group: group)
                    .channelOption(.socketOption(.so_reuseaddr), value: 1)
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            if target.isTLS {
                                try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tlsContext, serverHostname: nil))
                            }
                            try channel.pipeline.syncOperations.addHandler(handler)
                        }
                    }
                    .connect(host: target.host, port: target.port)
                pending.append(channel.map { ($0, handler) })
            }
            for future in pending { channels.append(try await future.get()) }
            index += wave
            let target = index
            try await waitFor(seconds: 30, "subscribers to connect") {
                progress.connected.load(ordering: .relaxed) + progress.failed.load(ordering: .relaxed) >= target
            }
        }
        let connectSeconds = Double(monotonicNanoseconds() - connectStart) / 1e9
        let connected = progress.connected.load(ordering: .relaxed)
        report("connected \(connected) of \(subscribers) subscribers in \(String(format: "%.2f", connectSeconds)) s")
        if progress.failed.load(ordering: .relaxed) > 0 {
            var statuses: [UInt: Int] = [:]
            for (channel, handler) in channels { statuses[try await handler.stats(on: channel.eventLoop).status, default: 0] += 1 }
            report(
                "subscribers refused: "
                    + statuses.filter { $0.key != 200 }.map { "\($0.value) × " + ($0.key == 0 ? "no answer" : "HTTP \($0.key)") }.joined(
                        separator: ", "
                    )
            )
            if let failure = progress.firstFailure.withLock({ $0 }) { report("the first to get no answer: \(failure)") }
        }

        let stalledSubscribers = try await BenchStalledSubscribers.connect(
            count: stalled,
            to: try subscriptionTargets.map { try BenchTarget(url: url($0, topic: topicName(0))) },
            headers: subscriberToken.map { [("Authorization", "Bearer \($0)")] } ?? [],
            tls: tlsContext
        )
        defer { stalledSubscribers.close() }
        if stalled > 0 { report("connected \(stalled) subscribers that never read") }

        var published = 0
        var publishErrors = 0
        var behindMilliseconds = 0.0
        let runStart = monotonicNanoseconds()
        if let idle {
            try await Task.sleep(for: .milliseconds(Int(idle * 1000)))
        } else {
            (published, publishErrors, behindMilliseconds) = try await publish(progress: progress)
            let expected = expectedDeliveries(published: published)
            let drainUntil = monotonicNanoseconds() + UInt64(drain * 1e9)
            while progress.delivered.load(ordering: .relaxed) < expected, monotonicNanoseconds() < drainUntil {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        let lastDelivery = progress.lastDelivery.load(ordering: .relaxed)
        let end = idle == nil && lastDelivery > runStart ? lastDelivery : monotonicNanoseconds()
        let serverAfter = ProcessUsage.total(of: serverPids)
        let ownAfter = ProcessUsage.current

        var all = SubscriberStats()
        var latencies: [UInt32] = []
        var spread = DeliverySpread()
        for (channel, handler) in channels {
            let stats = try await handler.stats(on: channel.eventLoop)
            if topics == 1 && publishConnections == 1 { spread.add(stats, published: published) }
            all.received += stats.received
            all.duplicated += stats.duplicated
            all.reordered += stats.reordered
            all.malformed += stats.malformed
            latencies += stats.latencies
        }
        for (channel, _) in channels { channel.close(promise: nil) }

        let expected = idle == nil ? expectedDeliveries(published: published) : 0
        let seconds = Double(end - runStart) / 1e9
        let serverCPU = serverBefore.flatMap { before in serverAfter.map { $0.cpuSeconds - before.cpuSeconds } }
        let serverUserCPU = serverBefore.flatMap { before in serverAfter.map { $0.userSeconds - before.userSeconds } }
        func perDelivery(_ seconds: Double?) -> Double? {
            seconds.flatMap { all.received > 0 ? $0 * 1e6 / Double(all.received) : nil }
        }
        var result = BenchReport(
            label: label,
            subscribers: subscribers,
            connected: connected,
            connectSeconds: connectSeconds,
            published: published,
            expectedDeliveries: expected,
            delivered: all.received,
            lost: max(0, expected - all.received),
            duplicated: all.duplicated,
            reordered: all.reordered,
            malformed: all.malformed,
            seconds: seconds,
            deliveriesPerSecond: seconds > 0 ? Double(all.received) / seconds : 0,
            latencyMilliseconds: BenchReport.percentiles(latencies),
            firstSubscriberLatencyMilliseconds: spread.firstMilliseconds,
            lastSubscriberLatencyMilliseconds: spread.lastMilliseconds,
            publishBehindScheduleMilliseconds: behindMilliseconds,
            publishErrors: publishErrors,
            publishConnections: publishConnections,
            serverCPUSeconds: serverCPU,
            serverCPUMicrosecondsPerDelivery: perDelivery(serverCPU),
            serverUserCPUMicrosecondsPerDelivery: perDelivery(serverUserCPU),
            serverRSSBytes: serverAfter?.residentBytes,
            serverRSSBytesPerSubscriber: nil,
            generatorCPUSeconds: ownBefore.flatMap { before in ownAfter.map { $0.cpuSeconds - before.cpuSeconds } },
            stalledSubscribers: stalled
        )
        if let before = serverBefore, let after = serverAfter, connected > 0 {
            result.serverRSSBytesPerSubscriber = Double(after.residentBytes - before.residentBytes) / Double(connected)
        }
        StandardStreams.printLine(json ? result.json : result.markdown)
    }

    /// Deliveries expected when `published` messages went round-robin over the topics.
    private func expectedDeliveries(published: Int) -> Int {
        var total = 0
        for subscriber in 0..<subscribers {
            let topicIndex = subscriber % topics
            total += published / topics + (topicIndex < published % topics ? 1 : 0)
        }
        return total
    }

    /// Publishes up to `messages` at `rate`, over `publishConnections` keep-alive connections.
    private func publish(progress: BenchProgress) async throws -> (published: Int, errors: Int, behindMilliseconds: Double) {
        let plan = BenchPublisher.Plan(
            protocol: self.protocol == .mercure ? .mercure : .nchan,
            formTopics: (0..<topics).map { Self.percentEncoded(topicName($0)) },
            urls: (0..<topics).map { url(publishURL, topic: topicName($0)) },
            token: token,
            messages: messages,
            rate: rate,
            duration: duration,
            connections: publishConnections,
            messageBytes: messageBytes,
            tls: try tls.configuration()
        )
        return await BenchPublisher(plan: plan, progress: progress).run { line in report(line) }
    }

    private func waitFor(seconds: Double, _ what: String, _ condition: () -> Bool) async throws {
        let deadline = monotonicNanoseconds() + UInt64(seconds * 1e9)
        while !condition() {
            guard monotonicNanoseconds() < deadline else { throw BenchError("gave up waiting \(seconds) s for \(what)") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    private nonisolated func report(_ line: String) {
        StandardStreams.printError("herald bench: " + line)
    }
}
