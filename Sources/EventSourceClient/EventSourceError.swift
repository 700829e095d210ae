public import ServerSentEvents

/// Why an ``EventSource`` lost its connection or stopped.
///
/// ``isFatal`` errors end the event sequence (it throws them); the others are reasons to reconnect,
/// reported through ``EventSource/connectionEvents``.
public enum EventSourceError: Error, Sendable, Hashable {
    /// The server answered with a status other than 200 (or 204, which ends the stream cleanly).
    /// `body` holds the beginning of the response body, where APIs put their error message.
    case unexpectedStatus(status: Int, contentType: String?, body: String)
    /// The server answered 200 but not with `text/event-stream`.
    case unexpectedContentType(contentType: String?, body: String)
    /// The URL is not an absolute `http` or `https` URL.
    case invalidURL(String)
    /// One event or line was larger than the parser's limit (``EventSource/Configuration/parser``).
    case eventTooLarge(ServerSentEventParseError)
    /// Reconnecting failed ``EventSource/Configuration/maxReconnectionAttempts`` times in a row;
    /// `lastReason` is why the last connection was lost.
    indirect case reconnectionAttemptsExhausted(attempts: Int, lastReason: EventSourceError)
    /// The events were iterated a second time; an event source delivers each event once.
    case alreadyIterated
    /// The connection failed or broke: `description` says how (refused, reset, TLS, …).
    case network(description: String)
    /// No bytes, not even a heartbeat comment, arrived for ``EventSource/Configuration/readTimeout``.
    case readTimeout(Duration)
    /// The server ended the response body; by the spec the client reconnects.
    case streamEnded
    /// The caller dropped the connection with ``EventSource/restart()``; the event source reconnects
    /// at once.
    case restarted

    /// Whether this error ends the event source instead of causing a reconnection.
    public var isFatal: Bool {
        switch self {
        case .network, .readTimeout, .streamEnded, .restarted: false
        default: true
        }
    }
}

extension EventSourceError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .unexpectedStatus(let status, let contentType, let body):
            "the server answered HTTP \(status)\(Self.describe(contentType: contentType)) instead of an event stream; "
                + "not reconnecting\(Self.describe(body: body))"
        case .unexpectedContentType(let contentType, let body):
            "the server answered 200 with Content-Type \(contentType ?? "(none)") instead of text/event-stream; "
                + "not reconnecting\(Self.describe(body: body))"
        case .invalidURL(let url):
            "'\(url)' is not an absolute http or https URL"
        case .eventTooLarge(let error):
            "\(error); raise EventSource.Configuration.parser limits if such events are expected"
        case .reconnectionAttemptsExhausted(let attempts, let lastReason):
            "gave up after \(attempts) reconnection attempts; last: \(lastReason)"
        case .alreadyIterated:
            "the events of this EventSource are already being iterated; create another EventSource"
        case .network(let description):
            "connection failed: \(description)"
        case .readTimeout(let timeout):
            "nothing received for \(timeout), not even a heartbeat"
        case .streamEnded:
            "the server ended the stream"
        case .restarted:
            "restarted by the caller"
        }
    }

    private static func describe(contentType: String?) -> String {
        contentType.map { " (\($0))" } ?? ""
    }

    private static func describe(body: String) -> String {
        body.isEmpty ? "" : ": \(body)"
    }
}
