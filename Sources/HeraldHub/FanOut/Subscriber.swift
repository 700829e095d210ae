import HummingbirdSSE

/// One subscriber connection: what it asked for, what its token allows, and its queue.
final class Subscriber: Sendable {
    /// `urn:uuid:…`, the subscriber's id in subscription events.
    let id: String
    /// The `topic` selectors of the request.
    let selectors: [TopicSelector]
    /// The token's `mercure.subscribe` selectors, which private updates must match; empty for none.
    let authorizedSelectors: [TopicSelector]
    /// The token's `mercure.payload`.
    let payload: JSONValue?
    let queue: SubscriberQueue
    /// Closes the subscriber's connection at once, even while a write waits on it.
    let closer: ServerSentEventStreamCloser
    /// The event loop that offers it updates and writes them: its connection's. `nil` for a
    /// subscriber with no connection, which the publishing task offers updates to.
    let coalescer: WriteCoalescer?

    init(
        id: String,
        selectors: [TopicSelector],
        authorizedSelectors: [TopicSelector],
        payload: JSONValue?,
        queue: SubscriberQueue,
        closer: ServerSentEventStreamCloser = ServerSentEventStreamCloser(),
        coalescer: WriteCoalescer? = nil
    ) {
        self.id = id
        self.selectors = selectors
        self.authorizedSelectors = authorizedSelectors
        self.payload = payload
        self.queue = queue
        self.closer = closer
        self.coalescer = coalescer
    }

    /// Whether every selector is an exact topic, so the registry can find it by topic.
    var exactTopics: [String]? {
        var topics: [String] = []
        for selector in selectors {
            guard let topic = selector.exactTopic else { return nil }
            topics.append(topic)
        }
        return topics
    }

    /// Whether this subscriber receives `update`: one of its selectors matches one of the update's
    /// topics and, for a private update, its token is authorized for one of them.
    func wants(_ update: StoredUpdate) -> Bool {
        selectors.matchAny(of: update.topics) && isAuthorized(for: update)
    }

    /// Whether the subscriber may receive `update` (always, for a public one).
    func isAuthorized(for update: StoredUpdate) -> Bool {
        !update.isPrivate || authorizedSelectors.matchAny(of: update.topics)
    }
}
