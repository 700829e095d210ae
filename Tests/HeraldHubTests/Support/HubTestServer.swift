import AsyncHTTPClient
import Foundation
import HeraldHub
import HeraldTesting
import Logging
import NIOCore
import NIOHTTP1
import TestSupport

/// A real hub on a loopback port, with its history in a real store (an SQLite file in a fresh
/// directory, or a fresh PostgreSQL database), for tests that speak HTTP to it as clients do.
struct HubTestServer: Sendable {
    static let secret = "herald-test-secret-0123456789abcdef"

    let testHub: TestHub
    let storage: TestStorage
    let key: TokenKey

    var port: Int { testHub.port }
    var hub: Hub { testHub.hub }
    /// The server's open connections.
    var connections: ConnectionCounter { testHub.connections }

    /// Runs `body` against a hub configured by `configure`, then shuts the hub and server down.
    ///
    /// - Parameters:
    ///   - store: The kind of store, when `storage` is not given: a new, empty one of that kind.
    ///   - storage: The history to start from, shared with hubs before or beside this one.
    static func with(
        store: StoreBackend = .sqlite,
        storage: TestStorage? = nil,
        requestLimits: RequestLimits = RequestLimits(),
        tls: Bool = false,
        crossOrigin: CrossOriginPolicy = CrossOriginPolicy(),
        configure: @Sendable (inout HubConfiguration) -> Void = { _ in },
        _ body: @escaping @Sendable (HubTestServer) async throws -> Void
    ) async throws {
        let storage = if let storage { storage } else { try await store.makeStorage() }
        var configuration = HubConfiguration(publisherKey: .hmacSHA256(secret: secret), allowsAnonymousSubscribers: true)
        // A shared log is read at least this often: short, so tests do not wait on a lost wake-up.
        configuration.sharedLogPollInterval = .milliseconds(100)
        configure(&configuration)
        let key = try await TokenKey(key: .hmacSHA256(secret: secret))
        let server = HeraldServer.Configuration(
            requestLimits: requestLimits,
            tls: tls ? try TestCertificates.serverConfiguration() : nil,
            crossOrigin: crossOrigin
        )
        try await TestHub.run(
            configuration: configuration,
            store: try await storage.open(logger: TestHub.quietLogger),
            server: server
        ) { testHub in
            try await withHangGuard(.seconds(60)) {
                try await body(HubTestServer(testHub: testHub, storage: storage, key: key))
            }
        }
    }

    var hubURL: String { testHub.hubURL }

    func url(_ pathAndQuery: String) -> String { testHub.url(pathAndQuery) }

    /// A token signed with the hub's key.
    func token(publish: [String]? = nil, subscribe: [String]? = nil, payload: JSONValue? = nil, expiresAt: Date? = nil) async throws -> String {
        try await key.sign(MercureClaims(expiresAt: expiresAt, mercure: .init(publish: publish, subscribe: subscribe, payload: payload)))
    }

    /// POSTs a publish form; `token` goes in `Authorization: Bearer`.
    func publish(_ form: [(String, String)], token: String?, headers: [(String, String)] = []) async throws -> HTTPAnswer {
        var request = HTTPClientRequest(url: hubURL)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(string: FormBody.encode(form)))
        return try await HTTPAnswer.fetch(request)
    }

    /// Publishes with a token allowed to publish anywhere, expecting success; returns the update's id.
    @discardableResult
    func publish(topics: [String], data: String, isPrivate: Bool = false, id: String? = nil, type: String? = nil) async throws -> String {
        var form = topics.map { ("topic", $0) }
        form.append(("data", data))
        if isPrivate { form.append(("private", "on")) }
        if let id { form.append(("id", id)) }
        if let type { form.append(("type", type)) }
        let answer = try await publish(form, token: try await token(publish: ["*"]))
        guard answer.status == 200 else { throw UnexpectedAnswer(answer) }
        return answer.body
    }

    /// GETs `pathAndQuery` and reads the whole body.
    func get(_ pathAndQuery: String, headers: [(String, String)] = []) async throws -> HTTPAnswer {
        var request = HTTPClientRequest(url: url(pathAndQuery))
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        return try await HTTPAnswer.fetch(request)
    }

    /// Opens a subscription: `query` is the part after `?`.
    func subscribe(_ query: String, headers: [(String, String)] = []) async throws -> EventStreamClient {
        try await EventStreamClient.open(url("/.well-known/mercure?\(query)"), headers: headers)
    }
}

/// A whole HTTP answer.
struct HTTPAnswer: Sendable, CustomStringConvertible {
    let status: UInt
    let headers: HTTPHeaders
    let body: String

    static func fetch(_ request: HTTPClientRequest) async throws -> HTTPAnswer {
        let response = try await TestCertificates.client(for: request.url).execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 16 << 20)
        return HTTPAnswer(status: response.status.code, headers: response.headers, body: String(buffer: body))
    }

    var description: String { "\(status) \(headers) \(body)" }
}

struct UnexpectedAnswer: Error, CustomStringConvertible {
    let answer: HTTPAnswer
    init(_ answer: HTTPAnswer) { self.answer = answer }
    var description: String { "unexpected answer: \(answer)" }
}

/// Form encoding for test requests.
enum FormBody {
    static func encode(_ pairs: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return pairs.map {
            ($0.0.addingPercentEncoding(withAllowedCharacters: allowed) ?? "") + "="
                + ($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")
        }.joined(separator: "&")
    }

    /// `value` percent-encoded for a query string.
    static func query(_ value: String) -> String {
        encode([("", value)]).dropFirst().description
    }
}

extension HubTestServer {
    /// The hub's `herald_subscribers_connected` gauge, read from `/metrics`.
    func subscriberCount() async -> Int {
        await metric("herald_subscribers_connected").map { Int($0) } ?? -1
    }

    /// A metric's value from `/metrics`.
    func metric(_ name: String) async -> Double? {
        guard let answer = try? await get("/metrics") else { return nil }
        for line in answer.body.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.dropFirst(name.count + 1))
        }
        return nil
    }
}

/// Polls `condition` every 10 ms until it holds; the caller's hang guard bounds the wait.
func waitUntil(_ condition: @Sendable () async -> Bool) async throws {
    while !(await condition()) {
        try await Task.sleep(for: .milliseconds(10))
    }
}

extension HubTestServer {
    /// Runs `body` against `count` hubs sharing one history (`storage`), each with its own server:
    /// nodes of a cluster, as a load balancer would see them.
    static func cluster(
        _ count: Int,
        storage: TestStorage,
        configure: @escaping @Sendable (inout HubConfiguration) -> Void = { _ in },
        _ body: @escaping @Sendable ([HubTestServer]) async throws -> Void
    ) async throws {
        try await startNodes(count, storage: storage, configure: configure, started: [], body)
    }

    private static func startNodes(
        _ remaining: Int,
        storage: TestStorage,
        configure: @escaping @Sendable (inout HubConfiguration) -> Void,
        started: [HubTestServer],
        _ body: @escaping @Sendable ([HubTestServer]) async throws -> Void
    ) async throws {
        guard remaining > 0 else { return try await body(started) }
        try await with(storage: storage, configure: configure) { node in
            try await startNodes(remaining - 1, storage: storage, configure: configure, started: started + [node], body)
        }
    }
}

/// A client that sends `request` and then reads nothing, with a small receive buffer, so that the
/// server's writes to it soon wait.
func connectClientThatNeverReads(port: Int, sending request: String) async throws -> RawConnection {
    let connection = try await RawConnection.open(port: port, receiveBufferSize: 4096, reading: .onlyWhileWaiting)
    try await connection.send(request)
    return connection
}
