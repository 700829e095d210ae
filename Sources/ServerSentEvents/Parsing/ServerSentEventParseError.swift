/// A limit of ``ServerSentEventParser/Configuration`` was exceeded.
///
/// The parser drops the event the error belongs to (every line up to the next blank line) and carries
/// on with the next one, so a stream survives one oversized event with its memory bounded.
public struct ServerSentEventParseError: Error, Hashable, Sendable {
    /// Which limit an event went past.
    public enum Kind: Hashable, Sendable {
        /// One line (a field with its value) is longer than ``ServerSentEventParser/Configuration/maxLineLength``.
        case lineTooLong
        /// One event's data is larger than ``ServerSentEventParser/Configuration/maxEventDataLength``.
        case eventDataTooLarge
    }

    /// Which limit was exceeded.
    public var kind: Kind
    /// The limit in bytes.
    public var limit: Int

    /// Creates an error for a limit that was exceeded.
    public init(kind: Kind, limit: Int) {
        self.kind = kind
        self.limit = limit
    }
}

extension ServerSentEventParseError: CustomStringConvertible {
    public var description: String {
        switch kind {
        case .lineTooLong:
            "A line of the event stream is longer than \(limit) bytes; the event was dropped. "
                + "Raise ServerSentEventParser.Configuration.maxLineLength if the server sends lines this long."
        case .eventDataTooLarge:
            "An event's data is larger than \(limit) bytes; the event was dropped. "
                + "Raise ServerSentEventParser.Configuration.maxEventDataLength if the server sends events this large."
        }
    }
}
