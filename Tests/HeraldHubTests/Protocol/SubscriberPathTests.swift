import Foundation
import HeraldHub
import HeraldTesting
import NIOHTTP1
import ServerSentEvents
import Testing

/// The anonymous rule, private updates and token expiry hold on every path a subscriber can take:
/// the first request of an HTTP/1.1 connection (which the hub takes over and writes itself), a later
/// request on a keep-alive connection (served by Hummingbird's router), and an HTTP/2 stream; live
/// and in replay. Long polls are checked in ``LongPollTests``.
@Suite struct SubscriberPathTests {
    enum Path: String, CaseIterable, CustomTestStringConvertible {
        case firstRequestOfAConnection
        case laterRequestOnAKeepAliveConnection
        case http2Stream

        var testDescription: String { rawValue }
    }

    @Test(arguments: Path.allCases) func anonymousSubscribersAreRefusedUnlessAllowed(path: Path) async throws {
        try await HubTestServer.with(tls: path == .http2Stream, configure: { $0.allowsAnonymousSubscribers = false }) { server in
            let anonymous = try await PathSubscription.open(path, on: server, query: "topic=a")
            #expect(try await anonymous.status() == 401)
            let withToken = try await PathSubscription.open(path, on: server, query: "topic=a", token: try await server.token(subscribe: []))
            #expect(try await withToken.status() == 200)
        }
    }

    @Test(arguments: Path.allCases) func privateUpdatesReachOnlyAuthorizedSubscribersInReplayAndLive(path: Path) async throws {
        try await HubTestServer.with(tls: path == .http2Stream) { server in
            try await server.publish(topics: ["a"], data: "private in history", isPrivate: true)
            try await server.publish(topics: ["a"], data: "public in history")
            let query = "topic=a&lastEventID=earliest"
            let anonymous = try await PathSubscription.open(path, on: server, query: query)
            let otherTopic = try await PathSubscription.open(path, on: server, query: query, token: try await server.token(subscribe: ["b"]))
            let authorized = try await PathSubscription.open(path, on: server, query: query, token: try await server.token(subscribe: ["a"]))
            try await server.publish(topics: ["a"], data: "private live", isPrivate: true)
            try await server.publish(topics: ["a"], data: "public live")
            for subscription in [anonymous, otherTopic] {
                #expect(try await subscription.data(through: "public live") == ["public in history", "public live"])
            }
            #expect(
                try await authorized.data(through: "public live") == ["private in history", "public in history", "private live", "public live"]
            )
        }
    }

    @Test(arguments: Path.allCases) func streamEndsWhenItsTokenExpires(path: Path) async throws {
        try await HubTestServer.with(tls: path == .http2Stream) { server in
            // Seven to eight seconds: live before it expires, on a loaded machine too (with three to
            // four, a CI run whose tests took 38 s saw the token expire before its request was read).
            let expiresAt = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + 8).rounded(.down))
            let token = try await server.token(subscribe: ["a"], expiresAt: expiresAt)
            let subscription = try await PathSubscription.open(path, on: server, query: "topic=a", token: token)
            #expect(try await subscription.status() == 200)
            try await subscription.waitForTheEnd()
            #expect(Date() >= expiresAt.addingTimeInterval(-0.1))
        }
    }
}

/// A subscription opened along one ``SubscriberPathTests/Path``, read as its client receives it.
private final class PathSubscription: @unchecked Sendable {
    // Used from one test task at a time.
    private let raw: RawConnection?
    private let http2: EventStreamClient?
    /// The responses on the raw connection before the subscription's.
    private let responsesBefore: Int

    private init(raw: RawConnection?, http2: EventStreamClient?, responsesBefore: Int) {
        self.raw = raw
        self.http2 = http2
        self.responsesBefore = responsesBefore
    }

    static func open(
        _ path: SubscriberPathTests.Path,
        on server: HubTestServer,
        query: String,
        token: String? = nil
    ) async throws -> PathSubscription {
        let authorization = token.map { "Authorization: Bearer \($0)\r\n" } ?? ""
        let request = "GET /.well-known/mercure?\(query) HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\(authorization)\r\n"
        switch path {
        case .firstRequestOfAConnection:
            let connection = try await RawConnection.open(port: server.port)
            try await connection.send(request)
            return PathSubscription(raw: connection, http2: nil, responsesBefore: 0)
        case .laterRequestOnAKeepAliveConnection:
            let connection = try await RawConnection.open(port: server.port)
            try await connection.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            try await connection.waitFor("\r\n\r\nok")
            try await connection.send(request)
            return PathSubscription(raw: connection, http2: nil, responsesBefore: 1)
        case .http2Stream:
            let stream = try await server.subscribe(query, headers: token.map { [("Authorization", "Bearer \($0)")] } ?? [])
            #expect(stream.version == .http2)
            return PathSubscription(raw: nil, http2: stream, responsesBefore: 0)
        }
    }

    /// The subscription's response status.
    func status() async throws -> UInt {
        if let http2 { return http2.status }
        let raw = try #require(raw)
        let text = try await raw.waitUntil("the subscription's response head") { text in
            let heads = text.components(separatedBy: "HTTP/1.1 ")
            return heads.count > responsesBefore + 1 && heads[responsesBefore + 1].contains("\r\n\r\n")
        }
        return try #require(UInt(text.components(separatedBy: "HTTP/1.1 ")[responsesBefore + 1].prefix(3)))
    }

    /// The data of every event received, up to the one whose data is `last`.
    func data(through last: String) async throws -> [String] {
        if let http2 {
            var data: [String] = []
            while data.last != last {
                guard let event = try await http2.next() else { throw StreamEnded(received: data.count, expected: data.count + 1) }
                data.append(event.data)
            }
            return data
        }
        let raw = try #require(raw)
        let text = try await raw.waitFor("data: \(last)\n\n")
        let body = text.components(separatedBy: "HTTP/1.1 ")[responsesBefore + 1]
        return body.components(separatedBy: "\n").filter { $0.hasPrefix("data: ") }.map { String($0.dropFirst(6)) }
    }

    /// Waits until the hub ends the subscription's response: the last chunk, or the connection closed.
    func waitForTheEnd() async throws {
        if let http2 { return try await http2.readToEnd() }
        let raw = try #require(raw)
        try await raw.waitUntil("the end of the response") { $0.hasSuffix("\r\n0\r\n\r\n") || raw.isClosed }
    }
}
