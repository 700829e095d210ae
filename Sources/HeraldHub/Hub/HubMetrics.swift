import Prometheus

/// The hub's Prometheus metrics, served at `/metrics`.
final class HubMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let subscribersConnected: Gauge
    let updatesPublished: Counter
    let deliveries: Counter
    let bytesSent: Counter
    let subscribersDroppedForLag: Counter

    init() {
        func name(_ metric: String, unit: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: "herald", metricName: metric, unitName: unit, helpText: help)
        }
        subscribersConnected = registry.makeGauge(descriptor: name("subscribers", unit: "connected", "Subscribers connected now."))
        updatesPublished = registry.makeCounter(descriptor: name("updates_published", unit: "total", "Updates published and stored."))
        deliveries = registry.makeCounter(descriptor: name("deliveries", unit: "total", "Updates queued for a subscriber."))
        bytesSent = registry.makeCounter(descriptor: name("bytes_sent", unit: "total", "Event-stream bytes handed to subscriber connections."))
        subscribersDroppedForLag = registry.makeCounter(
            descriptor: name(
                "subscribers_dropped",
                unit: "total",
                "Subscribers disconnected because they fell further behind than their queue holds."
            )
        )
    }

    /// The metrics in Prometheus's text format.
    func text() -> String {
        registry.emitToString()
    }
}
