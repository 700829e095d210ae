import EventSourceClient
import NIOCore
import NIOHTTP1
import ServerSentEvents
import TestSupport
import Testing

/// How the event source judges a response: which ones open the stream, which end it, which fail it.
@Suite struct ResponseHandlingTests {
    /// A short reconnection time, so a wrongful reconnection would show within the checks below.
    let quickRetry = EventSource.Configuration(reconnectionTime: .milliseconds(10), jitter: 0)

    @Test func requestCarriesAcceptAndCacheControlAndNoLastEventIDAtFirst() async throws {
        try await ScriptedServer.with(ScriptedServer.streaming("data: hello\n\n")) { server in
            let events = try await withHangGuard { try await EventSource(url: server.url()).collect(1) }
            #expect(events.map(\.data) == ["hello"])
            let request = try #require(server.requests.first)
            #expect(request.method == "GET")
            #expect(request.target == "/events")
            #expect(request.header("Accept") == "text/event-stream")
            #expect(request.header("Cache-Control") == "no-cache")
            #expect(request.header("Last-Event-ID") == nil)
        }
    }

    @Test func configuredLastEventIDIsSentOnTheFirstRequest() async throws {
        try await ScriptedServer.with(ScriptedServer.streaming("data: resumed\n\n")) { server in
            let source = EventSource(url: server.url(), configuration: .init(lastEventID: "41"))
            let events = try await withHangGuard { try await source.collect(1) }
            #expect(events.first?.id == "41")
            #expect(server.requests.first?.header("Last-Event-ID") == "41")
        }
    }

    @Test func contentTypeParametersAndCaseAreAccepted() async throws {
        try await ScriptedServer.with({ _, _, connection in
            try await connection.respond(contentType: "Text/Event-Stream ; charset=utf-8")
            try await connection.send("data: ok\n\n")
            _ = await connection.clientClosed.wait(upTo: .seconds(10))
        }) { server in
            let events = try await withHangGuard { try await EventSource(url: server.url()).collect(1) }
            #expect(events.map(\.data) == ["ok"])
        }
    }

    @Test func status204EndsTheEventsCleanlyWithoutReconnecting() async throws {
        try await ScriptedServer.with({ _, _, connection in
            try await connection.respond(status: "204 No Content", contentType: nil)
        }) { server in
            let source = EventSource(url: server.url(), configuration: quickRetry)
            let log = ConnectionLog(source)
            let (events, error) = try await withHangGuard { await source.drain() }
            #expect(events.isEmpty)
            #expect(error == nil)
            #expect(source.readyState == .closed)
            try await Task.sleep(for: .milliseconds(100))
            #expect(server.requests.count == 1)
            #expect(log.reconnectionDelays.isEmpty)
        }
    }

    @Test func status500FailsWithItsBodyAndDoesNotReconnect() async throws {
        try await ScriptedServer.with({ _, _, connection in
            try await connection.respond(
                status: "500 Internal Server Error",
                contentType: "application/json",
                body: #"{"error":{"message":"model overloaded"}}"#
            )
        }) { server in
            let source = EventSource(url: server.url(), configuration: quickRetry)
            let (events, error) = try await withHangGuard { await source.drain() }
            #expect(events.isEmpty)
            #expect(
                error
                    == .unexpectedStatus(
                        status: 500,
                        contentType: "application/json",
                        body: #"{"error":{"message":"model overloaded"}}"#
                    )
            )
            #expect(error?.isFatal == true)
            #expect(source.readyState == .closed)
            try await Task.sleep(for: .milliseconds(100))
            #expect(server.requests.count == 1)
        }
    }

    @Test func htmlResponseFailsWithItsBodyAndDoesNotReconnect() async throws {
        try await ScriptedServer.with({ _, _, connection in
            try await connection.respond(status: "200 OK", contentType: "text/html", body: "<h1>Log in</h1>")
        }) { server in
            let (events, error) = try await withHangGuard {
                await EventSource(url: server.url(), configuration: quickRetry).drain()
            }
            #expect(events.isEmpty)
            #expect(error == .unexpectedContentType(contentType: "text/html", body: "<h1>Log in</h1>"))
            try await Task.sleep(for: .milliseconds(100))
            #expect(server.requests.count == 1)
        }
    }

    @Test func otherSuccessStatusesFailTheConnection() async throws {
        try await ScriptedServer.with({ _, _, connection in
            try await connection.respond(status: "201 Created")
            try await connection.send("data: not for us\n\n")
        }) { server in
            let (events, error) = try await withHangGuard {
                await EventSource(url: server.url(), configuration: quickRetry).drain()
            }
            #expect(events.isEmpty)
            #expect(error == .unexpectedStatus(status: 201, contentType: "text/event-stream", body: "data: not for us\n\n"))
        }
    }

    @Test func errorBodyIsCutAtTheConfiguredLength() async throws {
        let longBody = String(repeating: "e", count: 10_000)
        try await ScriptedServer.with({ _, _, connection in
            try await connection.respond(status: "429 Too Many Requests", contentType: "text/plain", body: longBody)
        }) { server in
            let configuration = EventSource.Configuration(maxErrorBodyLength: 100)
            let (_, error) = try await withHangGuard {
                await EventSource(url: server.url(), configuration: configuration).drain()
            }
            #expect(error == .unexpectedStatus(status: 429, contentType: "text/plain", body: String(repeating: "e", count: 100)))
        }
    }

    @Test func invalidURLFailsAtOnce() async throws {
        let (events, error) = try await withHangGuard {
            await EventSource(url: "ftp://127.0.0.1/events", configuration: .init(reconnectionTime: .milliseconds(10))).drain()
        }
        #expect(events.isEmpty)
        #expect(error == .invalidURL("ftp://127.0.0.1/events"))
    }

    @Test func movedPermanentlyIsFollowedAndReconnectionsGoToTheNewURL() async throws {
        try await ScriptedServer.with({ request, _, connection in
            if request.target == "/old" {
                try await connection.respond(status: "301 Moved Permanently", contentType: "text/plain", body: "", headers: ["Location: /new"])
                return
            }
            try await connection.respond()
            try await connection.send("data: from \(request.target)\n\n")
        }) { server in
            let source = EventSource(url: server.url("/old"), configuration: quickRetry)
            let events = try await withHangGuard { try await source.collect(2) }
            #expect(events.map(\.data) == ["from /new", "from /new"])
            #expect(server.requests.map(\.target) == ["/old", "/new", "/new"])
            #expect(source.url == server.url("/new"))
        }
    }

    @Test func temporaryRedirectKeepsMethodAndBody() async throws {
        try await ScriptedServer.with({ request, _, connection in
            if request.target == "/v1/chat" {
                try await connection.respond(status: "307 Temporary Redirect", contentType: "text/plain", body: "", headers: ["Location: /v2/chat"])
                return
            }
            try await connection.respond()
            try await connection.send("data: \(request.method) \(request.body)\n\n")
            _ = await connection.clientClosed.wait(upTo: .seconds(10))
        }) { server in
            let request = EventSourceRequest(
                url: server.url("/v1/chat"),
                method: .POST,
                headers: ["Content-Type": "application/json"],
                body: #"{"prompt":"hi"}"#
            )
            let events = try await withHangGuard { try await EventSource(request: request).collect(1) }
            #expect(events.map(\.data) == [#"POST {"prompt":"hi"}"#])
            #expect(server.requests.map(\.target) == ["/v1/chat", "/v2/chat"])
            #expect(server.requests.last?.header("Content-Type") == "application/json")
        }
    }

    /// Every redirect status is followed; 302 and 303 turn a POST into a bodiless GET (as fetch does),
    /// 307 and 308 keep the method and body. Reconnections then go to the final URL directly.
    @Test(arguments: [
        (301, "GET", "GET", ""),
        (302, "POST", "GET", ""),
        (303, "POST", "GET", ""),
        (307, "POST", "POST", "prompt=hi"),
        (308, "POST", "POST", "prompt=hi"),
    ])
    func redirectIsFollowedWithTheFetchMethodRules(status: Int, method: String, finalMethod: String, finalBody: String) async throws {
        try await ScriptedServer.with({ request, _, connection in
            if request.target == "/start" {
                try await connection.respond(status: "\(status) Redirect", contentType: "text/plain", body: "", headers: ["Location: /final"])
                return
            }
            try await connection.respond()
            try await connection.send("data: \(request.method) \(request.body)\n\n")
        }) { server in
            var request = EventSourceRequest(url: server.url("/start"), method: HTTPMethod(rawValue: method))
            if method == "POST" {
                request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
                request.body = .init(string: "prompt=hi")
            }
            let source = EventSource(request: request, configuration: quickRetry)
            let events = try await withHangGuard { try await source.collect(2) }
            let expected = "\(finalMethod) \(finalBody)"
            #expect(events.map(\.data) == [expected, expected])
            #expect(server.requests.map(\.target) == ["/start", "/final", "/final"])
            #expect(server.requests.dropFirst().map(\.method) == [finalMethod, finalMethod])
            #expect(source.url == server.url("/final"))
        }
    }
}
