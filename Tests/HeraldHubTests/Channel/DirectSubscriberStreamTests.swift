import HeraldHub
import HeraldTesting
import NIOCore
import Testing

/// A connection whose first request subscribes is served by the hub from the connection's event
/// loop; on the wire it looks as the router's streams do.
@Suite struct DirectSubscriberStreamTests {
    @Test func streamHasTheHeadersTheRouterWouldSend() async throws {
        try await HubTestServer.with(crossOrigin: CrossOriginPolicy(hubOrigins: ["*"])) { server in
            let connection = try await RawConnection.open(port: server.port)
            try await connection.send("GET /.well-known/mercure?topic=a HTTP/1.1\r\nHost: localhost\r\nOrigin: https://example.org\r\n\r\n")
            let text = try await connection.waitFor("\r\n\r\n2\r\n:\n\r\n")
            #expect(text.hasPrefix("HTTP/1.1 200 OK\r\n"))
            for line in [
                "Content-Type: text/event-stream", "Cache-Control: private, no-cache, no-store, must-revalidate, max-age=0",
                "X-Accel-Buffering: no", "Connection: close", "Access-Control-Allow-Origin: *", "Access-Control-Expose-Headers: Last-Event-ID",
                "Vary: Origin", "Server: herald",
                "transfer-encoding: chunked",
            ] {
                #expect(text.contains("\r\n\(line)\r\n"), "missing \(line)")
            }
            #expect(text.contains("\r\nDate: "))
            await connection.close()
        }
    }

    @Test func liveUpdatesAreChunksAndTheEndOfTheStreamIsTheLastChunkThenClose() async throws {
        // Long enough that the update is published before the stream ends, on a loaded machine too:
        // with 3 s (ending after 2.4 to 3), a CI run once saw the stream end before the update.
        try await HubTestServer.with(configure: { $0.writeTimeout = .seconds(8) }) { server in
            let connection = try await RawConnection.open(port: server.port)
            try await connection.send("GET /.well-known/mercure?topic=a HTTP/1.1\r\nHost: localhost\r\n\r\n")
            try await waitUntil { await server.subscriberCount() == 1 }
            try await server.publish(topics: ["a"], data: "live", id: "one")
            let event = "id: one\ndata: live\n\n"
            try await connection.waitFor("\(String(event.utf8.count, radix: 16))\r\n\(event)\r\n")
            // The write timeout ends the stream: the last chunk, then the hub closes the connection.
            let text = try await connection.waitForClose()
            #expect(text.hasSuffix("\r\n0\r\n\r\n"))
            try await waitUntil { await server.subscriberCount() == 0 }
        }
    }

    /// Who serves a subscription: the hub, when the subscribe request opens the connection, or
    /// hummingbird's router, on its task, when another request came first.
    enum StreamServer: CaseIterable {
        case hub, router

        var requestsBeforeTheSubscription: String {
            switch self {
            case .hub: ""
            case .router: "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"
            }
        }
    }

    @Test(arguments: StreamServer.allCases)
    func clientThatStopsReadingItsHistoryIsClosedAtItsDeadline(servedBy streamServer: StreamServer) async throws {
        try await HubTestServer.with(configure: { $0.writeTimeout = .seconds(1) }) { server in
            // 4 MB of history: more than the sockets' buffers hold.
            let body = String(repeating: "x", count: 100 * 1024)
            for number in 1...40 { try await server.publish(topics: ["a"], data: "\(number) \(body)") }
            let stalled = try await connectClientThatNeverReads(
                port: server.port,
                sending: streamServer.requestsBeforeTheSubscription
                    + "GET /.well-known/mercure?topic=a&lastEventID=earliest HTTP/1.1\r\nHost: localhost\r\n\r\n"
            )
            try await waitUntil { await server.subscriberCount() == 1 }
            // Still not reading: only the hub closing the connection at the deadline ends the
            // write that waits on it, and unregisters the subscriber.
            try await waitUntil { await server.subscriberCount() == 0 }
            await stalled.close()
        }
    }

    @Test func refusedSubscribeIsAnsweredAndItsConnectionClosed() async throws {
        try await HubTestServer.with(configure: { $0.allowsAnonymousSubscribers = false }) { server in
            let connection = try await RawConnection.open(port: server.port)
            try await connection.send("GET /.well-known/mercure?topic=a HTTP/1.1\r\nHost: localhost\r\n\r\n")
            let text = try await connection.waitForClose()
            #expect(text.hasPrefix("HTTP/1.1 401 Unauthorized\r\n"))
            #expect(text.contains("\r\nConnection: close\r\n"))
            #expect(
                text.hasSuffix(
                    "\r\n\r\na token is required: send 'Authorization: Bearer <JWT>', the 'authorization' query parameter or the 'mercureAuthorization' cookie\n"
                )
            )
            #expect(await server.subscriberCount() == 0)
        }
    }
}
