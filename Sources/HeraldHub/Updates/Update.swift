/// One update published to the hub: the Mercure form's fields, validated.
public struct Update: Sendable, Equatable {
    /// The topics: the first is the canonical IRI, the others alternates. Never empty.
    public var topics: [String]
    /// The content, sent as the event's data.
    public var data: String
    /// Whether only subscribers authorized for one of the topics may receive it.
    public var isPrivate: Bool
    /// The update's id, the event's `id`.
    public var id: String
    /// The event type, if any.
    public var type: String?
    /// The reconnection time to send with the event, in milliseconds.
    public var retry: Int?

    /// Creates an update; without an `id`, one is made (`urn:uuid:` and a UUIDv7).
    public init(topics: [String], data: String, isPrivate: Bool = false, id: String? = nil, type: String? = nil, retry: Int? = nil) {
        self.topics = topics
        self.data = data
        self.isPrivate = isPrivate
        self.id = id ?? UpdateIDGenerator.next()
        self.type = type
        self.retry = retry
    }
}
