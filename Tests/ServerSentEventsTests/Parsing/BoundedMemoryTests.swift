import Testing

@testable import ServerSentEvents

@Suite struct BoundedMemoryTests {
    private let small = ServerSentEventParser.Configuration(maxLineLength: 16, maxEventDataLength: 32)

    @Test func overlongLineDropsItsEventAndParsingCarriesOn() {
        let text = "id: 1\ndata: ok\n\nid: 2\ndata: this line is far too long\ndata: more\n\ndata: next\n\n"
        let outputs = parseAll(Array(text.utf8), configuration: small)
        #expect(
            outputs == [
                .success(ServerSentEvent(data: "ok", id: "1")),
                .failure(ServerSentEventParseError(kind: .lineTooLong, limit: 16)),
                .success(ServerSentEvent(data: "next", id: "1")),
            ]
        )
    }

    @Test func overlongLineIsReportedBeforeItsLineEndArrives() {
        var parser = ServerSentEventParser(configuration: small)
        var outputs: [ServerSentEventParser.Output] = []
        parser.parse(Array("data: 0123456789abcdef".utf8)) { outputs.append($0) }
        #expect(outputs == [.failure(ServerSentEventParseError(kind: .lineTooLong, limit: 16))])
    }

    @Test func lineAtExactlyTheLimitIsAccepted() {
        let line = "data: 0123456789"  // 16 bytes
        #expect(parseAll(Array("\(line)\n\n".utf8), configuration: small) == [.success(ServerSentEvent(data: "0123456789"))])
    }

    @Test func eventDataOverLimitDropsTheEvent() {
        let text = "data: 0123456789\ndata: 0123456789\ndata: 0123456789\n\ndata: fine\n\n"
        #expect(
            parseAll(Array(text.utf8), configuration: small) == [
                .failure(ServerSentEventParseError(kind: .eventDataTooLarge, limit: 32)),
                .success(ServerSentEvent(data: "fine")),
            ]
        )
    }

    @Test func errorsDoNotDependOnChunking() {
        let text = "data: a\n\n: a comment that is too long\ndata: 0123456789abcdefghij\ndata: x\n\nid: 5\ndata: b\n\n"
        let bytes = Array(text.utf8)
        let whole = parseAll(bytes, configuration: small)
        #expect(whole.count == 3)
        for split in 1..<bytes.count {
            #expect(parseAll(bytes, chunkSizes: [split], configuration: small) == whole, "split at \(split)")
        }
        #expect(parseAll(bytes, chunkSizes: Array(repeating: 1, count: bytes.count), configuration: small) == whole)
    }

    /// A 100 MiB line dripped four bytes at a time: one error, buffers never past the limit, and the
    /// stream carries on afterwards.
    ///
    /// It yields now and then: seconds of uninterrupted work would hold one of the few threads that
    /// the tests of live sockets and timeouts, running alongside, need.
    @Test func hundredMebibyteLineInFourByteChunksStaysBounded() async {
        let limit = 1 << 20
        var parser = ServerSentEventParser()
        var outputs: [ServerSentEventParser.Output] = []
        let drip: [UInt8] = Array("xxxx".utf8)
        parser.parse(Array("data: ".utf8)) { outputs.append($0) }
        var peak = 0
        for round in 0..<(100 * 1024 * 1024 / drip.count) {
            parser.parse(drip) { outputs.append($0) }
            if round % 4096 == 0 {
                peak = max(peak, parser.retainedBufferCapacity)
                await Task.yield()
            }
        }
        parser.parse(Array("\n\ndata: after\n\n".utf8)) { outputs.append($0) }
        #expect(
            outputs == [
                .failure(ServerSentEventParseError(kind: .lineTooLong, limit: limit)),
                .success(ServerSentEvent(data: "after")),
            ]
        )
        // Array growth may round the line buffer up, but never to anywhere near the 100 MiB sent.
        #expect(peak <= 2 * limit, "the parser held \(peak) bytes")
        #expect(parser.retainedBufferCapacity <= 64 * 1024, "after the event, the parser still holds \(parser.retainedBufferCapacity) bytes")
    }
}
