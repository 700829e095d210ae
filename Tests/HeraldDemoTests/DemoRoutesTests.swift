import AsyncHTTPClient
import Foundation
import HeraldDemo
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOHTTP1
import Testing

@Suite struct DemoRoutesTests {
    private func withServer(_ body: @escaping @Sendable (Int, DemoActivity) async throws -> Void) async throws {
        let activity = DemoActivity()
        let router = Router()
        DemoRoutes(interval: .milliseconds(20), repollRetry: 100, activity: activity).register(on: router)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: Logger(label: "test"))
        try await app.test(.live) { client in try await body(try #require(client.port), activity) }
    }

    private func fixture(_ name: String) throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        return try String(contentsOf: root.appendingPathComponent("ServerSentEventsTests/Fixtures/\(name)"), encoding: .utf8)
    }

    /// Reads a stream until `count` bytes arrived, then disconnects.
    private func firstBytes(_ port: Int, _ path: String, count: Int, headers: [(String, String)] = []) async throws -> (HTTPClientResponse, String) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        var text = ""
        for try await buffer in response.body {
            text += String(buffer: buffer)
            if text.utf8.count >= count { break }
        }
        return (response, text)
    }

    @Test func wireExampleIsServedByteForByte() async throws {
        let expected = try fixture("seed-002.txt")
        try await withServer { port, _ in
            let (response, body) = try await firstBytes(port, "/demo/wire", count: expected.utf8.count)
            #expect(response.headers["Content-Type"] == ["text/event-stream; charset=utf-8"])
            #expect(body == expected)
        }
    }

    @Test func multiStreamSendsTheThreeTypesInProportion() async throws {
        try await withServer { port, _ in
            let (_, body) = try await firstBytes(port, "/demo/multi", count: 2000)
            let time = body.components(separatedBy: "event: time\n").count - 1
            let notification = body.components(separatedBy: "event: notification\ndata: You have a new message!\n").count - 1
            let status = body.components(separatedBy: "event: status\ndata: System running normally\n").count - 1
            #expect(time >= 10)
            #expect(notification == time / 5)
            #expect(status == time / 10)
        }
    }

    @Test func jsonStreamResumesAfterLastEventID() async throws {
        try await withServer { port, _ in
            let (_, body) = try await firstBytes(port, "/demo/json", count: 60, headers: [("Last-Event-ID", "41")])
            #expect(body.hasPrefix("id: 42\ndata: {\"name\":\"Mr. Wang\",\"date\":\""))
        }
    }

    @Test func repollSendsOneEventAfterTheLastIDAndEnds() async throws {
        try await withServer { port, activity in
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/demo/repoll")
            request.headers.add(name: "Last-Event-ID", value: "7")
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            let body = String(buffer: try await response.body.collect(upTo: 1 << 16))
            #expect(body.hasPrefix("retry: 100\nid: 8\ndata: {\"n\":8,\"resumedFrom\":\"7\""))
            #expect(body.hasSuffix("\n\n"))
            #expect(activity.json(openConnections: nil).contains(#""repollLastEventIDs":["7"]"#))
        }
    }

    @Test func closingTheStreamIsNoticedByTheServer() async throws {
        try await withServer { port, activity in
            _ = try await firstBytes(port, "/demo/time", count: 30)
            var noticed = false
            for _ in 0..<200 where !noticed {
                noticed = activity.json(openConnections: nil).contains(#""closed":{"time":1"#)
                if !noticed { try await Task.sleep(for: .milliseconds(25)) }
            }
            #expect(noticed, "\(activity.json(openConnections: nil))")
        }
    }

    @Test func corsHeaderIsSentToOtherOrigins() async throws {
        try await withServer { port, _ in
            let (response, _) = try await firstBytes(port, "/demo/time", count: 1, headers: [("Origin", "https://elsewhere.example")])
            #expect(response.headers["Access-Control-Allow-Origin"] == ["*"])
        }
    }
}
