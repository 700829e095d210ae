import ServerSentEvents
import Testing

@Suite struct ServerSentEventAsyncSequenceTests {
    private func chunks(_ pieces: [String]) -> AsyncStream<[UInt8]> {
        AsyncStream { continuation in
            for piece in pieces { continuation.yield(Array(piece.utf8)) }
            continuation.finish()
        }
    }

    @Test func eventsArriveFromChunksSplitAnywhere() async throws {
        var received: [ServerSentEvent] = []
        for try await event in chunks(["da", "ta: a\r", "\nid: 1\ndata: b\n", "\n", "data: unfinished"]).serverSentEvents() {
            received.append(event)
        }
        #expect(received == [ServerSentEvent(data: "a\nb", id: "1")])
    }

    @Test func parseErrorIsThrownAndIterationCanCarryOn() async throws {
        let configuration = ServerSentEventParser.Configuration(maxLineLength: 8)
        var iterator = chunks(["data: far too long\n\ndata: ok\n\n"]).serverSentEvents(configuration: configuration)
            .makeAsyncIterator()
        await #expect(throws: ServerSentEventParseError(kind: .lineTooLong, limit: 8)) { try await iterator.next() }
        #expect(try await iterator.next() == ServerSentEvent(data: "ok"))
        #expect(try await iterator.next() == nil)
    }

    @Test func errorOfTheByteSequenceIsPassedOn() async {
        struct Broken: Error {}
        let stream = AsyncThrowingStream<[UInt8], any Error> { continuation in
            continuation.yield(Array("data: a\n\n".utf8))
            continuation.finish(throwing: Broken())
        }
        var iterator = stream.serverSentEvents().makeAsyncIterator()
        #expect(try! await iterator.next() == ServerSentEvent(data: "a"))
        await #expect(throws: Broken.self) { try await iterator.next() }
    }
}
