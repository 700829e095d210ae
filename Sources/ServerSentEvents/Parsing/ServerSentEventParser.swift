/// An incremental `text/event-stream` parser that follows the WHATWG HTML rules for interpreting an
/// event stream exactly.
///
/// Feed it the bytes of a stream in chunks of any size, split anywhere; it reports every event as soon
/// as its terminating blank line arrives. It keeps the stream's last event ID and reconnection time,
/// and never holds more than ``Configuration/maxLineLength`` bytes of an unfinished line plus
/// ``Configuration/maxEventDataLength`` bytes of an unfinished event's data.
///
/// ```swift
/// var parser = ServerSentEventParser()
/// parser.parse(Array("data: hello\n\n".utf8)) { result in
///     if case .success(let event) = result { print(event.data) }  // "hello"
/// }
/// parser.finish()  // the stream ended: drop any unfinished event
/// ```
public struct ServerSentEventParser: Sendable {
    /// Limits that bound the parser's memory.
    public struct Configuration: Sendable, Hashable {
        /// The longest line, in bytes without its line ending, the parser accepts. Default 1 MiB.
        public var maxLineLength: Int
        /// The most data, in bytes, one event may carry. Default 1 MiB.
        public var maxEventDataLength: Int

        /// Creates a configuration; both limits must be positive.
        public init(maxLineLength: Int = 1 << 20, maxEventDataLength: Int = 1 << 20) {
            precondition(maxLineLength > 0 && maxEventDataLength > 0, "parser limits must be positive")
            self.maxLineLength = maxLineLength
            self.maxEventDataLength = maxEventDataLength
        }

        /// Limits for a stream whose events may be up to `bytes` long: both one line and one event's
        /// data may take that many bytes, so an event of that size is accepted however its data is
        /// split into lines. The parser then holds at most twice `bytes`.
        public static func allowingEvents(upTo bytes: Int) -> Configuration {
            Configuration(maxLineLength: bytes, maxEventDataLength: bytes)
        }
    }

    /// What the parser reports for each event: the event, or the limit that made it drop one.
    public typealias Output = Result<ServerSentEvent, ServerSentEventParseError>

    /// Where the parser is in dropping an event that went past a limit.
    private enum Discarding {
        /// Not dropping anything.
        case nothing
        /// Inside an over-long line: drop bytes up to its line ending, then the rest of the event.
        case restOfLine
        /// Drop lines up to the blank line that ends the event.
        case restOfEvent
    }

    private static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]
    private static let colon: UInt8 = 0x3A
    private static let space: UInt8 = 0x20

    /// The limits this parser enforces.
    public let configuration: Configuration

    /// The stream's last event ID: set from the `id` fields of each dispatched block, kept across
    /// events, and sent by clients in `Last-Event-ID` when they reconnect. Empty when there is none.
    public private(set) var lastEventID: String

    /// The reconnection time in milliseconds from the stream's last valid `retry:` field, if any.
    public private(set) var reconnectionTime: Int?

    private var lineBuffer: [UInt8] = []
    private var dataBuffer: [UInt8] = []
    /// The event's only data line so far, while it lies in the chunk being parsed: decoded straight
    /// from there at dispatch, which spares copying it into `dataBuffer` first (most events have
    /// one data line). An address, valid only within one `parseLines` call, which clears it on return.
    private var chunkDataAddress = 0
    private var chunkDataCount = Self.noChunkData
    private static let noChunkData = -1
    private var eventTypeBuffer = ""
    private var lastEventIDBuffer: String
    private var eventRetry: Int?
    private var byteOrderMarkBytesSeen = 0
    private var isAtStreamStart = true
    private var previousChunkEndedWithCarriageReturn = false
    private var discarding = Discarding.nothing

    /// Creates a parser.
    ///
    /// - Parameters:
    ///   - configuration: The limits on line and event size.
    ///   - lastEventID: The last event ID to start from, for a client resuming an earlier stream.
    public init(configuration: Configuration = .init(), lastEventID: String = "") {
        self.configuration = configuration
        self.lastEventID = lastEventID
        self.lastEventIDBuffer = lastEventID
    }

    /// Parses the next chunk of the stream, calling `handle` for each event it completes and for each
    /// event it drops for exceeding a limit, in stream order.
    public mutating func parse<Bytes: Sequence<UInt8>>(
        _ chunk: Bytes,
        _ handle: (Output) throws -> Void
    ) rethrows {
        try parseAnyChunk(chunk, { _ in }, handle)
    }

    /// Parses the next chunk as ``parse(_:_:)`` does, and also calls `comment` with the text of each
    /// comment line (what follows its colon, unchanged), in stream order with the events.
    ///
    /// Comments fire no event, so the spec has browsers ignore them; servers send them as heartbeats,
    /// and a client that logs what the server says or shows its liveness may want them. A comment is
    /// reported when its line ends, not when its event does.
    public mutating func parse<Bytes: Sequence<UInt8>>(
        _ chunk: Bytes,
        comment: (String) throws -> Void,
        _ handle: (Output) throws -> Void
    ) rethrows {
        try parseAnyChunk(chunk, { try comment(String(decoding: $0, as: UTF8.self)) }, handle)
    }

    private mutating func parseAnyChunk<Bytes: Sequence<UInt8>>(
        _ chunk: Bytes,
        _ comment: (UnsafeBufferPointer<UInt8>) throws -> Void,
        _ handle: (Output) throws -> Void
    ) rethrows {
        let handled: Void? = try chunk.withContiguousStorageIfAvailable { buffer in
            try self.parseContiguous(buffer, comment, handle)
        }
        if handled == nil {
            let copy = Array(chunk)
            try copy.withUnsafeBufferPointer { try self.parseContiguous($0, comment, handle) }
        }
    }

    /// Ends the current stream: an unfinished event is discarded, never dispatched.
    ///
    /// ``lastEventID`` and ``reconnectionTime`` are kept, and the parser is ready for the stream of the
    /// next connection, which may again start with a byte order mark.
    public mutating func finish() {
        lineBuffer.removeAll(keepingCapacity: false)
        dataBuffer.removeAll(keepingCapacity: false)
        eventTypeBuffer = ""
        lastEventIDBuffer = lastEventID
        eventRetry = nil
        byteOrderMarkBytesSeen = 0
        isAtStreamStart = true
        previousChunkEndedWithCarriageReturn = false
        discarding = .nothing
    }

    /// The bytes the parser's buffers hold on to, which its limits bound (for tests of that bound).
    var retainedBufferCapacity: Int { lineBuffer.capacity + dataBuffer.capacity }

    // MARK: - Lines

    private mutating func parseContiguous(
        _ chunk: UnsafeBufferPointer<UInt8>,
        _ comment: (UnsafeBufferPointer<UInt8>) throws -> Void,
        _ handle: (Output) throws -> Void
    ) rethrows {
        var start = 0
        if isAtStreamStart {
            // One BOM is stripped, and only at the very start; it may arrive split across chunks.
            while start < chunk.count, byteOrderMarkBytesSeen < 3,
                chunk[start] == Self.byteOrderMark[byteOrderMarkBytesSeen]
            {
                byteOrderMarkBytesSeen += 1
                start += 1
            }
            if byteOrderMarkBytesSeen < 3 && start == chunk.count { return }
            isAtStreamStart = false
            if byteOrderMarkBytesSeen < 3 && byteOrderMarkBytesSeen > 0 {
                // Not a BOM after all: the bytes held back are the start of the first line.
                let heldBack = Self.byteOrderMark[0..<byteOrderMarkBytesSeen]
                try heldBack.withContiguousStorageIfAvailable { try parseLines($0, from: 0, comment, handle) }
            }
        }
        try parseLines(chunk, from: start, comment, handle)
    }

    private mutating func parseLines(
        _ chunk: UnsafeBufferPointer<UInt8>,
        from start: Int,
        _ comment: (UnsafeBufferPointer<UInt8>) throws -> Void,
        _ handle: (Output) throws -> Void
    ) rethrows {
        let end = chunk.count
        var lineStart = start
        defer { moveChunkDataToBuffer() }
        if previousChunkEndedWithCarriageReturn, lineStart < end {
            // A CR at the end of the last chunk and an LF at the start of this one are one line ending.
            previousChunkEndedWithCarriageReturn = false
            if chunk[lineStart] == LineTerminatorSearch.lineFeed { lineStart += 1 }
        }
        while lineStart < end {
            let lineEnd = LineTerminatorSearch.firstIndex(in: chunk, from: lineStart, to: end)
            if lineEnd == end {
                try holdPartialLine(UnsafeBufferPointer(rebasing: chunk[lineStart..<end]), handle)
                return
            }
            try completeLine(UnsafeBufferPointer(rebasing: chunk[lineStart..<lineEnd]), lineIsInChunk: true, comment, handle)
            if chunk[lineEnd] == LineTerminatorSearch.carriageReturn {
                if lineEnd + 1 == end {
                    previousChunkEndedWithCarriageReturn = true
                    return
                }
                lineStart = chunk[lineEnd + 1] == LineTerminatorSearch.lineFeed ? lineEnd + 2 : lineEnd + 1
            } else {
                lineStart = lineEnd + 1
            }
        }
    }

    /// Keeps the start of a line whose ending has not arrived yet, within the line limit.
    private mutating func holdPartialLine(
        _ piece: UnsafeBufferPointer<UInt8>,
        _ handle: (Output) throws -> Void
    ) rethrows {
        guard discarding != .restOfLine else { return }
        if lineBuffer.count + piece.count > configuration.maxLineLength {
            lineBuffer.removeAll(keepingCapacity: false)
            try rejectLongLine(thenDiscard: .restOfLine, handle)
            return
        }
        lineBuffer.append(contentsOf: piece)
    }

    /// Interprets a line whose ending has arrived; its start may be held from earlier chunks.
    private mutating func completeLine(
        _ piece: UnsafeBufferPointer<UInt8>,
        lineIsInChunk: Bool,
        _ comment: (UnsafeBufferPointer<UInt8>) throws -> Void,
        _ handle: (Output) throws -> Void
    ) rethrows {
        if discarding == .restOfLine {
            discarding = .restOfEvent
            return
        }
        if lineBuffer.isEmpty {
            try interpret(line: piece, lineIsInChunk: lineIsInChunk, comment, handle)
            return
        }
        if lineBuffer.count + piece.count > configuration.maxLineLength {
            lineBuffer.removeAll(keepingCapacity: false)
            try rejectLongLine(thenDiscard: .restOfEvent, handle)
            return
        }
        lineBuffer.append(contentsOf: piece)
        // Interpret the held line in place: swapped out, so `interpret` may mutate `self`, then
        // swapped back emptied, keeping its storage for the next line (no allocation per chunk).
        var line: [UInt8] = []
        swap(&line, &lineBuffer)
        defer {
            if line.capacity <= 64 * 1024 {
                line.removeAll(keepingCapacity: true)
                swap(&line, &lineBuffer)
            }
        }
        try line.withUnsafeBufferPointer { try interpret(line: $0, lineIsInChunk: false, comment, handle) }
    }

    // MARK: - Fields

    private mutating func interpret(
        line: UnsafeBufferPointer<UInt8>,
        lineIsInChunk: Bool,
        _ comment: (UnsafeBufferPointer<UInt8>) throws -> Void,
        _ handle: (Output) throws -> Void
    ) rethrows {
        if line.isEmpty {
            if discarding == .restOfEvent {
                discarding = .nothing
                return
            }
            lastEventID = lastEventIDBuffer
            if hasData {
                try handle(.success(dispatch()))
            } else {
                resetEventFields()  // a block without data fires nothing
            }
            return
        }
        if discarding == .restOfEvent { return }
        if line.count > configuration.maxLineLength {
            try rejectLongLine(thenDiscard: .restOfEvent, handle)
            return
        }
        if line[0] == Self.colon {
            try comment(UnsafeBufferPointer(rebasing: line[1...]))
            return
        }
        if line.count >= 5, Self.startsWithDataField(line) {
            // Most lines of most streams are `data:` lines: skip the general field-name scan.
            let valueStart = line.count > 5 && line[5] == Self.space ? 6 : 5
            try appendData(UnsafeBufferPointer(rebasing: line[valueStart...]), lineIsInChunk: lineIsInChunk, handle)
            return
        }

        var nameEnd = 0
        while nameEnd < line.count && line[nameEnd] != Self.colon { nameEnd += 1 }
        var valueStart = nameEnd
        if nameEnd < line.count {
            valueStart += 1
            if valueStart < line.count && line[valueStart] == Self.space { valueStart += 1 }
        }
        let value = UnsafeBufferPointer(rebasing: line[valueStart...])

        switch nameEnd {
        case 4 where line[0] == 0x64 && line[1] == 0x61 && line[2] == 0x74 && line[3] == 0x61:  // data
            try appendData(value, lineIsInChunk: lineIsInChunk, handle)
        case 5 where line[0] == 0x65 && line[1] == 0x76 && line[2] == 0x65 && line[3] == 0x6E && line[4] == 0x74:  // event
            if !eventTypeBuffer.utf8.elementsEqual(value) {
                eventTypeBuffer = String(decoding: value, as: UTF8.self)
            }
        case 2 where line[0] == 0x69 && line[1] == 0x64:  // id
            // An id containing NUL is ignored; an unchanged id keeps its string (no allocation).
            if !value.contains(0), !lastEventIDBuffer.utf8.elementsEqual(value) {
                lastEventIDBuffer = String(decoding: value, as: UTF8.self)
            }
        case 5 where line[0] == 0x72 && line[1] == 0x65 && line[2] == 0x74 && line[3] == 0x72 && line[4] == 0x79:  // retry
            if let milliseconds = Self.parseDigits(value) {
                reconnectionTime = milliseconds
                eventRetry = milliseconds
            }
        default:
            break  // unknown fields (names are case-sensitive) are ignored
        }
    }

    /// `"data:"`, the name of the commonest field with its colon, as the first four bytes (little-endian)
    /// and the fifth.
    private static let dataFieldName = UInt32(0x61_74_61_64)

    private static func startsWithDataField(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        UInt32(littleEndian: UnsafeRawPointer(line.baseAddress!).loadUnaligned(as: UInt32.self)) == dataFieldName
            && line[4] == colon
    }

    /// Adds one `data:` line's value to the event being built, within the event data limit.
    private mutating func appendData(
        _ value: UnsafeBufferPointer<UInt8>,
        lineIsInChunk: Bool,
        _ handle: (Output) throws -> Void
    ) rethrows {
        let heldInChunk = chunkDataCount == Self.noChunkData ? 0 : chunkDataCount + 1
        if dataBuffer.count + heldInChunk + value.count + 1 > configuration.maxEventDataLength {
            dropEvent(discarding: .restOfEvent)
            try handle(
                .failure(ServerSentEventParseError(kind: .eventDataTooLarge, limit: configuration.maxEventDataLength))
            )
            return
        }
        if lineIsInChunk && dataBuffer.isEmpty && chunkDataCount == Self.noChunkData {
            chunkDataAddress = Int(bitPattern: value.baseAddress)
            chunkDataCount = value.count
            return
        }
        moveChunkDataToBuffer()
        dataBuffer.append(contentsOf: value)
        dataBuffer.append(LineTerminatorSearch.lineFeed)
    }

    /// The value of a string of ASCII digits in base ten, saturating at `Int.max`; `nil` when the value
    /// is empty or holds anything but digits.
    private static func parseDigits(_ value: UnsafeBufferPointer<UInt8>) -> Int? {
        guard !value.isEmpty else { return nil }
        var result = 0
        var overflowed = false
        for byte in value {
            guard byte >= 0x30 && byte <= 0x39 else { return nil }
            if !overflowed {
                let (times10, o1) = result.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times10.addingReportingOverflow(Int(byte - 0x30))
                if o1 || o2 { overflowed = true } else { result = sum }
            }
        }
        return overflowed ? Int.max : result
    }

    // MARK: - Events

    /// Whether the current block has data, so that its blank line fires an event.
    private var hasData: Bool { chunkDataCount != Self.noChunkData || !dataBuffer.isEmpty }

    /// Ends the current block, which has data, at its blank line: returns its event.
    private mutating func dispatch() -> ServerSentEvent {
        let data: String
        if chunkDataCount != Self.noChunkData {
            data = String(decoding: chunkData, as: UTF8.self)
            chunkDataCount = Self.noChunkData
        } else {
            data = dataBuffer.withUnsafeBufferPointer {
                String(decoding: UnsafeBufferPointer(rebasing: $0.dropLast()), as: UTF8.self)
            }
            dataBuffer.removeAll(keepingCapacity: dataBuffer.capacity <= 64 * 1024)
        }
        let type = eventTypeBuffer.isEmpty ? "message" : eventTypeBuffer
        let retry = eventRetry
        resetEventFields()
        return ServerSentEvent(type: type, data: data, id: lastEventID.isEmpty ? nil : lastEventID, retry: retry)
    }

    /// Forgets the type and retry of the block that just ended; the id persists.
    private mutating func resetEventFields() {
        if !eventTypeBuffer.isEmpty { eventTypeBuffer = "" }
        eventRetry = nil
    }

    /// The data line held in the current chunk.
    private var chunkData: UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: UnsafePointer(bitPattern: chunkDataAddress), count: chunkDataCount)
    }

    /// Copies a data line held in the chunk into `dataBuffer`, before the chunk goes away or another
    /// data line follows it.
    private mutating func moveChunkDataToBuffer() {
        guard chunkDataCount != Self.noChunkData else { return }
        dataBuffer.append(contentsOf: chunkData)
        dataBuffer.append(LineTerminatorSearch.lineFeed)
        chunkDataCount = Self.noChunkData
    }

    /// Drops the event an over-long line belongs to and reports it, once per event: a long line in
    /// an event already being dropped is skipped silently, wherever the chunks happen to split it.
    private mutating func rejectLongLine(thenDiscard next: Discarding, _ handle: (Output) throws -> Void) rethrows {
        if discarding == .restOfEvent {
            discarding = next
            return
        }
        dropEvent(discarding: next)
        try handle(.failure(ServerSentEventParseError(kind: .lineTooLong, limit: configuration.maxLineLength)))
    }

    /// Forgets the event being built, which went past a limit; a `retry` already seen stays applied.
    private mutating func dropEvent(discarding next: Discarding) {
        dataBuffer.removeAll(keepingCapacity: false)
        chunkDataCount = Self.noChunkData
        eventTypeBuffer = ""
        lastEventIDBuffer = lastEventID
        eventRetry = nil
        discarding = next
    }
}
