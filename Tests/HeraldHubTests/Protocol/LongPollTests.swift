import Foundation
import HeraldHub
import HeraldTesting
import NIOHTTP1
import ServerSentEvents
import Testing

/// Long polling (`longPoll=1`): one answer per request, with the stream's ids, topics and rules.
@Suite struct LongPollTests {
    @Test(arguments: StoreBackend.all) func withoutACursorItAnswersAtOnceWithTheNewestID(store: StoreBackend) async throws {
        try await HubTestServer.with(store: store) { server in
            let empty = try await server.get("/.well-known/mercure?topic=a&longPoll=1")
            #expect(empty.status == 200)
            #expect(empty.body.isEmpty)
            #expect(empty.headers["Last-Event-ID"] == ["earliest"])
            try await server.publish(topics: ["a"], data: "one")
            let newest = try await server.publish(topics: ["b"], data: "two")
            let answer = try await server.get("/.well-known/mercure?topic=a&longPoll=1")
            #expect(answer.body.isEmpty)
            #expect(answer.headers["Last-Event-ID"] == [newest])
            #expect(answer.headers["Content-Type"] == ["text/event-stream"])
        }
    }

    @Test(arguments: StoreBackend.all) func itAnswersAtOnceWithTheHistoryAfterTheCursor(store: StoreBackend) async throws {
        try await HubTestServer.with(store: store) { server in
            let first = try await server.publish(topics: ["a"], data: "one")
            let second = try await server.publish(topics: ["a"], data: "two")
            try await server.publish(topics: ["b"], data: "another topic")
            let third = try await server.publish(topics: ["a"], data: "three")
            let answer = try await server.get("/.well-known/mercure?topic=a&longPoll=1&lastEventID=\(FormBody.query(first))")
            let events = Self.events(answer.body)
            #expect(events.map(\.data) == ["two", "three"])
            #expect(events.map(\.id) == [second, third])
            #expect(answer.headers["Last-Event-ID"] == [third])
            // The header wins over the parameter, as for streams.
            let byHeader = try await server.get("/.well-known/mercure?topic=a&longPoll=1&lastEventID=earliest", headers: [("Last-Event-ID", second)])
            #expect(Self.events(byHeader.body).map(\.data) == ["three"])
        }
    }

    @Test(arguments: StoreBackend.all) func itWaitsForTheNextUpdateAndAnswersWithIt(store: StoreBackend) async throws {
        try await HubTestServer.with(store: store, configure: { $0.subscriptionEvents = false }) { server in
            let cursor = try await server.publish(topics: ["a"], data: "before")
            async let answer = server.get("/.well-known/mercure?topic=a&longPoll=1&lastEventID=\(FormBody.query(cursor))")
            try await waitUntil { await server.subscriberCount() == 1 }
            let id = try await server.publish(topics: ["a"], data: "live")
            let events = Self.events(try await answer.body)
            #expect(events.map(\.data) == ["live"])
            #expect(events.map(\.id) == [id])
            // The poll is over: it holds no subscriber.
            try await waitUntil { await server.subscriberCount() == 0 }
        }
    }

    @Test func itAnswersWithNoEventOnceTheTimeoutPasses() async throws {
        try await HubTestServer.with(configure: { $0.longPollTimeout = .milliseconds(200) }) { server in
            let cursor = try await server.publish(topics: ["a"], data: "before")
            let answer = try await server.get("/.well-known/mercure?topic=a&longPoll=1&lastEventID=\(FormBody.query(cursor))")
            #expect(answer.status == 200)
            #expect(Self.events(answer.body).isEmpty)
            #expect(answer.headers["Last-Event-ID"] == [cursor])
        }
    }

    @Test(arguments: StoreBackend.all) func privateUpdatesGoOnlyToAuthorizedPolls(store: StoreBackend) async throws {
        try await HubTestServer.with(store: store) { server in
            try await server.publish(topics: ["a"], data: "secret", isPrivate: true)
            try await server.publish(topics: ["a"], data: "public")
            let anonymous = try await server.get("/.well-known/mercure?topic=a&longPoll=1&lastEventID=earliest")
            #expect(Self.events(anonymous.body).map(\.data) == ["public"])
            let token = try await server.token(subscribe: ["a"])
            let authorized = try await server.get(
                "/.well-known/mercure?topic=a&longPoll=1&lastEventID=earliest&authorization=\(FormBody.query(token))"
            )
            #expect(Self.events(authorized.body).map(\.data) == ["secret", "public"])
        }
    }

    @Test func aPollNeedsATokenWhereAStreamWould() async throws {
        try await HubTestServer.with(configure: { $0.allowsAnonymousSubscribers = false }) { server in
            let answer = try await server.get("/.well-known/mercure?topic=a&longPoll=1")
            #expect(answer.status == 401)
        }
    }

    @Test func pollsFollowOneAnotherOnOneConnection() async throws {
        try await HubTestServer.with { server in
            let id = try await server.publish(topics: ["a"], data: "one")
            let connection = try await RawConnection.open(port: server.port)
            // Even as the connection's first request: a poll is answered and the connection stays open.
            for _ in 1...2 {
                try await connection.send("GET /.well-known/mercure?topic=a&longPoll=1&lastEventID=earliest HTTP/1.1\r\nHost: localhost\r\n\r\n")
            }
            try await waitUntil { connection.text.components(separatedBy: "id: \(id)").count == 3 }
            #expect(!connection.isClosed)
            await connection.close()
        }
    }

    static func events(_ body: String) -> [ServerSentEvent] {
        var parser = ServerSentEventParser()
        var events: [ServerSentEvent] = []
        parser.parse(Array(body.utf8)) { if case .success(let event) = $0 { events.append(event) } }
        return events
    }
}
