import ServerSentEvents
import Testing

@Suite struct ServerSentEventEncoderTests {
    private let encoder = ServerSentEventEncoder()

    private func text(_ event: ServerSentEvent) throws -> String {
        String(decoding: try encoder.encode(event), as: UTF8.self)
    }

    @Test func messageWithoutOptionalFieldsIsOneDataLine() throws {
        #expect(try text(ServerSentEvent(data: "hello")) == "data: hello\n\n")
    }

    @Test func fieldsAreWrittenInMercureOrder() throws {
        let event = ServerSentEvent(type: "bar", data: "x", id: "42", retry: 15000)
        #expect(try text(event) == "event: bar\nretry: 15000\nid: 42\ndata: x\n\n")
    }

    @Test func everyLineEndingInDataStartsANewDataLine() throws {
        #expect(try text(ServerSentEvent(data: "a\nb\rc\r\nd")) == "data: a\ndata: b\ndata: c\ndata: d\n\n")
        #expect(try text(ServerSentEvent(data: "a\n\nb")) == "data: a\ndata: \ndata: b\n\n")
        #expect(try text(ServerSentEvent(data: "trailing\n")) == "data: trailing\ndata: \n\n")
    }

    @Test func emptyDataStillFiresAnEvent() throws {
        #expect(try text(ServerSentEvent(data: "")) == "data: \n\n")
    }

    @Test func leadingSpaceInDataSurvivesTheRoundTrip() throws {
        #expect(try text(ServerSentEvent(data: " x")) == "data:  x\n\n")
    }

    @Test func emptyIdIsWrittenToResetTheClientsLastEventID() throws {
        #expect(try text(ServerSentEvent(data: "x", id: "")) == "id: \ndata: x\n\n")
    }

    @Test func idWithLineBreakOrNullIsRefused() {
        #expect(throws: ServerSentEventEncodingError(field: .id, reason: .containsLineFeed)) {
            try encoder.encode(ServerSentEvent(data: "x", id: "1\n2"))
        }
        #expect(throws: ServerSentEventEncodingError(field: .id, reason: .containsCarriageReturn)) {
            try encoder.encode(ServerSentEvent(data: "x", id: "1\r"))
        }
        #expect(throws: ServerSentEventEncodingError(field: .id, reason: .containsNull)) {
            try encoder.encode(ServerSentEvent(data: "x", id: "1\u{0}"))
        }
    }

    @Test func typeWithLineBreakOrNullIsRefused() {
        #expect(throws: ServerSentEventEncodingError(field: .type, reason: .containsLineFeed)) {
            try encoder.encode(ServerSentEvent(type: "a\nb", data: "x"))
        }
        #expect(throws: ServerSentEventEncodingError(field: .type, reason: .containsNull)) {
            try encoder.encode(ServerSentEvent(type: "a\u{0}", data: "x"))
        }
    }

    @Test func refusedEventAppendsNothing() {
        var buffer: [UInt8] = Array("kept".utf8)
        #expect(throws: ServerSentEventEncodingError.self) {
            try encoder.encode(ServerSentEvent(type: "ok", data: "x", id: "bad\n"), into: &buffer)
        }
        #expect(buffer == Array("kept".utf8))
    }

    @Test func errorSaysWhichFieldAndWhy() {
        let error = ServerSentEventEncodingError(field: .id, reason: .containsLineFeed)
        #expect(error.description.contains("`id`"))
        #expect(error.description.contains("line feed"))
    }

    @Test(arguments: [-1, Int.min])
    func negativeRetryIsRefused(retry: Int) {
        #expect(throws: ServerSentEventEncodingError(field: .retry, reason: .negative)) {
            try encoder.encode(ServerSentEvent(data: "x", retry: retry))
        }
    }

    @Test func retryKeepsEveryValueAndNil() {
        var event = ServerSentEvent(data: "x")
        #expect(event.retry == nil)
        for value in [0, 1, 15_000, Int.max, -1] {
            event.retry = value
            #expect(event.retry == value)
        }
        event.retry = Int.min  // stays a (refused) negative value rather than turning into nil
        #expect(event.retry.map { $0 < 0 } == true)
        event.retry = nil
        #expect(event.retry == nil)
        #expect(ServerSentEvent(data: "x", retry: 5) != ServerSentEvent(data: "x"))
    }

    @Test func retryIsWrittenAsDigits() throws {
        var buffer: [UInt8] = []
        try encoder.encodeRetry(0, into: &buffer)
        try encoder.encodeRetry(Int.max, into: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self) == "retry: 0\n\nretry: \(Int.max)\n\n")
    }

    @Test func commentsAreWrittenPerLineAndIgnoredByTheParser() {
        var buffer: [UInt8] = []
        encoder.encodeComment("", into: &buffer)
        encoder.encodeComment("keep-alive", into: &buffer)
        encoder.encodeComment("two\nlines", into: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self) == ":\n: keep-alive\n: two\n: lines\n")
        #expect(parseAll(buffer).isEmpty)
    }

    @Test func messageTypeIsNotWritten() throws {
        #expect(try text(ServerSentEvent(type: "message", data: "x")) == "data: x\n\n")
        #expect(try text(ServerSentEvent(type: "", data: "x")) == "data: x\n\n")
    }
}
