import Foundation
import HeraldHub
import NIOHTTP1
import ServerSentEvents
import Testing

/// `GET /.well-known/mercure`: the subscription request and the stream it opens.
@Suite struct SubscribeTests {
    @Test(arguments: StoreBackend.all) func missingTopicIsABadRequest(store: StoreBackend) async throws {
        try await HubTestServer.with(store: store) { server in
            let answer = try await server.get("/.well-known/mercure")
            #expect(answer.status == 400)
            #expect(answer.body == "Missing \"topic\" parameter\n")
        }
    }

    @Test(arguments: StoreBackend.all) func moreThanAThousandTopicsIsABadRequest(store: StoreBackend) async throws {
        try await HubTestServer.with(store: store) { server in
            let query = (0...1000).map { "topic=t\($0)" }.joined(separator: "&")
            let answer = try await server.get("/.well-known/mercure?" + query)
            #expect(answer.status == 400)
            #expect(answer.body.contains("1001 topics"))
            let allowed = try await server.subscribe((0..<1000).map { "topic=t\($0)" }.joined(separator: "&"))
            #expect(allowed.status == 200)
        }
    }

    @Test(arguments: StoreBackend.all) func streamHeadersAndInitialComment(store: StoreBackend) async throws {
        try await HubTestServer.with(store: store) { server in
            let stream = try await server.subscribe("topic=a")
            #expect(stream.status == 200)
            #expect(stream.headers["Content-Type"] == ["text/event-stream"])
            #expect(stream.headers["Cache-Control"] == ["private, no-cache, no-store, must-revalidate, max-age=0"])
            #expect(stream.headers["X-Accel-Buffering"] == ["no"])
            #expect(stream.headers["Last-Event-ID"].isEmpty)  // only sent when the request asked to resume
            #expect(try await stream.text(atLeast: 2) == ":\n")
        }
    }

    @Test(arguments: StoreBackend.all) func eventCarriesTypeRetryIDAndOneDataLinePerLine(store: StoreBackend) async throws {
        try await HubTestServer.with(store: store) { server in
            let stream = try await server.subscribe("topic=a")
            let answer = try await server.publish(
                [("topic", "a"), ("data", "first line\nsecond line"), ("type", "note"), ("retry", "2500"), ("id", "update-1")],
                token: try await server.token(publish: ["*"])
            )
            #expect(answer.status == 200)
            let expected = ":\nevent: note\nretry: 2500\nid: update-1\ndata: first line\ndata: second line\n\n"
            #expect(try await stream.text(atLeast: expected.utf8.count) == expected)
        }
    }

    @Test(arguments: StoreBackend.all) func templateSelectorReceivesMatchingTopicsOnly(store: StoreBackend) async throws {
        try await HubTestServer.with(store: store) { server in
            let stream = try await server.subscribe("topic=" + FormBody.query("https://example.com/books/{id}"))
            try await server.publish(topics: ["https://example.com/authors/1"], data: "author")
            try await server.publish(topics: ["https://example.com/books/1"], data: "book 1")
            try await server.publish(topics: ["https://example.com/books/1/reviews"], data: "review")
            try await server.publish(topics: ["https://example.com/books/2"], data: "book 2")
            #expect(try await stream.next(2).map(\.data) == ["book 1", "book 2"])
        }
    }

    @Test(arguments: StoreBackend.all) func updateWithSeveralMatchingTopicsIsDeliveredOnce(store: StoreBackend) async throws {
        try await HubTestServer.with(store: store) { server in
            let exact = try await server.subscribe("topic=a&topic=b")
            let mixed = try await server.subscribe("topic=a&topic=" + FormBody.query("{x}"))
            try await server.publish(topics: ["a", "b"], data: "both")
            try await server.publish(topics: ["b", "c"], data: "alternate")
            try await server.publish(topics: ["a"], data: "end")
            #expect(try await exact.next(3).map(\.data) == ["both", "alternate", "end"])
            #expect(try await mixed.next(3).map(\.data) == ["both", "alternate", "end"])
        }
    }

    @Test(arguments: StoreBackend.all) func heartbeatCommentsKeepAnIdleStreamAlive(store: StoreBackend) async throws {
        try await HubTestServer.with(store: store, configure: { $0.heartbeatInterval = .milliseconds(50) }) { server in
            let stream = try await server.subscribe("topic=a")
            #expect(try await stream.text(atLeast: 6) == ":\n:\n:\n")
        }
    }

    @Test(arguments: StoreBackend.all) func writeTimeoutEndsTheStreamSoClientsReconnect(store: StoreBackend) async throws {
        // Long enough for the stream to go live first on a loaded machine: a timeout that comes while
        // the response is still being started closes the connection instead (a client that stopped
        // reading may hold that write), which a client sees as a broken body, not an ended stream.
        try await HubTestServer.with(store: store, configure: { $0.writeTimeout = .seconds(3) }) { server in
            let stream = try await server.subscribe("topic=a")
            try await stream.readToEnd()
            #expect(stream.ended)
            // The subscriber is gone from the hub once its stream ended.
            try await waitUntil { await server.subscriberCount() == 0 }
        }
    }
}
