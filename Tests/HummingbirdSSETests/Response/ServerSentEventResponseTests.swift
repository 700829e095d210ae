import AsyncAlgorithms
import AsyncHTTPClient
import Foundation
import HeraldTesting
import Hummingbird
import HummingbirdSSE
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import ServerSentEvents
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct ServerSentEventResponseTests {
    /// Runs `body` with the port of a live server for `router`.
    private func withServer(
        _ router: Router<BasicRequestContext>,
        _ body: @escaping @Sendable (Int) async throws -> Void
    ) async throws {
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            try await body(try #require(client.port))
        }
    }

    private func get(_ port: Int, _ path: String, headers: [(String, String)] = []) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        return try await HTTPClient.shared.execute(request, timeout: .seconds(30))
    }

    @Test func eventsAreWrittenWithExactBytesAndHeaders() async throws {
        let router = Router()
        router.get("events") { request, _ in
            Response.serverSentEvents(
                [
                    ServerSentEvent(data: "first"),
                    ServerSentEvent(type: "update", data: "two\nlines", id: "2"),
                ].async,
                for: request,
                configuration: .init(heartbeatInterval: nil, initialRetry: 1500, initialComment: "hello")
            )
        }
        try await withServer(router) { port in
            let response = try await get(port, "/events")
            #expect(response.status == .ok)
            #expect(response.headers["Content-Type"] == ["text/event-stream; charset=utf-8"])
            #expect(response.headers["Cache-Control"] == ["no-cache"])
            #expect(response.headers["X-Accel-Buffering"] == ["no"])
            let body = try await response.body.collect(upTo: 1 << 20)
            #expect(String(buffer: body) == ": hello\nretry: 1500\n\ndata: first\n\nevent: update\nid: 2\ndata: two\ndata: lines\n\n")
        }
    }

    @Test func eachEventIsFlushedAsItIsProduced() async throws {
        let (events, continuation) = AsyncStream<ServerSentEvent>.makeStream()
        let router = Router()
        router.get("events") { request, _ in
            Response.serverSentEvents(events, for: request, configuration: .init(heartbeatInterval: nil))
        }
        try await withServer(router) { port in
            let response = try await get(port, "/events")
            var body = response.body.makeAsyncIterator()
            for index in 0..<3 {
                // The next event is produced only after the previous one arrived: nothing is held back.
                continuation.yield(ServerSentEvent(data: "event \(index)"))
                let chunk = try #require(try await body.next())
                #expect(String(buffer: chunk) == "data: event \(index)\n\n")
            }
            continuation.finish()
            #expect(try await body.next() == nil)
        }
    }

    @Test func heartbeatCommentIsSentWhenIdle() async throws {
        let router = Router()
        router.get("idle") { request, _ in
            Response.serverSentEvents(
                AsyncStream<ServerSentEvent> { _ in },
                for: request,
                configuration: .init(heartbeatInterval: .milliseconds(100), heartbeatComment: "ping")
            )
        }
        try await withServer(router) { port in
            let connection = try await RawConnection.open(port: port)
            try await connection.send(eventSourceRequest("/idle"))
            let received = try await connection.waitFor(": ping\n", occurrences: 3)
            await connection.close()
            #expect(received.contains("text/event-stream"))
            #expect(occurrences(of: ": ping\n", in: received) >= 3)
        }
    }

    @Test func heartbeatIsNotSentWhileEventsFlow() async throws {
        let router = Router()
        router.get("busy") { request, _ in
            let ticks = AsyncStream<ServerSentEvent> { continuation in
                let task = Task {
                    for index in 0..<20 {
                        try await Task.sleep(for: .milliseconds(20))
                        continuation.yield(ServerSentEvent(data: "\(index)"))
                    }
                    continuation.finish()
                }
                continuation.onTermination = { _ in task.cancel() }
            }
            return Response.serverSentEvents(
                ticks,
                for: request,
                configuration: .init(heartbeatInterval: .seconds(5), heartbeatComment: "ping")
            )
        }
        try await withServer(router) { port in
            let body = String(buffer: try await get(port, "/busy").body.collect(upTo: 1 << 20))
            #expect(occurrences(of: "\n\n", in: body) == 20)
            #expect(!body.contains("ping"))
        }
    }

    @Test func lastEventIDFromHeaderLetsTheRouteResume() async throws {
        let router = Router()
        router.get("counter") { request, _ in
            let after = Int(request.lastEventID(queryParameter: "lastEventId") ?? "0") ?? 0
            let events = (after + 1...after + 3).map { ServerSentEvent(data: "n=\($0)", id: "\($0)") }
            return Response.serverSentEvents(events.async, for: request)
        }
        try await withServer(router) { port in
            let fresh = String(buffer: try await get(port, "/counter").body.collect(upTo: 1 << 20))
            #expect(fresh == "id: 1\ndata: n=1\n\nid: 2\ndata: n=2\n\nid: 3\ndata: n=3\n\n")
            let resumed = String(buffer: try await get(port, "/counter", headers: [("Last-Event-ID", "3")]).body.collect(upTo: 1 << 20))
            #expect(resumed == "id: 4\ndata: n=4\n\nid: 5\ndata: n=5\n\nid: 6\ndata: n=6\n\n")
            let byQuery = String(buffer: try await get(port, "/counter?lastEventId=10").body.collect(upTo: 1 << 20))
            #expect(byQuery.hasPrefix("id: 11\n"))
            let headerWins = String(
                buffer: try await get(port, "/counter?lastEventId=10", headers: [("Last-Event-ID", "20")]).body.collect(upTo: 1 << 20)
            )
            #expect(headerWins.hasPrefix("id: 21\n"))
        }
    }

    @Test func producerThatLoopsForeverIsCancelledWhenTheClientCloses() async throws {
        let cancelled = Signal()
        let produced = Counter()
        let router = Router()
        router.get("forever") { request, _ in
            // The seeds' `while (true) { echo …; sleep(1); }`, in Swift.
            let forever = AsyncThrowingStream<ServerSentEvent, any Error> { continuation in
                let task = Task {
                    do {
                        while true {
                            produced.add(1)
                            continuation.yield(ServerSentEvent(data: "tick"))
                            try await Task.sleep(for: .milliseconds(50))
                        }
                    } catch {
                        cancelled.raise()
                    }
                }
                continuation.onTermination = { _ in task.cancel() }
            }
            // No heartbeat: only noticing the closed socket can stop this producer.
            return Response.serverSentEvents(forever, for: request, configuration: .init(heartbeatInterval: nil))
        }
        try await withServer(router) { port in
            let connection = try await RawConnection.open(port: port)
            try await connection.send(eventSourceRequest("/forever"))
            try await connection.waitFor("data: tick\n\n", occurrences: 2)
            await connection.close()
            let closedAt = ContinuousClock.now
            #expect(await cancelled.wait(upTo: .seconds(10)), "the producer was not cancelled after the client left")
            if let cancelledAt = cancelled.instant {
                print("HummingbirdSSE: producer cancelled \(cancelledAt - closedAt) after the client closed its socket")
            }
            let afterCancel = produced.current
            try await Task.sleep(for: .milliseconds(300))
            #expect(produced.current == afterCancel, "the producer kept working after cancellation")
        }
    }

    @Test func clientThatNeverReadsSuspendsTheProducerWithoutGrowingMemory() async throws {
        let producedBytes = Counter()
        let cancelled = Signal()
        let eventData = String(repeating: "x", count: 64 * 1024)
        let router = Router()
        router.get("firehose") { request, _ in
            let firehose = Firehose(eventData: eventData, producedBytes: producedBytes, cancelled: cancelled)
            return Response.serverSentEvents(firehose, for: request, configuration: .init(heartbeatInterval: nil))
        }
        try await withServer(router) { port in
            let before = residentBytes()
            let connection = try await RawConnection.open(port: port, receiveBufferSize: 4096, reading: .onlyWhileWaiting)
            try await connection.send(eventSourceRequest("/firehose"))
            try await connection.waitFor("data: xxxx")
            // Stop reading. Wait until the producer stops making progress (it is suspended).
            var last = -1
            while producedBytes.current != last {
                last = producedBytes.current
                try await Task.sleep(for: .milliseconds(500))
            }
            await connection.close()
            let growth = residentBytes() - before
            print(
                "HummingbirdSSE: with a client that never reads, the producer stopped after \(producedBytes.current) bytes; server RSS grew \(growth) bytes"
            )
            // Socket buffers on loopback hold a few MiB; an unbounded queue would hold gigabytes by now.
            #expect(producedBytes.current < 32 * 1024 * 1024)
            #expect(growth < 64 * 1024 * 1024)
            #expect(await cancelled.wait(upTo: .seconds(10)), "the suspended producer was not released when the client left")
        }
    }
}

/// The process's resident memory in bytes, from /proc/self/statm.
func residentBytes() -> Int {
    guard let file = fopen("/proc/self/statm", "r") else { return 0 }
    defer { fclose(file) }
    var buffer = [CChar](repeating: 0, count: 128)
    guard fgets(&buffer, 128, file) != nil else { return 0 }
    let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

/// How many times `marker` occurs in `text`.
func occurrences(of marker: String, in text: String) -> Int {
    var count = 0
    var rest = text[...]
    while let range = rest.range(of: marker) {
        count += 1
        rest = rest[range.upperBound...]
    }
    return count
}

/// An endless, pull-driven producer of large events: it makes the next event only when asked, so
/// it shows exactly how far a slow client lets the server get, and it notes when it is cancelled.
struct Firehose: AsyncSequence, Sendable {
    let eventData: String
    let producedBytes: Counter
    let cancelled: Signal

    func makeAsyncIterator() -> Iterator { Iterator(firehose: self) }

    struct Iterator: AsyncIteratorProtocol {
        let firehose: Firehose
        mutating func next() async -> ServerSentEvent? {
            if Task.isCancelled {
                firehose.cancelled.raise()
                return nil
            }
            firehose.producedBytes.add(firehose.eventData.utf8.count)
            return ServerSentEvent(data: firehose.eventData)
        }
    }
}
