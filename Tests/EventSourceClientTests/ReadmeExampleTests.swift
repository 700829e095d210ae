import EventSourceClient
import NIOHTTP1
import ServerSentEvents
import TestSupport
import Testing

/// The README's client example, compiled and run against a local server that streams like an LLM API.
@Suite struct ReadmeExampleTests {
    static let tokens = ["Hel", "lo", "!"]

    /// The README example with the URL pointed at `url`; returns what it assembled and printed.
    func readmeExample(url: String) async -> (reply: String, printed: [String]) {
        var printed: [String] = []
        func print(_ item: Any) { printed.append("\(item)") }

        let request = EventSourceRequest(
            url: url,
            method: .POST,
            headers: ["Authorization": "Bearer sk-test", "Content-Type": "application/json"],
            body: #"{"model":"any","stream":true,"messages":[{"role":"user","content":"Hello"}]}"#
        )
        // Re-sending the POST would start a new generation, so do not reconnect here.
        let source = EventSource(request: request, configuration: .init(maxReconnectionAttempts: 0))
        var reply = ""
        do {
            for try await event in source.events {
                if event.data == "[DONE]" { break }
                reply += event.data  // one JSON chunk per event; decode it with your JSON library
            }
        } catch let error where error.code == .unexpectedStatus {
            print("HTTP \(error.status ?? 0): \(error.body ?? "")")  // 401 {"error":{"message":"Incorrect API key"}}: no reconnection
        } catch {
            print(error)  // EventSourceError says what went wrong
        }
        source.close()
        return (reply, printed)
    }

    @Test func llmStreamExampleAssemblesTheReply() async throws {
        try await ScriptedServer.with({ request, _, connection in
            guard request.method == "POST", request.header("Authorization") == "Bearer sk-test" else {
                try await connection.respond(status: "400 Bad Request", contentType: "text/plain", body: "bad request")
                return
            }
            try await connection.respond()
            for token in Self.tokens {
                try await connection.send(#"data: {"choices":[{"delta":{"content":"\#(token)"}}]}"# + "\n\n")
            }
            try await connection.send("data: [DONE]\n\n")
            _ = await connection.clientClosed.wait(upTo: .seconds(10))
        }) { server in
            let result = try await withHangGuard { await readmeExample(url: server.url("/v1/chat/completions")) }
            #expect(result.printed.isEmpty)
            #expect(result.reply == Self.tokens.map { #"{"choices":[{"delta":{"content":"\#($0)"}}]}"# }.joined())
            #expect(server.requests.first?.body.contains(#""stream":true"#) == true)
        }
    }

    /// The README's `messages` example with the URL pointed at `url`, stopping after `count` lines printed.
    func readmeMessagesExample(url: String, count: Int) async throws -> [String] {
        var printed: [String] = []
        func print(_ items: String...) { printed.append(items.joined(separator: " ")) }

        let source = EventSource(url: url, configuration: .init(parser: .allowingEvents(upTo: 16 << 20)))
        for try await message in source.messages {
            switch message {
            case .event(let event): print(event.data)
            case .comment(let text): print("heartbeat:", text)
            }
            if printed.count == count { break }
        }
        source.close()
        return printed
    }

    @Test func messagesExamplePrintsEventsAndHeartbeats() async throws {
        try await ScriptedServer.with(ScriptedServer.streaming("data: 12:00:00\n\n:ping\ndata: 12:00:01\n\n")) { server in
            let printed = try await withHangGuard { try await readmeMessagesExample(url: server.url(), count: 3) }
            #expect(printed == ["12:00:00", "heartbeat: ping", "12:00:01"])
        }
    }

    @Test func llmStreamExampleReportsAnAPIError() async throws {
        try await ScriptedServer.with({ _, _, connection in
            try await connection.respond(
                status: "401 Unauthorized",
                contentType: "application/json",
                body: #"{"error":{"message":"Incorrect API key"}}"#
            )
        }) { server in
            let result = try await withHangGuard { await readmeExample(url: server.url("/v1/chat/completions")) }
            #expect(result.reply.isEmpty)
            #expect(result.printed == [#"HTTP 401: {"error":{"message":"Incorrect API key"}}"#])
            #expect(server.requests.count == 1)
        }
    }
}
