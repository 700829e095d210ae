import AsyncHTTPClient
import Hummingbird
import HummingbirdSSE
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import ServerSentEvents
import Testing

/// The README's Hummingbird example, compiled and run against a live socket.
@Suite struct ReadmeExampleTests {
    @Test func hummingbirdExample() async throws {
        let router = Router()
        router.add(middleware: CORSMiddleware(allowOrigin: .all, allowHeaders: [.lastEventID]))
        router.get("ticks") { request, _ in
            let start = request.lastEventID(queryParameter: "lastEventId").flatMap(Int.init) ?? 0
            let ticks = AsyncStream<ServerSentEvent> { continuation in
                let producer = Task {
                    var tick = start
                    while !Task.isCancelled {
                        tick += 1
                        continuation.yield(ServerSentEvent(type: "tick", data: "\(tick)", id: "\(tick)"))
                        try? await Task.sleep(for: .milliseconds(10))
                    }
                    continuation.finish()
                }
                continuation.onTermination = { _ in producer.cancel() }
            }
            return Response.serverSentEvents(ticks, for: request, configuration: .init(heartbeatInterval: .seconds(15), initialRetry: 2000))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(try #require(client.port))/ticks")
            request.headers.add(name: "Last-Event-ID", value: "41")
            request.headers.add(name: "Origin", value: "https://elsewhere.example")
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            #expect(response.headers["Access-Control-Allow-Origin"] == ["*"])
            var text = ""
            for try await buffer in response.body {
                text += String(buffer: buffer)
                if text.contains("id: 43") { break }
            }
            #expect(text.hasPrefix("retry: 2000\n\nevent: tick\nid: 42\ndata: 42\n\nevent: tick\nid: 43\n"))
        }
    }
}
