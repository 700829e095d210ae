/// An event cannot be written to a `text/event-stream` without changing its meaning.
public struct ServerSentEventEncodingError: Error, Hashable, Sendable {
    /// The field that cannot be encoded.
    public enum Field: String, Hashable, Sendable {
        case type = "event"
        case id
        case retry
    }

    /// Why the field cannot be encoded.
    public enum Reason: Hashable, Sendable {
        /// The value holds a carriage return, which would end the line early.
        case containsCarriageReturn
        /// The value holds a line feed, which would end the line early.
        case containsLineFeed
        /// The value holds U+0000, for which clients ignore an `id` field.
        case containsNull
        /// A reconnection time below zero; `retry:` takes digits only.
        case negative
    }

    /// The field that cannot be encoded.
    public var field: Field
    /// Why it cannot be encoded.
    public var reason: Reason

    /// Creates an error for a field that cannot be encoded.
    public init(field: Field, reason: Reason) {
        self.field = field
        self.reason = reason
    }
}

extension ServerSentEventEncodingError: CustomStringConvertible {
    public var description: String {
        switch reason {
        case .containsCarriageReturn:
            "The event's `\(field.rawValue)` contains a carriage return (CR), which would end the field early; remove it."
        case .containsLineFeed:
            "The event's `\(field.rawValue)` contains a line feed (LF), which would end the field early; remove it."
        case .containsNull:
            "The event's `\(field.rawValue)` contains U+0000 (NUL), which makes clients ignore it; remove it."
        case .negative:
            "The event's `retry` is negative; a reconnection time is zero or more milliseconds."
        }
    }
}
