import Testing

@testable import EventSourceClient

/// Only the essence of the media type matters, as MIME sniffing's "essence" defines it.
@Suite struct MediaTypeTests {
    @Test(arguments: [
        "text/event-stream", "text/event-stream;charset=utf-8", "text/event-stream; charset=UTF-8",
        "TEXT/Event-Stream", " text/event-stream ;", "text/event-stream;",
    ])
    func eventStreamEssenceIsAccepted(_ contentType: String) {
        #expect(MediaType.isEventStream(contentType))
    }

    @Test(arguments: [
        "text/html", "text/event-streams", "text/plain; x=text/event-stream", "application/json", "", "text/event",
    ])
    func otherMediaTypesAreRejected(_ contentType: String) {
        #expect(!MediaType.isEventStream(contentType))
    }

    @Test func missingContentTypeIsRejected() {
        #expect(!MediaType.isEventStream(nil))
    }
}
