import Foundation

/// The result of one `herald bench` run, as Markdown or JSON.
package struct BenchReport: Codable, Sendable {
    var label: String
    var subscribers: Int
    var connected: Int
    var connectSeconds: Double
    var published: Int
    var expectedDeliveries: Int
    var delivered: Int
    var lost: Int
    var duplicated: Int
    var reordered: Int
    var malformed: Int
    var seconds: Double
    var deliveriesPerSecond: Double
    var latencyMilliseconds: [String: Double]
    /// Over messages, the latency to each one's first subscriber (see ``DeliverySpread``).
    var firstSubscriberLatencyMilliseconds: [String: Double]?
    /// Over messages, the latency to each one's last subscriber.
    var lastSubscriberLatencyMilliseconds: [String: Double]?
    var publishBehindScheduleMilliseconds: Double
    var publishErrors: Int
    var publishConnections: Int
    var serverCPUSeconds: Double?
    var serverCPUMicrosecondsPerDelivery: Double?
    /// Of the server's CPU per delivery, the part in user space (the rest is the kernel's).
    var serverUserCPUMicrosecondsPerDelivery: Double?
    var serverRSSBytes: Int?
    var serverRSSBytesPerSubscriber: Double?
    var generatorCPUSeconds: Double?
    /// Subscribers that never read, beside the measured ones (`--stalled`).
    var stalledSubscribers: Int
    /// Messages the flood published to another topic meanwhile (`--flood`).
    var floodPublished: Int?

    /// Percentiles of `latencies` (microseconds), in milliseconds.
    static func percentiles(_ latencies: [UInt32]) -> [String: Double] {
        guard !latencies.isEmpty else { return [:] }
        let sorted = latencies.sorted()
        func at(_ fraction: Double) -> Double {
            Double(sorted[min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.down)))]) / 1000
        }
        return ["p50": at(0.5), "p90": at(0.9), "p99": at(0.99), "max": Double(sorted[sorted.count - 1]) / 1000]
    }

    package var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    package var markdown: String {
        func number(_ value: Double?, _ digits: Int = 1) -> String {
            guard let value else { return "–" }
            return String(format: "%.\(digits)f", value)
        }
        var rows: [(String, String)] = [
            ("subscribers connected", "\(connected) of \(subscribers) in \(number(connectSeconds, 2)) s"),
            ("messages published", "\(published) (\(publishErrors) errors; at most \(number(publishBehindScheduleMilliseconds)) ms behind schedule)"),
            ("deliveries", "\(delivered) of \(expectedDeliveries) expected in \(number(seconds, 2)) s: \(number(deliveriesPerSecond, 0))/s"),
            (
                "lost / duplicated / reordered",
                "\(lost) / \(duplicated) / \(reordered)"
                    + (publishConnections > 1 ? " (reordering is expected with \(publishConnections) publish connections)" : "")
            ),
        ]
        if !latencyMilliseconds.isEmpty {
            rows.append(
                (
                    "latency p50 / p90 / p99 / max",
                    ["p50", "p90", "p99", "max"].map { number(latencyMilliseconds[$0]) + " ms" }.joined(separator: " / ")
                )
            )
        }
        if let first = firstSubscriberLatencyMilliseconds, let last = lastSubscriberLatencyMilliseconds {
            rows.append(
                (
                    "latency to a message's first / last subscriber, p50 and p99",
                    "\(number(first["p50"])) / \(number(last["p50"])) ms and \(number(first["p99"])) / \(number(last["p99"])) ms"
                )
            )
        }
        if let serverCPUSeconds {
            rows.append(
                (
                    "server CPU",
                    "\(number(serverCPUSeconds, 2)) s, \(number(serverCPUMicrosecondsPerDelivery, 2)) µs per delivery "
                        + "(\(number(serverUserCPUMicrosecondsPerDelivery, 2)) µs of it in user space)"
                )
            )
        }
        if let serverRSSBytes {
            rows.append(
                (
                    "server RSS",
                    "\(serverRSSBytes / 1024) KiB" + (serverRSSBytesPerSubscriber.map { ", \(number($0 / 1024)) KiB per subscriber" } ?? "")
                )
            )
        }
        if let generatorCPUSeconds { rows.append(("generator CPU", "\(number(generatorCPUSeconds, 2)) s")) }
        if stalledSubscribers > 0 { rows.append(("subscribers that never read, beside these", "\(stalledSubscribers)")) }
        if let floodPublished { rows.append(("messages flooding another topic meanwhile", "\(floodPublished)")) }
        return "### \(label)\n\n| measure | value |\n|---|---|\n" + rows.map { "| \($0.0) | \($0.1) |" }.joined(separator: "\n") + "\n"
    }
}
