import AsyncHTTPClient
import HeraldHub
import NIOHTTP1
import NIOSSL
import ServerSentEvents
import Testing

/// HTTPS: HTTP/2 by ALPN for clients that offer it, HTTP/1.1 for the others, the hub the same on both.
@Suite struct SecureChannelTests {
    @Test func twentyStreamsOverHTTP2ShareOneConnectionAndReceiveEveryUpdate() async throws {
        try await HubTestServer.with(tls: true, configure: { $0.subscriptionEvents = false }) { server in
            // The first stream settles the connection as HTTP/2; the others are streams of it.
            var streams = [try await server.subscribe("topic=a")]
            for _ in 1..<20 { streams.append(try await server.subscribe("topic=a")) }
            #expect(streams.allSatisfy { $0.version == .http2 && $0.status == 200 })
            try await waitUntil { await server.subscriberCount() == 20 }
            for number in 1...3 { try await server.publish(topics: ["a"], data: "update \(number)") }
            for stream in streams {
                #expect(try await stream.next(3).map(\.data) == ["update 1", "update 2", "update 3"])
            }
            // The subscribes, the publishes and the metrics reads: all on one TCP connection.
            #expect(server.connections.open == 1)
        }
    }

    @Test func replayAndHeartbeatsOverHTTP2() async throws {
        try await HubTestServer.with(tls: true, configure: { $0.heartbeatInterval = .milliseconds(100) }) { server in
            let first = try await server.publish(topics: ["a"], data: "one")
            try await server.publish(topics: ["a"], data: "two")
            let stream = try await server.subscribe("topic=a", headers: [("Last-Event-ID", first)])
            #expect(stream.version == .http2)
            #expect(stream.headers["Last-Event-ID"] == [first])
            #expect(try await stream.next()?.data == "two")
            // Heartbeat comments arrive on an idle HTTP/2 stream as they do on HTTP/1.1.
            let before = try await stream.text(atLeast: 0).count
            let text = try await stream.text(atLeast: before + 2)
            #expect(text.dropFirst(before).contains(":"))
        }
    }

    @Test func aStreamEndedByTheHubClosesItsStreamAndTheConnectionServesTheNext() async throws {
        // Long enough that the second stream is live and receives before its own timeout, on a loaded machine too.
        try await HubTestServer.with(tls: true, configure: { $0.writeTimeout = .seconds(3) }) { server in
            let stream = try await server.subscribe("topic=a")
            try await stream.readToEnd()
            #expect(server.connections.open == 1)
            // The client reconnects on the same connection, and the new stream receives.
            let again = try await server.subscribe("topic=a")
            try await server.publish(topics: ["a"], data: "after the timeout")
            #expect(try await again.next()?.data == "after the timeout")
            #expect(server.connections.open == 1)
        }
    }

    // A lagging HTTP/2 stream is tested in Tests/Faults (stalled_http2_stream): a client that grants
    // one stream no more flow-control window takes a raw HTTP/2 client, and async-http-client reads
    // every stream it opens whether or not its body is consumed.

    @Test func http11OverTLSServesSubscribersFromTheEventLoopThroughTLS() async throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(TestCertificates.path("ca.pem")))
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.httpVersion = .http1Only
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            try await HubTestServer.with(tls: true, configure: { $0.subscriptionEvents = false }) { server in
                // The subscribe is the connection's first request: the hub writes its chunks, which
                // must go through TLS (written below it, the client would read garbage and fail).
                let stream = try await EventStreamClient.open(server.url("/.well-known/mercure?topic=a"), client: client)
                #expect(stream.version == .http1_1)
                try await waitUntil { await server.subscriberCount() == 1 }
                for number in 1...50 { try await server.publish(topics: ["a"], data: "update \(number)") }
                let received = try await stream.next(50).map(\.data)
                #expect(received == (1...50).map { "update \($0)" })
            }
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    @Test func plainHTTPIsRefusedOnAnHTTPSPort() async throws {
        try await HubTestServer.with(tls: true) { server in
            let answer = try? await HTTPAnswer.fetch(.init(url: "http://127.0.0.1:\(server.port)/healthz"))
            #expect(answer == nil, "a plain request to an HTTPS port must not be answered")
            // And the server still serves HTTPS.
            let healthy = try await server.get("/healthz")
            #expect(healthy.status == 200)
        }
    }
}
