import Foundation
import HeraldHub
import HeraldTesting
import Testing

/// Connections whose first request is not a subscription are hummingbird's, whole and throughout.
@Suite struct FirstRequestRouterTests {
    @Test func subscribeAfterAnotherRequestOnTheConnectionIsServedByTheRouter() async throws {
        try await HubTestServer.with { server in
            let connection = try await RawConnection.open(port: server.port)
            try await connection.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            try await connection.waitFor("\r\n\r\nok")
            try await connection.send("GET /.well-known/mercure?topic=a HTTP/1.1\r\nHost: localhost\r\n\r\n")
            try await waitUntil { await server.subscriberCount() == 1 }
            try await server.publish(topics: ["a"], data: "through the router", id: "one")
            let text = try await connection.waitFor("id: one\ndata: through the router\n\n")
            #expect(text.components(separatedBy: "HTTP/1.1 200 OK").count == 3)
            await connection.close()
            try await waitUntil { await server.subscriberCount() == 0 }
        }
    }

    @Test func requestArrivingInPiecesIsPassedOnWhole() async throws {
        try await HubTestServer.with { server in
            let token = try await server.token(publish: ["*"])
            let body = "topic=a&data=in+pieces"
            let connection = try await RawConnection.open(port: server.port)
            try await connection.send(
                "POST /.well-known/mercure HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(token)\r\n"
                    + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.utf8.count)\r\n\r\n"
            )
            try await Task.sleep(for: .milliseconds(100))
            try await connection.send(String(body.prefix(8)))
            try await Task.sleep(for: .milliseconds(100))
            try await connection.send(String(body.dropFirst(8)))
            let text = try await connection.waitFor("urn:uuid:")
            #expect(text.hasPrefix("HTTP/1.1 200 OK\r\n"))
            // The connection stays open for the next request.
            try await connection.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            try await connection.waitFor("\r\n\r\nok")
            await connection.close()
        }
    }

    @Test func malformedFirstRequestIsAnsweredAsTheRouterAnswersIt() async throws {
        try await HubTestServer.with { server in
            let connection = try await RawConnection.open(port: server.port)
            try await connection.send("NOT HTTP AT ALL\r\n\r\n")
            let text = try await connection.waitForClose()
            #expect(text.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        }
    }
}
