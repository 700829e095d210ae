import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

/// The publishing side of `herald bench`: messages `SEQUENCE,SEND_TIME` on a schedule, over a few
/// keep-alive connections, each waiting for the hub's answer before sending its next.
final class BenchPublisher: Sendable {
    typealias Format = LoadGenerator.PublishProtocol

    struct Plan: Sendable {
        let `protocol`: Format
        /// Each topic, form-encoded for Mercure's `topic=` field.
        let formTopics: [String]
        /// The publish URL of each topic.
        let urls: [String]
        let token: String?
        let messages: Int
        /// Messages per second; 0 for as fast as answered.
        let rate: Double
        let duration: Double
        let connections: Int
        /// Each message's data is padded (`,xxx…`) to this many bytes, when longer than the numbers.
        let messageBytes: Int
        /// How to trust an `https://` hub; `nil` for the system's roots.
        let tls: TLSConfiguration?
    }

    private let plan: Plan
    private let progress: BenchProgress
    private let next = Atomic(0)
    private let errors = Atomic(0)
    /// The most any message was sent after its scheduled time, in microseconds.
    private let behind = Atomic(0)
    private let lastReport = Atomic<UInt64>(0)
    private let stopped = Atomic(false)

    init(plan: Plan, progress: BenchProgress) {
        self.plan = plan
        self.progress = progress
    }

    /// Publishes until every message is sent or the duration ends; `report` gets a progress line a second.
    func run(report: @escaping @Sendable (String) -> Void) async -> (published: Int, errors: Int, behindMilliseconds: Double) {
        var configuration = HTTPClient.Configuration(tlsConfiguration: plan.tls)
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = plan.connections
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let start = monotonicNanoseconds() + 10_000_000
        let stopAt = start + UInt64(plan.duration * 1e9)
        lastReport.store(start, ordering: .relaxed)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<plan.connections {
                group.addTask { await self.sendLoop(client: client, start: start, stopAt: stopAt, report: report) }
            }
        }
        try? await client.shutdown()
        return (progress.published.load(ordering: .relaxed), errors.load(ordering: .relaxed), Double(behind.load(ordering: .relaxed)) / 1000)
    }

    /// Ends publishing: each connection stops after the message it is sending.
    func stop() {
        stopped.store(true, ordering: .relaxed)
    }

    private func sendLoop(client: HTTPClient, start: UInt64, stopAt: UInt64, report: @Sendable (String) -> Void) async {
        while !stopped.load(ordering: .relaxed) {
            let sequence = next.add(1, ordering: .relaxed).oldValue
            guard sequence < plan.messages else { return }
            if plan.rate > 0 {
                let due = start + UInt64(Double(sequence) / plan.rate * 1e9)
                let now = monotonicNanoseconds()
                if due > now {
                    try? await Task.sleep(for: .nanoseconds(Int64(due - now)))
                } else {
                    let late = Int((now - due) / 1000)
                    if late > behind.load(ordering: .relaxed) { behind.store(late, ordering: .relaxed) }
                }
            }
            let sentAt = monotonicNanoseconds()
            if sentAt >= stopAt { return }
            let topicIndex = sequence % plan.urls.count
            var request = HTTPClientRequest(url: plan.urls[topicIndex])
            request.method = .POST
            var data = "\(sequence),\(sentAt)"
            // Padding after a comma, which the subscribers' scanner stops at.
            if plan.messageBytes > data.utf8.count + 1 { data += "," + String(repeating: "x", count: plan.messageBytes - data.utf8.count - 1) }
            switch plan.protocol {
            case .mercure:
                request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
                if let token = plan.token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
                request.body = .bytes(ByteBuffer(string: "topic=\(plan.formTopics[topicIndex])&data=\(data)"))
            case .nchan:
                request.body = .bytes(ByteBuffer(string: data))
            }
            do {
                let response = try await client.execute(request, timeout: .seconds(30))
                _ = try await response.body.collect(upTo: 1 << 16)
                if (200..<300).contains(response.status.code) {
                    progress.published.add(1, ordering: .relaxed)
                } else {
                    errors.add(1, ordering: .relaxed)
                }
            } catch {
                errors.add(1, ordering: .relaxed)
            }
            let now = monotonicNanoseconds()
            let previous = lastReport.load(ordering: .relaxed)
            if now > previous + 1_000_000_000, lastReport.compareExchange(expected: previous, desired: now, ordering: .relaxed).exchanged {
                report(
                    "published \(progress.published.load(ordering: .relaxed)), delivered \(progress.delivered.load(ordering: .relaxed)), connected \(progress.connected.load(ordering: .relaxed))"
                )
            }
        }
    }
}
