import EventSourceClient
import Hummingbird
import HummingbirdSSE
import ServerSentEvents
import TestSupport
import Testing

/// The client against Herald's own server side: resumption by `Last-Event-ID` across reconnections.
@Suite struct HummingbirdServerTests {
    @Test func resumesAHummingbirdStreamWithoutGapsOrRepeats() async throws {
        let router = Router()
        router.get("counter") { request, _ in
            // Three events after the one the client last saw, then the stream ends.
            let start = request.lastEventID().flatMap(Int.init) ?? 0
            let events = (start + 1...start + 3).map { ServerSentEvent(type: "count", data: "\($0)", id: "\($0)") }
            return Response.serverSentEvents(
                AsyncStream { continuation in
                    for event in events { continuation.yield(event) }
                    continuation.finish()
                },
                for: request,
                configuration: .init(initialRetry: 10)
            )
        }
        let port = Signal()
        let portNumber = Counter()
        let server = Task {
            try await Application(
                router: router,
                configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                onServerRunning: { channel in
                    portNumber.add(channel.localAddress!.port!)
                    port.raise()
                }
            ).runService()
        }
        defer { server.cancel() }
        #expect(await port.wait(upTo: .seconds(10)))
        let source = EventSource(url: "http://127.0.0.1:\(portNumber.current)/counter", configuration: .init(jitter: 0))
        let events = try await withHangGuard { try await source.collect(9) }
        #expect(events.map(\.data) == (1...9).map(String.init))
        #expect(events.map(\.id) == (1...9).map(String.init))
        #expect(events.allSatisfy { $0.type == "count" })
    }
}
