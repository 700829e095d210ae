import AsyncHTTPClient
import Foundation
import HeraldHub
import HeraldTesting
import NIOHTTP1
import Testing

/// CORS: the hub's routes answer the origins named, with credentials for a named one; the seeds'
/// streams answer any origin.
@Suite struct CrossOriginPolicyTests {
    static let app = "http://127.0.0.1:9001"
    static let other = "http://127.0.0.2:9002"

    /// A subscribe, as the connection's first request (the hub writes it) and after another request
    /// (hummingbird's router writes it).
    enum SubscribePath: CaseIterable { case firstRequest, laterRequest }

    @Test(arguments: SubscribePath.allCases) func aNamedOriginReadsTheStreamWithCredentials(path: SubscribePath) async throws {
        try await HubTestServer.with(crossOrigin: CrossOriginPolicy(hubOrigins: [Self.app])) { server in
            let head = try await Self.subscribeHead(server, origin: Self.app, path: path)
            #expect(head.contains("access-control-allow-origin: \(Self.app)\r\n"))
            #expect(head.contains("access-control-allow-credentials: true\r\n"))
            #expect(head.contains("access-control-expose-headers: last-event-id\r\n"))
            #expect(head.contains("vary: origin\r\n"))
        }
    }

    @Test(arguments: SubscribePath.allCases) func anOriginNotNamedGetsNoPermission(path: SubscribePath) async throws {
        try await HubTestServer.with(crossOrigin: CrossOriginPolicy(hubOrigins: [Self.app])) { server in
            let head = try await Self.subscribeHead(server, origin: Self.other, path: path)
            #expect(head.hasPrefix("http/1.1 200"))
            #expect(!head.contains("access-control-allow-origin"))
        }
    }

    @Test func anyOriginWithAStarButNoCredentials() async throws {
        try await HubTestServer.with(crossOrigin: CrossOriginPolicy(hubOrigins: ["*"])) { server in
            let head = try await Self.subscribeHead(server, origin: Self.other, path: .firstRequest)
            #expect(head.contains("access-control-allow-origin: *\r\n"))
            #expect(!head.contains("access-control-allow-credentials"))
        }
    }

    @Test func byDefaultTheHubIsSameOriginOnlyAndTheSeedStreamsAreOpenToAll() async throws {
        try await HubTestServer.with { server in
            let hub = try await server.get("/.well-known/mercure/subscriptions", headers: [("Origin", Self.app)])
            #expect(hub.headers["Access-Control-Allow-Origin"].isEmpty)
            let demo = try await server.get("/demo/activity", headers: [("Origin", Self.app)])
            #expect(demo.headers["Access-Control-Allow-Origin"] == ["*"])
        }
    }

    @Test func aPreflightForPublishingIsAnsweredForANamedOriginOnly() async throws {
        try await HubTestServer.with(crossOrigin: CrossOriginPolicy(hubOrigins: [Self.app + "/"])) { server in
            let preflight = [("Access-Control-Request-Method", "POST"), ("Access-Control-Request-Headers", "authorization")]
            let allowed = try await Self.options(server, headers: [("Origin", Self.app)] + preflight)
            #expect(allowed.status == 204)
            #expect(allowed.headers["Access-Control-Allow-Origin"] == [Self.app])
            #expect(allowed.headers["Access-Control-Allow-Credentials"] == ["true"])
            #expect(allowed.headers["Access-Control-Allow-Methods"].first?.contains("POST") == true)
            #expect(allowed.headers["Access-Control-Allow-Headers"].first?.contains("Authorization") == true)
            let refused = try await Self.options(server, headers: [("Origin", Self.other)] + preflight)
            #expect(refused.headers["Access-Control-Allow-Origin"].isEmpty)
            #expect(refused.headers["Access-Control-Allow-Methods"].isEmpty)
        }
    }

    @Test func aPublishFromANamedOriginIsReadableAndOneRefusedStaysReadable() async throws {
        try await HubTestServer.with(crossOrigin: CrossOriginPolicy(hubOrigins: [Self.app])) { server in
            let token = try await server.token(publish: ["*"])
            let published = try await server.publish([("topic", "a"), ("data", "x")], token: token, headers: [("Origin", Self.app)])
            #expect(published.status == 200)
            #expect(published.headers["Access-Control-Allow-Origin"] == [Self.app])
            // The page learns why it was refused.
            let refused = try await server.publish([("topic", "a"), ("data", "x")], token: nil, headers: [("Origin", Self.app)])
            #expect(refused.status == 401)
            #expect(refused.headers["Access-Control-Allow-Origin"] == [Self.app])
        }
    }

    private static func options(_ server: HubTestServer, headers: [(String, String)]) async throws -> HTTPAnswer {
        var request = HTTPClientRequest(url: server.hubURL)
        request.method = .OPTIONS
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        return try await HTTPAnswer.fetch(request)
    }

    /// The head of a subscribe response, read from a raw connection, lowercased.
    private static func subscribeHead(_ server: HubTestServer, origin: String, path: SubscribePath) async throws -> String {
        let connection = try await RawConnection.open(port: server.port)
        if path == .laterRequest {
            try await connection.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            try await connection.waitFor("\r\n\r\nok")
        }
        let earlier = connection.text.utf8.count
        try await connection.send("GET /.well-known/mercure?topic=a HTTP/1.1\r\nHost: localhost\r\nOrigin: \(origin)\r\n\r\n")
        try await waitUntil { String(decoding: connection.text.utf8.dropFirst(earlier), as: UTF8.self).contains("\r\n\r\n") }
        let text = String(decoding: connection.text.utf8.dropFirst(earlier), as: UTF8.self)
        await connection.close()
        return String(text[..<text.range(of: "\r\n\r\n")!.upperBound]).lowercased()
    }
}
