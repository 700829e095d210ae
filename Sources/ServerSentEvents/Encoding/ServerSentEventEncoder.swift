/// Writes events, comments and reconnection times in the `text/event-stream` format.
///
/// Data is split at every CR, LF and CRLF into `data:` lines, so it arrives at the client exactly as
/// given (with line endings normalised to LF). Fields that cannot hold a line break (`event`, `id`)
/// are checked and refused with a ``ServerSentEventEncodingError`` rather than silently changed.
///
/// ```swift
/// let encoder = ServerSentEventEncoder()
/// let bytes = try encoder.encode(ServerSentEvent(type: "greeting", data: "hello\nworld", id: "1"))
/// // "event: greeting\nid: 1\ndata: hello\ndata: world\n\n"
/// ```
public struct ServerSentEventEncoder: Sendable {
    private static let lineFeed = LineTerminatorSearch.lineFeed
    private static let dataPrefix: [UInt8] = Array("data: ".utf8)
    private static let eventPrefix: [UInt8] = Array("event: ".utf8)
    private static let idPrefix: [UInt8] = Array("id: ".utf8)
    private static let retryPrefix: [UInt8] = Array("retry: ".utf8)
    private static let commentPrefix: [UInt8] = Array(": ".utf8)

    /// Creates an encoder.
    public init() {}

    /// The bytes of one event, ending with the blank line that makes the client dispatch it.
    public func encode(_ event: ServerSentEvent) throws(ServerSentEventEncodingError) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(event.data.utf8.count + 32)
        try encode(event, into: &bytes)
        return bytes
    }

    /// Appends the bytes of one event to `buffer`; on error nothing is appended.
    public func encode(_ event: ServerSentEvent, into buffer: inout [UInt8]) throws(ServerSentEventEncodingError) {
        let writesType = !event.type.isEmpty && event.type != "message"
        if writesType { try Self.validateSingleLine(event.type, field: .type) }
        if let id = event.id { try Self.validateSingleLine(id, field: .id) }
        if let retry = event.retry, retry < 0 { throw ServerSentEventEncodingError(field: .retry, reason: .negative) }

        if writesType { Self.appendField(Self.eventPrefix, event.type, to: &buffer) }
        if let retry = event.retry { Self.appendRetryLine(retry, to: &buffer) }
        if let id = event.id { Self.appendField(Self.idPrefix, id, to: &buffer) }
        Self.appendLines(of: event.data, prefix: Self.dataPrefix, to: &buffer)
        buffer.append(Self.lineFeed)
    }

    /// Appends a comment, which clients ignore: the heartbeat that keeps idle connections open.
    /// Each line of `text` becomes its own comment line; an empty text writes a bare `:`.
    public func encodeComment(_ text: String, into buffer: inout [UInt8]) {
        if text.isEmpty {
            buffer.append(0x3A)
            buffer.append(Self.lineFeed)
            return
        }
        Self.appendLines(of: text, prefix: Self.commentPrefix, to: &buffer)
    }

    /// Appends a block that sets only the client's reconnection time, in milliseconds, and fires no event.
    public func encodeRetry(_ milliseconds: Int, into buffer: inout [UInt8]) throws(ServerSentEventEncodingError) {
        guard milliseconds >= 0 else { throw ServerSentEventEncodingError(field: .retry, reason: .negative) }
        Self.appendRetryLine(milliseconds, to: &buffer)
        buffer.append(Self.lineFeed)
    }

    // MARK: - Fields

    private static func validateSingleLine(
        _ value: String,
        field: ServerSentEventEncodingError.Field
    )
        throws(ServerSentEventEncodingError)
    {
        for byte in value.utf8 {
            switch byte {
            case 0x0D: throw ServerSentEventEncodingError(field: field, reason: .containsCarriageReturn)
            case 0x0A: throw ServerSentEventEncodingError(field: field, reason: .containsLineFeed)
            case 0x00: throw ServerSentEventEncodingError(field: field, reason: .containsNull)
            default: continue
            }
        }
    }

    private static func appendField(_ prefix: [UInt8], _ value: String, to buffer: inout [UInt8]) {
        buffer.append(contentsOf: prefix)
        buffer.append(contentsOf: value.utf8)
        buffer.append(lineFeed)
    }

    private static func appendRetryLine(_ milliseconds: Int, to buffer: inout [UInt8]) {
        buffer.append(contentsOf: retryPrefix)
        appendDecimal(milliseconds, to: &buffer)
        buffer.append(lineFeed)
    }

    private static func appendDecimal(_ value: Int, to buffer: inout [UInt8]) {
        var digits:
            (
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
            ) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { scratch in
            var remaining = value
            var start = scratch.count
            repeat {
                start -= 1
                scratch[start] = UInt8(truncatingIfNeeded: remaining % 10) + 0x30
                remaining /= 10
            } while remaining > 0
            buffer.append(contentsOf: scratch[start...])
        }
    }

    /// Writes `text` as one `prefix`-led line per line of it, splitting at CR, LF and CRLF.
    private static func appendLines(of text: String, prefix: [UInt8], to buffer: inout [UInt8]) {
        var text = text
        text.makeContiguousUTF8()
        text.utf8.withContiguousStorageIfAvailable { bytes in
            var lineStart = 0
            while true {
                let lineEnd = LineTerminatorSearch.firstIndex(in: bytes, from: lineStart, to: bytes.count)
                buffer.append(contentsOf: prefix)
                buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[lineStart..<lineEnd]))
                buffer.append(lineFeed)
                guard lineEnd < bytes.count else { return }
                let isCRLF =
                    bytes[lineEnd] == LineTerminatorSearch.carriageReturn
                    && lineEnd + 1 < bytes.count && bytes[lineEnd + 1] == lineFeed
                lineStart = lineEnd + (isCRLF ? 2 : 1)
            }
        }
    }
}
