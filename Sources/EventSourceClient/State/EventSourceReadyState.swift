/// Where an ``EventSource`` is in its life, as a browser's `EventSource.readyState` reports it.
public enum EventSourceReadyState: Sendable, Hashable {
    /// Not yet connected, or waiting to reconnect.
    case connecting
    /// A response was accepted and events are being received.
    case open
    /// Finished: closed by the caller, stopped by the server, or failed for good.
    case closed
}
