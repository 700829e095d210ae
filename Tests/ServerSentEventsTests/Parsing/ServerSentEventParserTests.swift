import ServerSentEvents
import Testing

/// One test per rule of the WHATWG "interpreting an event stream" algorithm.
@Suite struct ServerSentEventParserTests {
    @Test func seedWireExampleParsesToItsFiveEvents() {
        var parser = ServerSentEventParser()
        var outputs: [ServerSentEventParser.Output] = []
        parser.parse(fixture("seed-002.txt")) { outputs.append($0) }
        let fired = outputs.map { try! $0.get() }
        #expect(
            fired == [
                ServerSentEvent(data: "First message is a simple string."),
                ServerSentEvent(data: #"{"message": "JSON payload"}"#),
                ServerSentEvent(type: "foo", data: #"Message of type "foo""#),
                ServerSentEvent(type: "bar", data: "Multi-line message of\ntype \"bar\" and id \"42\"", id: "42"),
                ServerSentEvent(data: #"Last message, id "43""#, id: "43"),
            ]
        )
        #expect(parser.reconnectionTime == 15000)
        #expect(parser.lastEventID == "43")
    }

    @Test func leadingByteOrderMarkIsStripped() {
        #expect(events("\u{FEFF}data: a\n\n") == [ServerSentEvent(data: "a")])
    }

    @Test func secondByteOrderMarkIsPartOfTheFieldName() {
        // The second BOM makes the field name "\u{FEFF}data", an unknown field: nothing fires.
        #expect(events("\u{FEFF}\u{FEFF}data: a\n\n") == [])
    }

    @Test func byteOrderMarkAfterStreamStartIsKept() {
        #expect(events("data: a\n\n\u{FEFF}data: b\n\n") == [ServerSentEvent(data: "a")])
        #expect(events("data: \u{FEFF}b\n\n") == [ServerSentEvent(data: "\u{FEFF}b")])
    }

    @Test func byteOrderMarkSplitAcrossChunks() {
        let bytes = Array("\u{FEFF}data: a\n\n".utf8)
        for split in 1..<4 {
            #expect(parseAll(bytes, chunkSizes: [split]).map { try! $0.get() } == [ServerSentEvent(data: "a")])
        }
    }

    @Test func partialByteOrderMarkIsTheStartOfTheFirstLine() {
        // EF BB followed by "data" is not a BOM: the first line's name is those bytes plus "data".
        let bytes: [UInt8] = [0xEF, 0xBB] + Array("data: a\n\ndata: b\n\n".utf8)
        #expect(parseAll(bytes, chunkSizes: [1, 1]).map { try! $0.get() } == [ServerSentEvent(data: "b")])
    }

    @Test func linesEndAtCRLF() {
        #expect(events("data: a\r\ndata: b\r\n\r\n") == [ServerSentEvent(data: "a\nb")])
    }

    @Test func linesEndAtLoneLF() {
        #expect(events("data: a\ndata: b\n\n") == [ServerSentEvent(data: "a\nb")])
    }

    @Test func linesEndAtLoneCR() {
        #expect(events("data: a\rdata: b\r\r") == [ServerSentEvent(data: "a\nb")])
    }

    @Test func otherControlBytesAreNotLineEnds() {
        // Tab, vertical tab, form feed and friends sit beside CR and LF below 0x0E, where the line
        // search looks for candidates eight bytes at a time: in every position of a word, they stay data.
        let controls = "\u{0}\u{1}\t\u{B}\u{C}"
        for padding in 0..<8 {
            let value = String(repeating: "x", count: padding) + controls + "y" + controls
            #expect(events("data: \(value)\n\n") == [ServerSentEvent(data: value)])
        }
    }

    @Test func crlfSplitAcrossChunksIsOneLineEnding() {
        let bytes = Array("data: a\r\n\r\ndata: b\r\n\r\n".utf8)
        for split in 1..<bytes.count {
            let fired = parseAll(bytes, chunkSizes: [split]).map { try! $0.get() }
            #expect(fired == [ServerSentEvent(data: "a"), ServerSentEvent(data: "b")], "split at \(split)")
        }
    }

    @Test func carriageReturnAtChunkEndDispatchesWithoutWaitingForTheNextChunk() {
        var parser = ServerSentEventParser()
        var fired: [ServerSentEvent] = []
        parser.parse(Array("data: now\r\r".utf8)) { fired.append(try! $0.get()) }
        #expect(fired == [ServerSentEvent(data: "now")])
    }

    @Test func colonLinesAreComments() {
        #expect(events(": comment\ndata: a\n:another\n\n") == [ServerSentEvent(data: "a")])
        #expect(events(":\n\n") == [])
    }

    @Test func fieldSplitsAtTheFirstColon() {
        #expect(events("data: a: b:c\n\n") == [ServerSentEvent(data: "a: b:c")])
    }

    @Test func exactlyOneLeadingSpaceIsDropped() {
        #expect(events("data:a\n\n") == [ServerSentEvent(data: "a")])
        #expect(events("data:  a\n\n") == [ServerSentEvent(data: " a")])
        #expect(events("data:\ta \n\n") == [ServerSentEvent(data: "\ta ")])
    }

    @Test func lineWithoutColonIsFieldWithEmptyValue() {
        #expect(events("data\n\n") == [ServerSentEvent(data: "")])
        #expect(events("data\ndata\n\n") == [ServerSentEvent(data: "\n")])
        #expect(events("event\ndata: a\n\n") == [ServerSentEvent(data: "a")])
    }

    @Test func fieldNamesAreCaseSensitive() {
        #expect(events("Data: a\nDATA: b\n\n") == [])
        #expect(events("Event: x\ndata: a\n\n") == [ServerSentEvent(data: "a")])
    }

    @Test func unknownFieldsAreIgnored() {
        #expect(events("foo: bar\ndata: a\nbaz\n\n") == [ServerSentEvent(data: "a")])
    }

    @Test func dataAppendsValueAndLineFeed() {
        #expect(events("data: a\ndata:\ndata: b\n\n") == [ServerSentEvent(data: "a\n\nb")])
    }

    @Test func onlyOneTrailingLineFeedIsRemovedAtDispatch() {
        #expect(events("data: a\ndata\n\n") == [ServerSentEvent(data: "a\n")])
    }

    @Test func eventFieldSetsTheTypeOfOneEventOnly() {
        #expect(
            events("event: foo\ndata: a\n\ndata: b\n\n") == [
                ServerSentEvent(type: "foo", data: "a"), ServerSentEvent(data: "b"),
            ]
        )
    }

    @Test func emptyEventTypeMeansMessage() {
        #expect(events("event:\ndata: a\n\n") == [ServerSentEvent(type: "message", data: "a")])
    }

    @Test func idPersistsToLaterEvents() {
        #expect(
            events("id: 1\ndata: a\n\ndata: b\n\n") == [
                ServerSentEvent(data: "a", id: "1"), ServerSentEvent(data: "b", id: "1"),
            ]
        )
    }

    @Test func emptyIdResetsTheLastEventID() {
        var parser = ServerSentEventParser()
        var fired: [ServerSentEvent] = []
        parser.parse(Array("id: 1\ndata: a\n\nid\ndata: b\n\n".utf8)) { fired.append(try! $0.get()) }
        #expect(fired == [ServerSentEvent(data: "a", id: "1"), ServerSentEvent(data: "b", id: nil)])
        #expect(parser.lastEventID == "")
    }

    @Test func idContainingNullIsIgnored() {
        #expect(
            events("id: 1\ndata: a\n\nid: 2\u{0}3\ndata: b\n\n") == [
                ServerSentEvent(data: "a", id: "1"), ServerSentEvent(data: "b", id: "1"),
            ]
        )
    }

    @Test func idWithoutDataSetsLastEventIDButFiresNothing() {
        var parser = ServerSentEventParser()
        var fired: [ServerSentEvent] = []
        parser.parse(Array("id: 9\n\n".utf8)) { fired.append(try! $0.get()) }
        #expect(fired.isEmpty)
        #expect(parser.lastEventID == "9")
    }

    @Test func idIsCommittedOnlyAtDispatch() {
        var parser = ServerSentEventParser()
        parser.parse(Array("id: 5\ndata: x\n".utf8)) { _ in }
        #expect(parser.lastEventID == "")
        parser.finish()
        #expect(parser.lastEventID == "")
    }

    @Test func retryAcceptsOnlyASCIIDigits() {
        for (line, expected) in [
            ("retry: 3000", 3000), ("retry: 03000", 3000), ("retry: 0", 0),
        ] {
            var parser = ServerSentEventParser()
            parser.parse(Array("\(line)\n\n".utf8)) { _ in }
            #expect(parser.reconnectionTime == expected, "\(line)")
        }
        for line in ["retry: +5", "retry: -5", "retry: 5ms", "retry: 5.0", "retry:", "retry", "retry:  5", "retry: ５"] {
            var parser = ServerSentEventParser()
            parser.parse(Array("\(line)\n\n".utf8)) { _ in }
            #expect(parser.reconnectionTime == nil, "\(line)")
        }
    }

    @Test func retryTooLargeForIntSaturates() {
        var parser = ServerSentEventParser()
        parser.parse(Array("retry: 99999999999999999999999\n\n".utf8)) { _ in }
        #expect(parser.reconnectionTime == Int.max)
    }

    @Test func retryIsReportedOnTheEventOfItsBlock() {
        #expect(
            events("retry: 10\ndata: a\n\ndata: b\n\n") == [
                ServerSentEvent(data: "a", retry: 10), ServerSentEvent(data: "b"),
            ]
        )
    }

    @Test func blockWithoutDataFiresNothingAndClearsType() {
        #expect(events("event: foo\n\ndata: a\n\n") == [ServerSentEvent(data: "a")])
        #expect(events("event: foo\nid: 1\nretry: 5\n\n") == [])
    }

    @Test func unfinishedEventIsDiscardedAtEndOfStream() {
        #expect(events("data: a\n\ndata: b\n") == [ServerSentEvent(data: "a")])
        #expect(events("data: a\n\ndata: b") == [ServerSentEvent(data: "a")])
    }

    @Test func finishKeepsLastEventIDAndReconnectionTimeForTheNextStream() {
        var parser = ServerSentEventParser()
        parser.parse(Array("retry: 100\nid: 3\ndata: a\n\nid: 4\ndata: unfinished\n".utf8)) { _ in }
        parser.finish()
        #expect(parser.lastEventID == "3")
        #expect(parser.reconnectionTime == 100)
        var fired: [ServerSentEvent] = []
        parser.parse(Array("\u{FEFF}data: b\n\n".utf8)) { fired.append(try! $0.get()) }
        #expect(fired == [ServerSentEvent(data: "b", id: "3")])
    }

    @Test func initialLastEventIDIsCarriedByEvents() {
        var parser = ServerSentEventParser(lastEventID: "resume-7")
        var fired: [ServerSentEvent] = []
        parser.parse(Array("data: a\n\n".utf8)) { fired.append(try! $0.get()) }
        #expect(fired == [ServerSentEvent(data: "a", id: "resume-7")])
    }

    @Test func invalidUTF8DecodesToReplacementCharacter() {
        let bytes: [UInt8] = Array("data: a".utf8) + [0xFF, 0xC3] + Array("b\nid: ".utf8) + [0xE2, 0x82] + Array("\n\n".utf8)
        let fired = parseAll(bytes).map { try! $0.get() }
        #expect(fired == [ServerSentEvent(data: "a\u{FFFD}\u{FFFD}b", id: "\u{FFFD}")])
    }

    @Test func nonASCIITextSurvivesEverySplit() {
        let bytes = Array("event: 日本\ndata: é😀中\n\n".utf8)
        for split in 1..<bytes.count {
            let fired = parseAll(bytes, chunkSizes: [split]).map { try! $0.get() }
            #expect(fired == [ServerSentEvent(type: "日本", data: "é😀中")], "split at \(split)")
        }
    }

    @Test func mixedLineEndingsFixture() {
        var parser = ServerSentEventParser()
        var fired: [ServerSentEvent] = []
        parser.parse(fixture("mixed-line-endings.txt")) { fired.append(try! $0.get()) }
        parser.finish()
        #expect(
            fired == [
                ServerSentEvent(type: "crlf", data: "line one\nline two"),
                ServerSentEvent(type: "cr", data: "alone"),
                ServerSentEvent(data: "lf", id: "7"),
                ServerSentEvent(data: "", id: "7"),
                ServerSentEvent(data: "no-space\n two spaces", id: "7"),
                ServerSentEvent(data: "reset id"),
                ServerSentEvent(data: "after unknown", retry: 250),
            ]
        )
    }
}
