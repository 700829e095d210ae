import ServerSentEvents
import Testing

/// `parse(_:comment:_:)`: comment lines reported in stream order with the events, for clients that
/// ask for them; `parse(_:_:)` keeps ignoring them.
@Suite struct CommentReportingTests {
    /// What the parser reports for `bytes` fed in chunks of `chunkSize`, comments included.
    private enum Reported: Equatable {
        case event(ServerSentEvent)
        case comment(String)
        case failure(ServerSentEventParseError.Kind)
    }

    private func reported(
        _ text: String,
        chunkSize: Int = .max,
        configuration: ServerSentEventParser.Configuration = .init()
    ) -> [Reported] {
        let bytes = Array(text.utf8)
        var parser = ServerSentEventParser(configuration: configuration)
        var reported: [Reported] = []
        var start = 0
        repeat {
            let end = start + min(chunkSize, bytes.count - start)
            parser.parse(bytes[start..<end], comment: { reported.append(.comment($0)) }) { output in
                switch output {
                case .success(let event): reported.append(.event(event))
                case .failure(let error): reported.append(.failure(error.kind))
                }
            }
            start = end
        } while start < bytes.count
        parser.finish()
        return reported
    }

    @Test func commentTextIsWhatFollowsTheColonUnchanged() {
        #expect(reported(":Hello\n: heartbeat\n:\n") == [.comment("Hello"), .comment(" heartbeat"), .comment("")])
    }

    @Test func commentsAndEventsInStreamOrder() {
        #expect(
            reported(":before\ndata: a\n:inside\ndata: b\n\n:after\n") == [
                .comment("before"), .comment("inside"), .event(ServerSentEvent(data: "a\nb")), .comment("after"),
            ]
        )
    }

    @Test func commentIsReportedAtItsLineEndNotAtTheEventsEnd() {
        // No blank line follows: the comment is still reported, the unfinished event is not.
        #expect(reported(":ping\ndata: unfinished\n") == [.comment("ping")])
    }

    @Test func commentSplitAcrossChunksIsReportedOnce() {
        for size in 1...6 {
            #expect(reported(":Hello\r\ndata: x\r\n\r\n", chunkSize: size) == [.comment("Hello"), .event(ServerSentEvent(data: "x"))])
        }
    }

    @Test func commentAfterByteOrderMark() {
        #expect(reported("\u{FEFF}:c\ndata: x\n\n") == [.comment("c"), .event(ServerSentEvent(data: "x"))])
    }

    @Test func multiByteCommentSplitByteByByte() {
        #expect(reported(":€豆腐\n", chunkSize: 1) == [.comment("€豆腐")])
    }

    @Test func commentPastTheLineLimitIsDroppedAsALongLine() {
        let configuration = ServerSentEventParser.Configuration(maxLineLength: 8, maxEventDataLength: 64)
        #expect(
            reported(":0123456789\n\ndata: x\n\n", configuration: configuration) == [
                .failure(.lineTooLong), .event(ServerSentEvent(data: "x")),
            ]
        )
    }

    @Test func plainParseStillIgnoresComments() {
        #expect(events(":Hello\ndata: x\n\n") == [ServerSentEvent(data: "x")])
    }
}
