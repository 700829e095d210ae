/// One event of a `text/event-stream`: what a browser's `EventSource` hands to its listeners.
///
/// The same value is produced by ``ServerSentEventParser`` and consumed by ``ServerSentEventEncoder``,
/// so `parse(encode(event)) == event` for every event whose `id` is `nil` or non-empty.
///
/// Comments, which browsers ignore and servers send as heartbeats, are not events: write them with
/// ``ServerSentEventEncoder/encodeComment(_:into:)``.
public struct ServerSentEvent: Sendable, Hashable {
    /// The event type a listener subscribes to (`addEventListener(type, …)`).
    ///
    /// `"message"` (the default) is the type of events without an `event:` field; the encoder writes no
    /// `event:` line for it, nor for an empty type, which the spec treats as `"message"` as well.
    public var type: String

    /// The event's data. Lines may end with LF, CR or CRLF; each becomes its own `data:` line on the
    /// wire and arrives at the client joined by LF.
    public var data: String

    /// The event's id, which a reconnecting client sends back in `Last-Event-ID`.
    ///
    /// On a parsed event this is the stream's last event ID when the event fired: ids persist, so an
    /// event without an `id:` field carries the id of the one before it. `nil` when that ID is empty.
    /// When encoding, `nil` writes no `id:` field and `""` writes an empty one, which resets the
    /// client's last event ID.
    public var id: String?

    /// A reconnection time in milliseconds, sent as a `retry:` field with this event.
    ///
    /// On a parsed event, the value of a valid `retry:` field inside this event's block, if any. The
    /// encoder refuses a negative value.
    public var retry: Int? {
        get { retryStorage == Self.noRetry ? nil : retryStorage }
        set { retryStorage = Self.storage(for: newValue) }
    }

    /// `retry` in one word rather than an `Int?` (a word and a tag byte): at seven words the event is
    /// copied and destroyed in registers, where one byte more makes Swift copy it through memory,
    /// which cost the parser a tenth of its instructions per event. `Int.min` stands for `nil`.
    private var retryStorage: Int
    private static let noRetry = Int.min

    /// Creates an event.
    public init(type: String = "message", data: String, id: String? = nil, retry: Int? = nil) {
        self.type = type
        self.data = data
        self.id = id
        self.retryStorage = Self.storage(for: retry)
    }

    /// `Int.min`, a negative and so invalid reconnection time like any other, is kept as `Int.min + 1`
    /// so that it stays invalid instead of reading back as `nil`.
    private static func storage(for retry: Int?) -> Int {
        guard let retry else { return noRetry }
        return retry == noRetry ? noRetry + 1 : retry
    }
}

extension ServerSentEvent: CustomStringConvertible {
    public var description: String {
        var parts = ["type: \(type)"]
        if let id { parts.append("id: \(id)") }
        if let retry { parts.append("retry: \(retry)") }
        parts.append("data: \(data.debugDescription)")
        return "ServerSentEvent(" + parts.joined(separator: ", ") + ")"
    }
}
