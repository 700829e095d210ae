import Foundation
import HeraldHub
import NIOHTTP1
import ServerSentEvents
import Testing

/// Subscription events and the subscriptions API.
@Suite struct SubscriptionsAPITests {
    static let apiSelector = "/.well-known/mercure/subscriptions{/topic}{/subscriber}"

    private func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test(arguments: StoreBackend.all) func connectAndDisconnectPublishPrivateSubscriptionEvents(store: StoreBackend) async throws {
        try await HubTestServer.with(store: store) { server in
            let token = try await server.token(subscribe: [Self.apiSelector], payload: .object(["user": .string("watcher")]))
            let watcher = try await server.subscribe("topic=" + FormBody.query(Self.apiSelector), headers: [("Authorization", "Bearer \(token)")])
            let member = Task {
                let stream = try await server.subscribe(
                    "topic=" + FormBody.query("https://example.com/{room}"),
                    headers: [("Authorization", "Bearer \(try await server.token(subscribe: [], payload: .object(["user": .string("ada")])))")]
                )
                try await stream.readToEnd()
            }
            // The watcher's own subscription comes first.
            let own = try json(try #require(try await watcher.next()).data)
            #expect(own["topic"] as? String == Self.apiSelector)
            let joined = try json(try #require(try await watcher.next()).data)
            #expect(joined["@context"] as? String == "https://mercure.rocks/")
            #expect(joined["type"] as? String == "Subscription")
            #expect(joined["topic"] as? String == "https://example.com/{room}")
            #expect(joined["active"] as? Bool == true)
            #expect((joined["payload"] as? [String: Any])?["user"] as? String == "ada")
            let subscriber = try #require(joined["subscriber"] as? String)
            #expect(subscriber.hasPrefix("urn:uuid:"))
            #expect(
                joined["id"] as? String == "/.well-known/mercure/subscriptions/https%3A%2F%2Fexample.com%2F%7Broom%7D/"
                    + subscriber.replacingOccurrences(of: ":", with: "%3A")
            )
            member.cancel()
            let left = try json(try #require(try await watcher.next()).data)
            #expect(left["active"] as? Bool == false)
            #expect(left["subscriber"] as? String == subscriber)
        }
    }

    @Test(arguments: StoreBackend.all) func apiListsActiveSubscriptionsAsJSONLD(store: StoreBackend) async throws {
        try await HubTestServer.with(store: store) { server in
            let token = try await server.token(subscribe: [Self.apiSelector])
            let authorization = ("Authorization", "Bearer \(token)")
            let stream = try await server.subscribe("topic=a&topic=" + FormBody.query("https://example.com/{x}"))
            _ = stream
            let all = try await server.get("/.well-known/mercure/subscriptions", headers: [authorization])
            #expect(all.status == 200)
            #expect(all.headers["Content-Type"] == ["application/ld+json"])
            let collection = try json(all.body)
            #expect(collection["@context"] as? String == "https://mercure.rocks/")
            #expect(collection["id"] as? String == "/.well-known/mercure/subscriptions")
            #expect(collection["type"] as? String == "Subscriptions")
            #expect((collection["lastEventID"] as? String)?.hasPrefix("urn:uuid:") == true)
            let subscriptions = try #require(collection["subscriptions"] as? [[String: Any]])
            #expect(Set(subscriptions.compactMap { $0["topic"] as? String }) == ["a", "https://example.com/{x}"])
            let subscriber = try #require(subscriptions.first?["subscriber"] as? String)

            let byTopic = try await server.get(
                "/.well-known/mercure/subscriptions/" + FormBody.query("https://example.com/{x}"),
                headers: [authorization]
            )
            let topicCollection = try json(byTopic.body)
            #expect((topicCollection["subscriptions"] as? [[String: Any]])?.map { $0["topic"] as? String } == ["https://example.com/{x}"])

            let one = try await server.get("/.well-known/mercure/subscriptions/a/" + FormBody.query(subscriber), headers: [authorization])
            #expect(one.status == 200)
            let document = try json(one.body)
            #expect(document["type"] as? String == "Subscription")
            #expect(document["topic"] as? String == "a")
            #expect(document["active"] as? Bool == true)
            #expect(document["lastEventID"] as? String == collection["lastEventID"] as? String)

            let missing = try await server.get("/.well-known/mercure/subscriptions/a/urn%3Auuid%3Anobody", headers: [authorization])
            #expect(missing.status == 404)
        }
    }

    @Test(arguments: StoreBackend.all) func apiNeedsATokenCoveringTheRequestedPath(store: StoreBackend) async throws {
        try await HubTestServer.with(store: store) { server in
            let anonymous = try await server.get("/.well-known/mercure/subscriptions")
            #expect(anonymous.status == 401)
            let elsewhere = try await server.get(
                "/.well-known/mercure/subscriptions",
                headers: [("Authorization", "Bearer \(try await server.token(subscribe: ["https://example.com/{x}"]))")]
            )
            #expect(elsewhere.status == 403)
        }
    }
}
