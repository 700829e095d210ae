public import ServerSentEvents

extension EventSource {
    /// How an ``EventSource`` connects, reconnects and bounds its memory.
    ///
    /// The defaults follow browsers where the spec leaves a choice (3 s reconnection time) and the
    /// LaunchDarkly clients for what browsers do not do (backoff, jitter, read timeout).
    public struct Configuration: Sendable {
        /// The delay before a reconnection until the stream sets its own with a `retry:` field.
        public var reconnectionTime: Duration
        /// The longest delay backoff grows to; a `retry:` from the server above it is still honoured.
        public var maxReconnectionDelay: Duration
        /// How long a connection must stay open for the backoff to start again from the reconnection time.
        public var backoffResetInterval: Duration
        /// The fraction of each delay that is random (0 waits exactly, 0.5 waits between half and all of
        /// it), so clients dropped together do not reconnect together.
        public var jitter: Double
        /// How many reconnections in a row may fail before the event source gives up with
        /// ``EventSourceError/reconnectionAttemptsExhausted(attempts:lastReason:)``; `nil` never gives up.
        public var maxReconnectionAttempts: Int?
        /// How long the connection may stay silent (no bytes, not even a heartbeat comment) before it is
        /// treated as lost; `nil` waits for ever.
        public var readTimeout: Duration?
        /// The `Last-Event-ID` to send on the first request, as when resuming a stream seen earlier.
        public var lastEventID: String
        /// The parser's limits on one line and on one event's data.
        public var parser: ServerSentEventParser.Configuration
        /// How much of an error response's body is kept in the error, in bytes.
        public var maxErrorBodyLength: Int
        /// How many received events may wait for the consumer before reading from the network pauses.
        public var maxBufferedEvents: Int

        /// A configuration; every parameter has the default described on its property.
        public init(
            reconnectionTime: Duration = .seconds(3),
            maxReconnectionDelay: Duration = .seconds(30),
            backoffResetInterval: Duration = .seconds(60),
            jitter: Double = 0.5,
            maxReconnectionAttempts: Int? = nil,
            readTimeout: Duration? = .seconds(300),
            lastEventID: String = "",
            parser: ServerSentEventParser.Configuration = .init(),
            maxErrorBodyLength: Int = 4096,
            maxBufferedEvents: Int = 1024
        ) {
            self.reconnectionTime = reconnectionTime
            self.maxReconnectionDelay = maxReconnectionDelay
            self.backoffResetInterval = backoffResetInterval
            self.jitter = min(max(jitter, 0), 1)
            self.maxReconnectionAttempts = maxReconnectionAttempts
            self.readTimeout = readTimeout
            self.lastEventID = lastEventID
            self.parser = parser
            self.maxErrorBodyLength = max(0, maxErrorBodyLength)
            self.maxBufferedEvents = max(1, maxBufferedEvents)
        }
    }
}
