public import ServerSentEvents

/// Why an ``EventSource`` lost its connection or stopped.
///
/// ``isFatal`` errors end the event sequence (it throws them); the others are reasons to reconnect,
/// reported through ``EventSource/connectionEvents``. Tell them apart by ``code``; the properties
/// that apply to a code say more (``status`` and ``body`` of an unexpected answer, for instance).
/// A struct rather than an enum, so that a later version can add codes without breaking a
/// `switch` of yours.
///
/// ```swift
/// do {
///     for try await event in source.events { … }
/// } catch let error where error.code == .unexpectedStatus {
///     print(error.status ?? 0, error.body ?? "")
/// }
/// ```
public struct EventSourceError: Error, Sendable, Hashable {
    /// What kind of failure an ``EventSourceError`` is.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        fileprivate enum Base: String, Sendable, Hashable {
            case unexpectedStatus, unexpectedContentType, invalidURL, eventTooLarge
            case reconnectionAttemptsExhausted, alreadyIterated, network, readTimeout, streamEnded, restarted
        }

        fileprivate let base: Base

        /// The server answered with a status other than 200 (or 204, which ends the stream
        /// cleanly). Fatal.
        public static let unexpectedStatus = Code(base: .unexpectedStatus)
        /// The server answered 200 but not with `text/event-stream`. Fatal.
        public static let unexpectedContentType = Code(base: .unexpectedContentType)
        /// The URL is not an absolute `http` or `https` URL. Fatal.
        public static let invalidURL = Code(base: .invalidURL)
        /// One event or line was larger than the parser's limit (``EventSource/Configuration/parser``).
        /// Fatal.
        public static let eventTooLarge = Code(base: .eventTooLarge)
        /// Reconnecting failed ``EventSource/Configuration/maxReconnectionAttempts`` times in a row.
        /// Fatal.
        public static let reconnectionAttemptsExhausted = Code(base: .reconnectionAttemptsExhausted)
        /// The events were iterated a second time; an event source delivers each event once. Fatal.
        public static let alreadyIterated = Code(base: .alreadyIterated)
        /// The connection failed or broke (refused, reset, TLS, …). The source reconnects.
        public static let network = Code(base: .network)
        /// No bytes, not even a heartbeat comment, arrived for ``EventSource/Configuration/readTimeout``.
        /// The source reconnects.
        public static let readTimeout = Code(base: .readTimeout)
        /// The server ended the response body; by the spec the client reconnects.
        public static let streamEnded = Code(base: .streamEnded)
        /// The caller dropped the connection with ``EventSource/restart()``; the source reconnects
        /// at once.
        public static let restarted = Code(base: .restarted)

        public var description: String { base.rawValue }
    }

    /// What the error holds beyond its code, one case per code.
    private indirect enum Details: Sendable, Hashable {
        case unexpectedStatus(status: Int, contentType: String?, body: String)
        case unexpectedContentType(contentType: String?, body: String)
        case invalidURL(String)
        case eventTooLarge(ServerSentEventParseError)
        case reconnectionAttemptsExhausted(attempts: Int, lastReason: EventSourceError)
        case alreadyIterated
        case network(description: String)
        case readTimeout(Duration)
        case streamEnded
        case restarted
    }

    private let details: Details

    /// What kind of failure this is.
    public var code: Code {
        switch details {
        case .unexpectedStatus: .unexpectedStatus
        case .unexpectedContentType: .unexpectedContentType
        case .invalidURL: .invalidURL
        case .eventTooLarge: .eventTooLarge
        case .reconnectionAttemptsExhausted: .reconnectionAttemptsExhausted
        case .alreadyIterated: .alreadyIterated
        case .network: .network
        case .readTimeout: .readTimeout
        case .streamEnded: .streamEnded
        case .restarted: .restarted
        }
    }

    /// Whether this error ends the event source instead of causing a reconnection.
    public var isFatal: Bool {
        switch details {
        case .network, .readTimeout, .streamEnded, .restarted: false
        default: true
        }
    }

    /// The status the server answered with (``Code/unexpectedStatus``).
    public var status: Int? {
        if case .unexpectedStatus(let status, _, _) = details { status } else { nil }
    }

    /// The answer's `Content-Type` (``Code/unexpectedStatus``, ``Code/unexpectedContentType``), if
    /// it had one.
    public var contentType: String? {
        switch details {
        case .unexpectedStatus(_, let contentType, _), .unexpectedContentType(let contentType, _): contentType
        default: nil
        }
    }

    /// The beginning of the answer's body, where APIs put their error message
    /// (``Code/unexpectedStatus``, ``Code/unexpectedContentType``).
    public var body: String? {
        switch details {
        case .unexpectedStatus(_, _, let body), .unexpectedContentType(_, let body): body
        default: nil
        }
    }

    /// The URL that is not an absolute `http` or `https` URL (``Code/invalidURL``).
    public var url: String? {
        if case .invalidURL(let url) = details { url } else { nil }
    }

    /// Which limit the event or line exceeded (``Code/eventTooLarge``).
    public var parseError: ServerSentEventParseError? {
        if case .eventTooLarge(let error) = details { error } else { nil }
    }

    /// How many reconnections failed in a row (``Code/reconnectionAttemptsExhausted``).
    public var attempts: Int? {
        if case .reconnectionAttemptsExhausted(let attempts, _) = details { attempts } else { nil }
    }

    /// Why the last connection was lost (``Code/reconnectionAttemptsExhausted``).
    public var lastReason: EventSourceError? {
        if case .reconnectionAttemptsExhausted(_, let reason) = details { reason } else { nil }
    }

    /// How long nothing arrived for (``Code/readTimeout``).
    public var timedOutAfter: Duration? {
        if case .readTimeout(let timeout) = details { timeout } else { nil }
    }

    private init(_ details: Details) {
        self.details = details
    }

    /// The server answered `status`, not 200 (or 204).
    public static func unexpectedStatus(status: Int, contentType: String?, body: String) -> Self {
        Self(.unexpectedStatus(status: status, contentType: contentType, body: body))
    }

    /// The server answered 200 with `contentType`, not `text/event-stream`.
    public static func unexpectedContentType(contentType: String?, body: String) -> Self {
        Self(.unexpectedContentType(contentType: contentType, body: body))
    }

    /// `url` is not an absolute `http` or `https` URL.
    public static func invalidURL(_ url: String) -> Self {
        Self(.invalidURL(url))
    }

    /// An event or line exceeded the parser's limit.
    public static func eventTooLarge(_ error: ServerSentEventParseError) -> Self {
        Self(.eventTooLarge(error))
    }

    /// Reconnecting failed `attempts` times in a row; the last connection was lost for `lastReason`.
    public static func reconnectionAttemptsExhausted(attempts: Int, lastReason: EventSourceError) -> Self {
        Self(.reconnectionAttemptsExhausted(attempts: attempts, lastReason: lastReason))
    }

    /// The events were iterated a second time.
    public static let alreadyIterated = Self(.alreadyIterated)

    /// The connection failed or broke; `description` says how.
    public static func network(description: String) -> Self {
        Self(.network(description: description))
    }

    /// Nothing arrived for `timeout`.
    public static func readTimeout(_ timeout: Duration) -> Self {
        Self(.readTimeout(timeout))
    }

    /// The server ended the response body.
    public static let streamEnded = Self(.streamEnded)

    /// The caller restarted the connection.
    public static let restarted = Self(.restarted)
}

extension EventSourceError: CustomStringConvertible {
    public var description: String {
        switch details {
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
