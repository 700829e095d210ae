public import ServerSentEvents

/// What ``EventSource/messages`` yields: the stream's events and its comment lines, in stream order.
///
/// Servers send comments (lines starting with `:`) as heartbeats or notes; they fire no event, so
/// ``EventSource/events`` leaves them out. Iterate ``EventSource/messages`` instead to see them.
public enum EventSourceMessage: Sendable, Hashable {
    /// An event, exactly as ``EventSource/events`` would yield it.
    case event(ServerSentEvent)
    /// A comment line's text: what follows its colon, unchanged (a leading space is kept).
    case comment(String)
}
