import AsyncHTTPClient
import Foundation
import HeraldHub
import HeraldSQLite
import HeraldTesting
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import ServerSentEvents
import Testing

/// The README's "Embedding the hub" example, run with the server on a free port instead of
/// `HeraldServer.run` (which waits for SIGTERM).
@Suite struct ReadmeExampleTests {
    @Test func embeddingTheHub() async throws {
        let secretFromYourVault = HubTestServer.secret
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("books-hub-\(UUID().uuidString).sqlite").path

        let logger = Logger(label: "books")
        let store = try await SQLiteEventStore.open(path: path)
        let hub = try await Hub(
            configuration: HubConfiguration(publisherKey: .hmacSHA256(secret: secretFromYourVault), allowsAnonymousSubscribers: true),
            store: store,
            logger: logger
        )
        let update = try await hub.publish(Update(topics: ["https://example.com/books/1"], data: #"{"title":"Dune"}"#))
        #expect(update.id.hasPrefix("urn:uuid:"))

        let app = HeraldServer.makeApplication(configuration: .init(port: 0), hub: hub, logger: logger)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let stream = try await EventStreamClient.open(
                "http://127.0.0.1:\(port)/.well-known/mercure?topic=https%3A%2F%2Fexample.com%2Fbooks%2F%7Bid%7D&lastEventID=earliest"
            )
            let event = try await stream.next()
            #expect(event?.data == #"{"title":"Dune"}"#)
            #expect(event?.id == update.id)
            hub.shutDown()  // ends the stream, as graceful shutdown does, so the test server can stop
        }
        try await hub.close()
    }

    /// The README's `HeraldTesting` example, as written there (in a temporary directory).
    @Test func testingTheEmbeddedHub() async throws {
        let secretFromYourVault = HubTestServer.secret
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("readme-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        let store = try await SQLiteEventStore.open(path: directory.appendingPathComponent("test-\(UInt64.random(in: 0 ... .max)).sqlite").path)
        let configuration = HubConfiguration(publisherKey: .hmacSHA256(secret: secretFromYourVault), allowsAnonymousSubscribers: true)
        try await TestHub.run(configuration: configuration, store: store) { server in
            let update = try await server.hub.publish(Update(topics: ["https://example.com/books/1"], data: "Dune"))
            let connection = try await RawConnection.open(port: server.port)
            try await connection.send(
                "GET /.well-known/mercure?topic=https://example.com/books/1&lastEventID=earliest HTTP/1.1\r\nHost: localhost\r\n\r\n"
            )
            try await connection.waitFor("id: \(update.id)\ndata: Dune\n\n")
            await connection.close()
        }
    }
}
