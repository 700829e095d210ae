/// How a `text/event-stream` response behaves around the events it carries.
public struct ServerSentEventStreamConfiguration: Sendable {
    /// After this long without a write, a comment is sent so proxies and load balancers do not cut
    /// the idle connection. `nil` sends none. Default 15 seconds.
    public var heartbeatInterval: Duration?

    /// The text of the heartbeat comment (`: text`); empty sends a bare `:`.
    public var heartbeatComment: String

    /// A reconnection time, in milliseconds, sent as the stream's first block (`retry:`), telling the
    /// client how long to wait before reconnecting. `nil` sends none.
    public var initialRetry: Int?

    /// A comment sent as soon as the stream opens, so clients and proxies see the response start
    /// before the first event. `nil` sends none.
    public var initialComment: String?

    /// Whether the task writing to the socket pulls the events itself, with no task or channel in
    /// between: one task switch less per event, for servers that fan out to many subscribers.
    ///
    /// Only used without heartbeats (`heartbeatInterval` `nil`). When the client leaves during a
    /// write, the sequence is then not asked for another event (its iterator is released) rather
    /// than cancelled inside `next()`: right for Herald's hub, whose sequences expect it, not for
    /// any sequence. Default `false`.
    package var pullsEventsOnWritingTask = false

    /// Whether the stream ends as soon as the request's side of the connection closes, which on
    /// HTTP/1.1 means the client left. Set it to `false` for a request on HTTP/2, whose side of its
    /// stream closes as soon as the request is sent: the stream then ends when a write fails or its
    /// closer fires. Default `true`.
    public var endsWhenRequestSideCloses: Bool

    /// Creates a configuration.
    public init(
        heartbeatInterval: Duration? = .seconds(15),
        heartbeatComment: String = "",
        initialRetry: Int? = nil,
        initialComment: String? = nil,
        endsWhenRequestSideCloses: Bool = true
    ) {
        self.endsWhenRequestSideCloses = endsWhenRequestSideCloses
        self.heartbeatInterval = heartbeatInterval
        self.heartbeatComment = heartbeatComment
        self.initialRetry = initialRetry
        self.initialComment = initialComment
    }
}
