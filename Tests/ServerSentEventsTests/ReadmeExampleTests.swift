import ServerSentEvents
import Testing

/// The README's codec example, compiled and checked.
@Suite struct ReadmeExampleTests {
    @Test func codecExample() async throws {
        var parser = ServerSentEventParser()
        var fired: [ServerSentEvent] = []
        for chunk in ["id: 1\nevent: gree", "ting\ndata: hello\r", "\ndata: world\n\n"] {
            parser.parse(Array(chunk.utf8)) { result in
                switch result {
                case .success(let event): fired.append(event)
                case .failure(let error): Issue.record(error)
                }
            }
        }
        parser.finish()
        #expect(fired == [ServerSentEvent(type: "greeting", data: "hello\nworld", id: "1")])
        #expect(parser.lastEventID == "1")

        let bytes = try ServerSentEventEncoder().encode(ServerSentEvent(type: "greeting", data: "hello\nworld", id: "1"))
        #expect(String(decoding: bytes, as: UTF8.self) == "event: greeting\nid: 1\ndata: hello\ndata: world\n\n")

        let chunks = AsyncStream<[UInt8]> { continuation in
            continuation.yield(Array("data: one\n\ndata: two\n\n".utf8))
            continuation.finish()
        }
        var data: [String] = []
        for try await event in chunks.serverSentEvents() { data.append(event.data) }
        #expect(data == ["one", "two"])
    }
}
