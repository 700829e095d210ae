import AsyncHTTPClient
import Foundation
import HeraldHub
import HeraldTesting
import NIOCore
import NIOHTTP1
import ServerSentEvents
import Testing

/// `POST /.well-known/mercure`: the publish form and its answers.
@Suite struct PublishTests {
    @Test(arguments: StoreBackend.all) func publishAnswersTheGeneratedIDAsPlainText(store: StoreBackend) async throws {
        try await HubTestServer.with(store: store) { server in
            let answer = try await server.publish([("topic", "a"), ("data", "x")], token: try await server.token(publish: ["*"]))
            #expect(answer.status == 200)
            #expect(answer.headers["Content-Type"] == ["text/plain; charset=utf-8"])
            // urn:uuid: and a version-7 UUID.
            let pattern = #/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/#
            #expect(answer.body.wholeMatch(of: pattern) != nil, "\(answer.body)")
        }
    }

    @Test(arguments: StoreBackend.all) func publisherChosenIDIsKeptAndAnswered(store: StoreBackend) async throws {
        try await HubTestServer.with(store: store) { server in
            let stream = try await server.subscribe("topic=a")
            let answer = try await server.publish(
                [("topic", "a"), ("id", "https://example.com/revisions/7")],
                token: try await server.token(publish: ["a"])
            )
            #expect(answer.body == "https://example.com/revisions/7")
            let event = try #require(try await stream.next())
            #expect(event.id == "https://example.com/revisions/7")
            #expect(event.data == "")  // `data` is optional
        }
    }

    @Test(arguments: [
        ([("data", "no topic")], #"Missing "topic" parameter"#),
        ([("topic", "a"), ("retry", "soon")], #"Invalid "retry" parameter"#),
        ([("topic", "a"), ("retry", "-5")], #"Invalid "retry" parameter"#),
        ([("topic", "a"), ("id", "line\nbreak")], #"Invalid "id" parameter"#),
        ([("topic", "a"), ("id", "carriage\rreturn")], #"Invalid "id" parameter"#),
        ([("topic", "a"), ("id", "nul\u{0}byte")], #"Invalid "id" parameter"#),
        ([("topic", "a"), ("id", "#reserved")], #"Invalid "id" parameter"#),
        ([("topic", "a"), ("type", "two\nlines")], #"Invalid "type" parameter"#),
    ])
    func invalidFormIsABadRequestAndNothingIsPublished(form: [(String, String)], message: String) async throws {
        try await HubTestServer.with { server in
            let stream = try await server.subscribe("topic=a")
            let answer = try await server.publish(form, token: try await server.token(publish: ["*"]))
            #expect(answer.status == 400)
            #expect(answer.body.hasPrefix(message), "\(answer.body)")
            try await server.publish(topics: ["a"], data: "next")
            #expect(try await stream.next()?.data == "next")
        }
    }

    @Test(arguments: StoreBackend.all) func moreThanAThousandTopicsIsABadRequest(store: StoreBackend) async throws {
        try await HubTestServer.with(store: store) { server in
            let answer = try await server.publish((0...1000).map { ("topic", "t\($0)") }, token: try await server.token(publish: ["*"]))
            #expect(answer.status == 400)
            #expect(answer.body.contains("1001 topics"))
        }
    }

    @Test(arguments: StoreBackend.all) func bodyOverTheLimitIsRefusedWith413(store: StoreBackend) async throws {
        try await HubTestServer.with(store: store, configure: { $0.maximumPublishBodyBytes = 1024 }) { server in
            let token = try await server.token(publish: ["*"])
            let tooLarge = try await server.publish([("topic", "a"), ("data", String(repeating: "x", count: 2000))], token: token)
            #expect(tooLarge.status == 413)
            let fits = try await server.publish([("topic", "a"), ("data", String(repeating: "x", count: 900))], token: token)
            #expect(fits.status == 200)
        }
    }

    /// POSTs `body` exactly as given, bytes and all.
    private func postRaw(_ body: [UInt8], to server: HubTestServer) async throws -> HTTPAnswer {
        var request = HTTPClientRequest(url: server.hubURL)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Authorization", value: "Bearer \(try await server.token(publish: ["*"]))")
        request.body = .bytes(ByteBuffer(bytes: body))
        return try await HTTPAnswer.fetch(request)
    }

    @Test(arguments: [
        ("topic=%zz&data=x", "topic"),
        ("topic=a&data=%FF%FE", "data"),
        ("topic=a&data=x&id=%E2%82", "id"),
        ("topic=a&data=50%", "data"),
    ])
    func malformedEscapesAndInvalidUTF8AreABadRequestNamingTheField(body: String, field: String) async throws {
        try await HubTestServer.with { server in
            let stream = try await server.subscribe("topic=a")
            let answer = try await postRaw(Array(body.utf8), to: server)
            #expect(answer.status == 400)
            #expect(answer.body.contains(#"Invalid "\#(field)" parameter"#), "\(answer.body)")
            // Nothing was published: the next update is the first the subscriber sees.
            try await server.publish(topics: ["a"], data: "next")
            #expect(try await stream.next()?.data == "next")
        }
    }

    @Test func aBodyThatIsNotUTF8IsABadRequest() async throws {
        try await HubTestServer.with { server in
            let answer = try await postRaw(Array("topic=a&data=".utf8) + [0xC3, 0x28], to: server)
            #expect(answer.status == 400)
            #expect(answer.body.contains("not UTF-8"))
        }
    }

    @Test func aSubscriptionWithAMalformedTopicIsABadRequest() async throws {
        try await HubTestServer.with { server in
            // Raw requests: an HTTP client library would refuse (or repair) such a URL before sending it.
            for (query, field) in [("topic=%zz", "topic"), ("topic=a&lastEventID=%C3", "lastEventID")] {
                let connection = try await RawConnection.open(port: server.port)
                try await connection.send("GET /.well-known/mercure?\(query) HTTP/1.1\r\nHost: a\r\n\r\n")
                let answer = try await connection.waitForClose()
                #expect(answer.hasPrefix("HTTP/1.1 400 "))
                #expect(answer.contains(#"Invalid "\#(field)" parameter"#), "\(answer)")
            }
        }
    }
}
