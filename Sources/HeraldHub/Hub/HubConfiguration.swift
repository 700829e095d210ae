/// How the Mercure hub behaves. Every field has the default `herald serve` uses.
public struct HubConfiguration: Sendable {
    /// The key that verifies publishers' tokens (and signs the start-up token).
    public var publisherKey: JWTKeyConfiguration
    /// The key that verifies subscribers' tokens.
    public var subscriberKey: JWTKeyConfiguration
    /// Whether subscribers without a token may connect (they receive public updates only). Default `false`.
    public var allowsAnonymousSubscribers: Bool
    /// Origins allowed to publish with the cookie token (`*` for any). Default none.
    public var publishOrigins: [String]
    /// The name of the cookie holding a token. Default `mercureAuthorization`.
    public var cookieName: String
    /// A comment is sent to a subscriber that was sent nothing for this long (checked every half
    /// interval, by one sweep over all subscribers while the hub runs as a service). Default 40 s.
    public var heartbeatInterval: Duration?
    /// A subscription is closed after roughly this long, so clients reconnect (and pick up new
    /// tokens); each gets 80–100 % of it, so reconnections spread out. `nil` never. Default 10 min.
    public var writeTimeout: Duration?
    /// How long a long-poll request (`longPoll=1`) waits for an update before it is answered with
    /// none, so the client asks again. Default 25 s: under the 30 s many proxies allow an idle response.
    public var longPollTimeout: Duration
    /// What may wait for one subscriber; past it the subscriber is disconnected as lagging (it can
    /// resume from history). Default 10,000 updates or 16 MiB, whichever comes first.
    public var subscriberQueue: BacklogLimits
    /// The most bytes that may wait for all subscribers together; past it, every subscriber whose
    /// client is known to have stopped reading is dropped as lagging (they resume from history),
    /// then those furthest behind until the backlog is back under four fifths of it. Default 512 MiB.
    public var subscriberBacklogBytes: Int
    /// The kernel's send buffer (`SO_SNDBUF`) of a subscriber's HTTP/1.1 connection, in bytes; `nil`
    /// leaves it to the kernel's autotuning. Default 64 KiB.
    ///
    /// What a client that stops reading takes before its connection turns unwritable and its
    /// updates wait in its queue, within the bounds above. Autotuned, that is megabytes per
    /// connection on loopback, which the hub spends writes on: beside 2,000 stalled subscribers the
    /// readers' p99 latency was 4–10 times what it was alone, and 2–2.4 times with 64 KiB. A subscriber
    /// that keeps up never fills it; raise it for high-bandwidth streams over long round trips.
    /// A connection starts with at most 8 KiB and gets this once its client has drained it.
    public var subscriberSendBufferBytes: Int?
    /// While updates follow one another within this window, each subscriber is written at most
    /// once per window, with all its queued updates in one write; an update after a quiet window is
    /// written at once. Trades at most this much latency under load (well under a 60 Hz display
    /// frame) for far fewer system calls per delivery. `.zero` writes every update as it comes.
    /// Default 3 ms.
    public var writeCoalescingWindow: Duration
    /// The largest publish body accepted; larger ones get 413. Default 1 MiB.
    public var maximumPublishBodyBytes: Int
    /// History keeps at most this many updates (`nil`: no count limit). Default 100,000.
    public var historyMaximumCount: Int?
    /// History drops updates older than this (`nil`: no age limit). Default 7 days.
    public var historyMaximumAge: Duration?
    /// How often old history is removed. Default 10 s.
    public var historyTrimInterval: Duration
    /// Whether connections and disconnections publish subscription events and the subscriptions
    /// API answers. Default `true`.
    public var subscriptionEvents: Bool
    /// How often a hub on a ``SharedEventStore`` reads the log even without a notification, which
    /// bounds how late an update whose notification was lost arrives. Default 250 ms.
    public var sharedLogPollInterval: Duration
    /// How often a hub on a ``SharedEventStore`` tells the others it is alive. Default 2 s.
    public var nodeHeartbeatInterval: Duration
    /// How long a node may stay silent before another ends its subscriptions (announcing them
    /// inactive), as after a crash. Default 10 s.
    public var nodeTimeout: Duration

    /// Creates a configuration with the given keys.
    public init(
        publisherKey: JWTKeyConfiguration,
        subscriberKey: JWTKeyConfiguration? = nil,
        allowsAnonymousSubscribers: Bool = false,
        publishOrigins: [String] = [],
        cookieName: String = "mercureAuthorization",
        heartbeatInterval: Duration? = .seconds(40),
        writeTimeout: Duration? = .seconds(600),
        longPollTimeout: Duration = .seconds(25),
        subscriberQueue: BacklogLimits = BacklogLimits(updates: 10_000, bytes: 16 << 20),
        subscriberBacklogBytes: Int = 512 << 20,
        subscriberSendBufferBytes: Int? = 64 << 10,
        writeCoalescingWindow: Duration = .milliseconds(3),
        maximumPublishBodyBytes: Int = 1 << 20,
        historyMaximumCount: Int? = 100_000,
        historyMaximumAge: Duration? = .seconds(7 * 24 * 3600),
        historyTrimInterval: Duration = .seconds(10),
        subscriptionEvents: Bool = true,
        sharedLogPollInterval: Duration = .milliseconds(250),
        nodeHeartbeatInterval: Duration = .seconds(2),
        nodeTimeout: Duration = .seconds(10)
    ) {
        self.publisherKey = publisherKey
        self.subscriberKey = subscriberKey ?? publisherKey
        self.allowsAnonymousSubscribers = allowsAnonymousSubscribers
        self.publishOrigins = publishOrigins
        self.cookieName = cookieName
        self.heartbeatInterval = heartbeatInterval
        self.writeTimeout = writeTimeout
        self.longPollTimeout = longPollTimeout
        self.subscriberQueue = subscriberQueue
        self.subscriberBacklogBytes = subscriberBacklogBytes
        self.subscriberSendBufferBytes = subscriberSendBufferBytes
        self.writeCoalescingWindow = writeCoalescingWindow
        self.maximumPublishBodyBytes = maximumPublishBodyBytes
        self.historyMaximumCount = historyMaximumCount
        self.historyMaximumAge = historyMaximumAge
        self.historyTrimInterval = historyTrimInterval
        self.subscriptionEvents = subscriptionEvents
        self.sharedLogPollInterval = sharedLogPollInterval
        self.nodeHeartbeatInterval = nodeHeartbeatInterval
        self.nodeTimeout = nodeTimeout
    }
}
