public import AsyncHTTPClient
public import ServerSentEvents

/// A client for a `text/event-stream`, following the WHATWG `EventSource` processing model.
///
/// The connection starts when ``events`` is first iterated. A 200 `text/event-stream` response opens
/// the stream; when the connection breaks or the body ends, the event source reconnects after the
/// reconnection time (with backoff) and sends `Last-Event-ID`. HTTP 204 ends the events cleanly; any
/// other status or content type ends them with an ``EventSourceError``, without reconnecting.
///
/// ```swift
/// let source = EventSource(url: "http://127.0.0.1:8080/demo/time")
/// for try await event in source.events {
///     print(event.type, event.data)
/// }
/// ```
///
/// ``close()``, cancelling the iterating task, or releasing the event source ends the connection.
/// To see the stream's comment lines (heartbeats) as well, iterate ``messages`` instead of ``events``.
public final class EventSource: Sendable {
    fileprivate let core: EventSourceCore

    /// An event source for a `GET` of `url`.
    public convenience init(url: String, configuration: Configuration = .init(), httpClient: HTTPClient = EventSource.sharedHTTPClient) {
        self.init(request: EventSourceRequest(url: url), configuration: configuration, httpClient: httpClient)
    }

    /// An event source for `request`, which may use any method, headers and body.
    public init(request: EventSourceRequest, configuration: Configuration = .init(), httpClient: HTTPClient = EventSource.sharedHTTPClient) {
        core = EventSourceCore(request: request, configuration: configuration, httpClient: httpClient)
    }

    deinit {
        core.close()
    }

    /// The events of the stream, across reconnections; they can be iterated once.
    ///
    /// The sequence ends (`nil`) after HTTP 204, ``close()`` or cancellation, and throws an
    /// ``EventSourceError`` when the event source fails for good.
    public var events: Events { Events(source: self) }

    /// The events of the stream and its comment lines, in stream order, across reconnections; iterate
    /// either this or ``events``, once.
    ///
    /// It ends and throws as ``events`` does.
    public var messages: Messages { Messages(source: self) }

    /// Changes of the connection (connecting, open, reconnecting, closed) from now on.
    ///
    /// Each access makes a new stream; it keeps the newest 64 changes if not read, and finishes after
    /// `.closed`.
    public var connectionEvents: AsyncStream<EventSourceConnectionEvent> { core.connectionEvents() }

    /// Whether the event source is connecting, open or closed.
    public var readyState: EventSourceReadyState { core.readyState }

    /// The URL reconnections go to: the request's, or the final one after redirects.
    public var url: String { core.url }

    /// The configuration the event source was made with.
    public var configuration: Configuration { core.configuration }

    /// Ends the connection and the events; events received but not yet taken are dropped.
    public func close() {
        core.close()
    }

    /// Drops the connection and connects again at once, as if the server had ended the stream but
    /// without the reconnection delay: the new request carries `Last-Event-ID`, events already received
    /// are still delivered, and an unfinished event is discarded.
    ///
    /// Use it when the application knows the connection is stale (the network changed, a token was
    /// refreshed). ``connectionEvents`` reports it as `.reconnecting` with
    /// ``EventSourceError/restarted``. Before the events are iterated, or after the end, it does nothing.
    public func restart() {
        core.restart()
    }
}

extension EventSource {
    /// The events of an ``EventSource``, as an asynchronous sequence.
    public struct Events: AsyncSequence, Sendable {
        public typealias Element = ServerSentEvent
        public typealias Failure = EventSourceError

        let source: EventSource

        public func makeAsyncIterator() -> AsyncIterator {
            AsyncIterator(messages: MessageIterator(source: source, reportingComments: false))
        }

        /// Takes events a network read at a time from the connection task.
        public struct AsyncIterator: AsyncIteratorProtocol {
            fileprivate var messages: MessageIterator

            public mutating func next() async throws(EventSourceError) -> ServerSentEvent? {
                try await next(isolation: nil)
            }

            public mutating func next(isolation actor: isolated (any Actor)?) async throws(EventSourceError) -> ServerSentEvent? {
                // Comments are queued only for `messages`, so this loop never skips one in practice.
                while let message = try await messages.next(isolation: actor) {
                    if case .event(let event) = message { return event }
                }
                return nil
            }
        }
    }

    /// The events and comment lines of an ``EventSource``, as an asynchronous sequence.
    public struct Messages: AsyncSequence, Sendable {
        public typealias Element = EventSourceMessage
        public typealias Failure = EventSourceError

        let source: EventSource

        public func makeAsyncIterator() -> AsyncIterator {
            AsyncIterator(messages: MessageIterator(source: source, reportingComments: true))
        }

        /// Takes messages a network read at a time from the connection task.
        public struct AsyncIterator: AsyncIteratorProtocol {
            fileprivate var messages: MessageIterator

            public mutating func next() async throws(EventSourceError) -> EventSourceMessage? {
                try await messages.next(isolation: nil)
            }

            public mutating func next(isolation actor: isolated (any Actor)?) async throws(EventSourceError) -> EventSourceMessage? {
                try await messages.next(isolation: actor)
            }
        }
    }
}

/// What both sequences' iterators do: start the connection task on the first call, then take the
/// queued batches one message at a time.
private struct MessageIterator {
    // Held so the event source stays open while it is being iterated.
    private let source: EventSource
    private let reportingComments: Bool
    private var batch: [EventSourceMessage] = []
    private var index = 0
    private var started = false

    init(source: EventSource, reportingComments: Bool) {
        self.source = source
        self.reportingComments = reportingComments
    }

    mutating func next(isolation actor: isolated (any Actor)?) async throws(EventSourceError) -> EventSourceMessage? {
        let core = source.core
        while true {
            if index < batch.count {
                guard !core.isClosedByCaller else { return nil }
                defer { index += 1 }
                return batch[index]
            }
            if !started {
                started = true
                try core.start(reportingComments: reportingComments)
            }
            let next = await withTaskCancellationHandler {
                await core.queue.next()
            } onCancel: {
                core.close()
            }
            switch next {
            case .success(let messages?):
                batch = messages
                index = 0
            case .success(nil):
                batch = []
                index = 0
                return nil
            case .failure(let error):
                batch = []
                index = 0
                throw error
            }
        }
    }
}
