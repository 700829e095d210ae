import HeraldHub
import NIOHTTP1
import ServerSentEvents
import Testing

@Suite struct MetricsTests {
    @Test func metricsCountSubscribersUpdatesDeliveriesAndBytes() async throws {
        try await HubTestServer.with(configure: { $0.subscriptionEvents = false }) { server in
            let first = try await server.subscribe("topic=a")
            let second = try await server.subscribe("topic=a")
            #expect(await server.subscriberCount() == 2)
            try await server.publish(topics: ["a"], data: "hello", id: "1")
            _ = try await first.next()
            _ = try await second.next()
            #expect(await server.metric("herald_updates_published_total") == 1)
            #expect(await server.metric("herald_deliveries_total") == 2)
            // "id: 1\ndata: hello\n\n" is 19 bytes, to each of two subscribers.
            #expect(await server.metric("herald_bytes_sent_total") == 38)
            let health = try await server.get("/healthz")
            #expect(health.status == 200)
        }
    }
}
