import HeraldTesting
import Hummingbird
import HummingbirdSSE
import HummingbirdTesting
import NIOCore
import Synchronization
import TestSupport
import Testing

/// A closer that runs the writing on the response's own task and stops it through its owner.
@Suite struct ServerSentEventStreamCloserTests {
    /// Frames a test pushes, ending when the closer's interrupt finishes them.
    private final class Source: Sendable {
        let frames: AsyncThrowingStream<ByteBuffer, any Error>
        let continuation: AsyncThrowingStream<ByteBuffer, any Error>.Continuation
        let reasons = Mutex<[String]>([])

        init() {
            (frames, continuation) = AsyncThrowingStream.makeStream()
        }

        /// The interrupt a closer calls: records the reason and ends the frames (with the error
        /// when the stream is closed because of one, so the response fails and the connection closes).
        func interrupt(_ reason: ServerSentEventStreamCloser.Reason) {
            switch reason {
            case .clientClosed:
                reasons.withLock { $0.append("clientClosed") }
                continuation.finish()
            case .gracefulShutdown:
                reasons.withLock { $0.append("gracefulShutdown") }
                continuation.finish()
            case .sourceFailed(let error):
                reasons.withLock { $0.append("sourceFailed") }
                continuation.finish(throwing: error)
            }
        }
    }

    private struct Dropped: Error {}

    private func withServer(
        source: Source,
        closer: ServerSentEventStreamCloser,
        _ body: @escaping @Sendable (Int) async throws -> Void
    ) async throws {
        let router = Router()
        router.get("stream") { request, _ in
            Response.serverSentEvents(encodedFrames: source.frames, for: request, configuration: .init(heartbeatInterval: nil), closer: closer)
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in try await body(try #require(client.port)) }
    }

    @Test func clientLeavingInterruptsTheWritingOnce() async throws {
        let source = Source()
        let closer = ServerSentEventStreamCloser { source.interrupt($0) }
        try await withServer(source: source, closer: closer) { port in
            let connection = try await RawConnection.open(port: port)
            try await connection.send(eventSourceRequest("/stream"))
            source.continuation.yield(ByteBuffer(string: "data: one\n\n"))
            try await connection.waitFor("data: one\n\n")
            await connection.close()
            try await waitUntilInterrupted(source)
            #expect(source.reasons.withLock { $0 } == ["clientClosed"])
            closer.close(because: Dropped())  // later calls do nothing
            #expect(source.reasons.withLock { $0 } == ["clientClosed"])
        }
    }

    @Test func closeBecauseOfAnErrorEndsTheResponseAndTheConnection() async throws {
        let source = Source()
        let closer = ServerSentEventStreamCloser { source.interrupt($0) }
        try await withServer(source: source, closer: closer) { port in
            let connection = try await RawConnection.open(port: port)
            try await connection.send(eventSourceRequest("/stream"))
            source.continuation.yield(ByteBuffer(string: "data: one\n\n"))
            try await connection.waitFor("data: one\n\n")
            closer.close(because: Dropped())
            // The server closes the connection.
            let received = try await connection.waitForClose()
            #expect(!received.contains("never sent"))
            #expect(source.reasons.withLock { $0 } == ["sourceFailed"])
        }
    }

    private func waitUntilInterrupted(_ source: Source) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while source.reasons.withLock({ $0.isEmpty }) {
            guard ContinuousClock.now < deadline else {
                Issue.record("the closer's interrupt was not called")
                return
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
