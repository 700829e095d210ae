/// A change in an ``EventSource``'s connection, for logging and for showing progress.
public enum EventSourceConnectionEvent: Sendable {
    /// A request is being sent to `url`; `attempt` is 0 for the first connection and counts
    /// reconnections since the last connection that stayed up.
    case connecting(url: String, attempt: Int)
    /// The server accepted the stream; `url` is the final URL after redirects, which reconnections use.
    case open(url: String)
    /// The connection was lost for `reason`; the next attempt starts after `delay`.
    case reconnecting(after: Duration, reason: EventSourceError)
    /// The event source has finished; `error` is `nil` after a clean end (`close()`, cancellation or
    /// HTTP 204).
    case closed(error: EventSourceError?)

    /// The ready state the event source is in after this change.
    public var readyState: EventSourceReadyState {
        switch self {
        case .connecting, .reconnecting: .connecting
        case .open: .open
        case .closed: .closed
        }
    }
}
