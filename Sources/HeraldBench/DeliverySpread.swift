/// For each message, how long it took to reach its first subscriber and its last: the first is the
/// publish path's share of the latency, the gap to the last the fan-out's.
///
/// Only measurable when every subscriber received every message once and in order (one topic, one
/// publish connection, nothing lost): a subscriber's n-th latency is then the n-th message's.
struct DeliverySpread {
    private var first: [UInt32] = []
    private var last: [UInt32] = []
    private var isMeasurable = true

    /// Adds one subscriber's latencies, given `published` messages in all.
    mutating func add(_ stats: SubscriberStats, published: Int) {
        guard isMeasurable, published > 0, stats.received == published, stats.latencies.count == published,
            stats.reordered == 0, stats.duplicated == 0
        else {
            isMeasurable = false
            return
        }
        if first.isEmpty {
            first = stats.latencies
            last = stats.latencies
            return
        }
        for (message, latency) in stats.latencies.enumerated() {
            first[message] = min(first[message], latency)
            last[message] = max(last[message], latency)
        }
    }

    /// Percentiles, over messages, of the latency to each one's first subscriber; `nil` when not measurable.
    var firstMilliseconds: [String: Double]? {
        isMeasurable && !first.isEmpty ? BenchReport.percentiles(first) : nil
    }

    /// Percentiles, over messages, of the latency to each one's last subscriber; `nil` when not measurable.
    var lastMilliseconds: [String: Double]? {
        isMeasurable && !last.isEmpty ? BenchReport.percentiles(last) : nil
    }
}
