import Foundation
import HeraldTesting
import Testing

@testable import HeraldHub

/// Publishes answered on the connection's event loop keep HTTP/1.1's promises: answers in the order
/// of the requests, whoever answers each, and the cases the hub leaves to hummingbird answered as
/// the route answers them.
@Suite struct DirectPublishHandlerTests {
    private static func publishRequest(token: String, id: String, close: Bool = false) -> String {
        let body = "topic=a&data=\(id)&id=\(id)"
        return "POST /.well-known/mercure HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(token)\r\n"
            + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.utf8.count)\r\n"
            + (close ? "Connection: close\r\n" : "") + "\r\n" + body
    }

    /// The status line and body of each response on the connection, in order.
    private static func responses(in text: String) -> [(status: String, body: String)] {
        text.components(separatedBy: "HTTP/1.1 ").dropFirst().map { response in
            let parts = response.components(separatedBy: "\r\n\r\n")
            return (parts[0].components(separatedBy: "\r\n")[0], parts.dropFirst().joined())
        }
    }

    private static func history(of server: HubTestServer) async throws -> [StoredUpdate] {
        try await server.hub.store.updates(after: 0, through: .max, limit: 100, maximumBytes: .max)
    }

    @Test func pipelinedRequestsAreAnsweredInTheOrderSent() async throws {
        try await HubTestServer.with { server in
            let token = try await server.token(publish: ["*"])
            let connection = try await RawConnection.open(port: server.port)
            // Hub, hummingbird, hub, hub refusing, hummingbird: sent at once, answered in turn.
            try await connection.send(
                Self.publishRequest(token: token, id: "one") + "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"
                    + Self.publishRequest(token: token, id: "two") + Self.publishRequest(token: "not-a-token", id: "three")
                    + "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"
            )
            let text = try await connection.waitFor("HTTP/1.1 ", occurrences: 5)
            _ = try await connection.waitUntil("the last body") { Self.responses(in: $0).count == 5 && $0.hasSuffix("ok") }
            let answers = Self.responses(in: connection.text)
            #expect(answers.map(\.status) == ["200 OK", "200 OK", "200 OK", "401 Unauthorized", "200 OK"], "\(text)")
            #expect(answers.map(\.body) == ["one", "ok", "two", answers[3].body, "ok"])
            #expect(answers[3].body.hasPrefix("the token is not valid"))
            let history = try await Self.history(of: server)
            #expect(history.map(\.id) == ["one", "two"])
            await connection.close()
        }
    }

    @Test func publishTheHubLeavesToTheRouteIsAnsweredAsBefore() async throws {
        try await HubTestServer.with { server in
            let token = try await server.token(publish: ["*"])
            // A chunked body: the route reads it.
            let chunked = try await RawConnection.open(port: server.port)
            let body = "topic=a&data=chunked&id=chunked"
            try await chunked.send(
                "POST /.well-known/mercure HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(token)\r\n"
                    + "Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + String(body.utf8.count, radix: 16) + "\r\n" + body + "\r\n0\r\n\r\n"
            )
            let answer = try await chunked.waitFor("chunked")
            #expect(answer.hasPrefix("HTTP/1.1 200 OK\r\n"))
            await chunked.close()
            // `Connection: close`: answered, then closed.
            let closing = try await RawConnection.open(port: server.port)
            try await closing.send(Self.publishRequest(token: token, id: "closing", close: true))
            let closed = try await closing.waitForClose()
            #expect(closed.hasPrefix("HTTP/1.1 200 OK\r\n") && closed.hasSuffix("closing"))
            #expect(try await Self.history(of: server).map(\.id) == ["chunked", "closing"])
        }
    }
}
