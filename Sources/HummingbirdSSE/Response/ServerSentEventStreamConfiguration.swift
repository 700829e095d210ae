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

    /// Creates a configuration.
    public init(
        heartbeatInterval: Duration? = .seconds(15),
        heartbeatComment: String = "",
        initialRetry: Int? = nil,
        initialComment: String? = nil
    ) {
        self.heartbeatInterval = heartbeatInterval
        self.heartbeatComment = heartbeatComment
        self.initialRetry = initialRetry
        self.initialComment = initialComment
    }
}
