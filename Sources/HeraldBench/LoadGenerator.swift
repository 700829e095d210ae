import Foundation
import NIOCore
import NIOPosix
package import NIOSSL
import Synchronization

/// A load generator for SSE pub/sub hubs (Herald, Mercure, nchan), on SwiftNIO: subscribers on one
/// or more topics, publishers on a schedule, and what came of it (``BenchReport``): deliveries,
/// latency, loss, duplicates, order, and the server's CPU time and memory.
///
/// Only loopback targets are accepted; every run is bounded in count and time. `herald bench` is a
/// thin command over it.
package struct LoadGenerator: Sendable {
    /// How messages are published: as a Mercure form (`topic=…&data=…`, with a bearer token) or as
    /// nchan's raw body.
    package enum PublishProtocol: Sendable { case mercure, nchan }

    package var publishProtocol: PublishProtocol = .mercure
    /// The subscription URLs, with `{topic}` for the topic; subscribers are spread over them in
    /// turn, as over the nodes of a cluster.
    package var subscriptionTargets = ["http://127.0.0.1:8080/.well-known/mercure?topic={topic}"]
    /// The publish URL, with `{topic}` for the topic.
    package var publishURL = "http://127.0.0.1:8080/.well-known/mercure"
    /// How to trust an `https://` hub; `nil` for the system's roots.
    package var tls: TLSConfiguration?
    /// A publisher token (Mercure).
    package var token: String?
    /// A token the subscribers send in `Authorization`.
    package var subscriberToken: String?
    /// The topic; with `topics` above 1, topics are `TOPIC-0` … `TOPIC-(N-1)`.
    package var topic = "https://example.com/bench"
    package var topics = 1
    package var subscribers = 100
    package var messages = 1000
    /// Messages per second; 0 publishes as fast as the hub answers.
    package var rate = 0.0
    /// Seconds after which publishing stops.
    package var duration = 60.0
    package var publishConnections = 1
    /// Each message's data, padded to this many bytes; 0 sends only its numbers.
    package var messageBytes = 0
    /// Subscribers that connect beside the measured ones and never read.
    package var stalled = 0
    /// Connections publishing to another topic (`TOPIC-flood`, with no subscribers) as fast as
    /// the hub answers, for as long as the measured messages are published: whether a flood on one
    /// topic delays the others.
    package var flood = 0
    /// Seconds to hold the subscribers idle instead of publishing (memory per connection).
    package var idle: Double?
    /// The server's processes, for CPU time and memory (from `/proc`).
    package var serverPids: [Int32] = []
    /// Seconds to wait for the last deliveries after publishing ends.
    package var drain = 5.0
    package var label = "herald bench"

    package init() {}

    /// Checks the settings against the generator's bounds.
    package func validate() throws(BenchError) {
        guard (1...20_000).contains(subscribers) else { throw BenchError("--subscribers must be between 1 and 20000.") }
        guard (0...4000).contains(messageBytes) else { throw BenchError("--message-bytes must be between 0 and 4000.") }
        guard (0...20_000).contains(stalled), subscribers + stalled <= 20_000 else {
            throw BenchError("--stalled must be between 0 and 20000, and with --subscribers at most 20000.")
        }
        guard (0...10_000_000).contains(messages) else { throw BenchError("--messages must be between 0 and 10000000.") }
        guard subscribers * max(messages, 1) / max(topics, 1) <= 200_000_000 else {
            throw BenchError("subscribers × messages / topics must stay at or below 200,000,000 deliveries.")
        }
        guard topics >= 1, topics <= subscribers else { throw BenchError("--topics must be between 1 and --subscribers.") }
        guard rate >= 0, duration > 0, duration <= 600, drain >= 0, drain <= 120 else {
            throw BenchError("--rate must not be negative; --duration between 0 and 600 s; --drain between 0 and 120 s.")
        }
        guard (1...256).contains(publishConnections) else { throw BenchError("--publish-connections must be between 1 and 256.") }
        guard (0...64).contains(flood) else { throw BenchError("--flood must be between 0 and 64.") }
        if let idle, !(0...600).contains(idle) { throw BenchError("--idle must be between 0 and 600 seconds.") }
    }

    private func topicName(_ index: Int) -> String { topics == 1 ? topic : "\(topic)-\(index)" }

    private func url(_ template: String, topic: String) -> String {
        template.replacingOccurrences(of: "{topic}", with: Self.percentEncoded(topic))
    }

    /// `text` with everything but letters and digits percent-encoded: safe in a query and a form.
    private static func percentEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }

    /// Connects the subscribers, publishes, waits for the deliveries and measures; `report` is
    /// told of the progress, a line at a time.
    package func run(reporting report: @escaping @Sendable (String) -> Void) async throws -> BenchReport {
        let fileLimit = raiseOpenFileLimit()
        guard subscribers + stalled + publishConnections + flood + 16 <= fileLimit else {
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
        let tlsContext = try NIOSSLContext(configuration: tls ?? .makeClientConfiguration())
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
        var floodPublished: Int?
        let runStart = monotonicNanoseconds()
        if let idle {
            try await Task.sleep(for: .milliseconds(Int(idle * 1000)))
        } else {
            let flooding = flood > 0 ? BenchPublisher(plan: floodPlan(), progress: BenchProgress()) : nil
            let floodTask = flooding.map { flooding in Task { await flooding.run { _ in } } }
            (published, publishErrors, behindMilliseconds) = await publish(progress: progress, reporting: report)
            flooding?.stop()
            if let flooded = await floodTask?.value {
                floodPublished = flooded.published
                report("the flood published \(flooded.published) messages to another topic (\(flooded.errors) errors)")
            }
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
            stalledSubscribers: stalled,
            floodPublished: floodPublished
        )
        if let before = serverBefore, let after = serverAfter, connected > 0 {
            result.serverRSSBytesPerSubscriber = Double(after.residentBytes - before.residentBytes) / Double(connected)
        }
        return result
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
    private func publish(
        progress: BenchProgress,
        reporting report: @escaping @Sendable (String) -> Void
    ) async -> (published: Int, errors: Int, behindMilliseconds: Double) {
        let plan = publishPlan(
            topics: (0..<topics).map(topicName),
            messages: messages,
            rate: rate,
            duration: duration,
            connections: publishConnections
        )
        return await BenchPublisher(plan: plan, progress: progress).run { line in report(line) }
    }

    /// The flood: another topic, as fast as answered, on `flood` connections, until stopped.
    private func floodPlan() -> BenchPublisher.Plan {
        publishPlan(topics: [topic + "-flood"], messages: 10_000_000, rate: 0, duration: 600, connections: flood)
    }

    /// Publishing to `topics` in turn, with this generator's protocol, URL, token, size and TLS.
    private func publishPlan(topics: [String], messages: Int, rate: Double, duration: Double, connections: Int) -> BenchPublisher.Plan {
        BenchPublisher.Plan(
            protocol: publishProtocol,
            formTopics: topics.map(Self.percentEncoded),
            urls: topics.map { url(publishURL, topic: $0) },
            token: token,
            messages: messages,
            rate: rate,
            duration: duration,
            connections: connections,
            messageBytes: messageBytes,
            tls: tls
        )
    }

    private func waitFor(seconds: Double, _ what: String, _ condition: () -> Bool) async throws {
        let deadline = monotonicNanoseconds() + UInt64(seconds * 1e9)
        while !condition() {
            guard monotonicNanoseconds() < deadline else { throw BenchError("gave up waiting \(seconds) s for \(what)") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
