public import HTTPTypes
public import Hummingbird
public import NIOCore
public import ServerSentEvents

extension Response {
    /// A streaming `text/event-stream` response carrying `events`, each written and flushed as soon as
    /// the sequence produces it.
    ///
    /// - The headers are `Content-Type: text/event-stream; charset=utf-8`, `Cache-Control: no-cache`,
    ///   `X-Accel-Buffering: no` (so nginx does not buffer the stream) and `Connection: close` (the
    ///   connection ends with the stream), plus `headers`.
    /// - When the client disconnects, the task iterating `events` is cancelled: an `AsyncStream` runs
    ///   its `onTermination`, and a loop that sleeps or checks `Task.isCancelled` stops.
    /// - A client that reads slowly makes the iteration wait: at most one event is held in memory
    ///   beyond what the socket buffers hold. A client that never reads keeps the producer suspended,
    ///   without using more memory, until the client goes away.
    /// - When the server shuts down gracefully (run in a ServiceLifecycle `ServiceGroup`, as
    ///   `runService()` does), the response ends cleanly, so the server can drain and stop.
    /// - When `events` ends the response ends, and the connection is closed; a browser then reconnects
    ///   after its reconnection time. If `events` throws, or an event cannot be encoded (an `id` with a
    ///   line break), the connection is closed at once, even when a write is waiting on a client that
    ///   stopped reading.
    ///
    /// - Parameters:
    ///   - events: The events to send.
    ///   - request: The request being answered; its connection is watched for the client leaving.
    ///   - configuration: Heartbeats and the stream's preamble.
    ///   - headers: More response headers, such as CORS ones.
    public static func serverSentEvents<Events: AsyncSequence & Sendable>(
        _ events: Events,
        for request: Request,
        configuration: ServerSentEventStreamConfiguration = .init(),
        headers: HTTPFields = [:]
    ) -> Response where Events.Element == ServerSentEvent {
        let encoder = ServerSentEventEncoder()
        let frames = events.map { event in
            ByteBuffer(bytes: try encoder.encode(event))
        }
        return serverSentEvents(encodedFrames: frames, for: request, configuration: configuration, headers: headers)
    }

    /// A streaming `text/event-stream` response whose frames are already encoded, for servers that
    /// encode an event once and send the same bytes to many subscribers.
    ///
    /// Behaves like ``serverSentEvents(_:for:configuration:headers:)``; each buffer must hold whole
    /// blocks of the event-stream format (such as those of `ServerSentEventEncoder`). `closer`, if
    /// given, can close the connection at any time from outside the stream.
    public static func serverSentEvents<Frames: AsyncSequence & Sendable>(
        encodedFrames frames: Frames,
        for request: Request,
        configuration: ServerSentEventStreamConfiguration = .init(),
        headers: HTTPFields = [:],
        closer: ServerSentEventStreamCloser = ServerSentEventStreamCloser()
    ) -> Response where Frames.Element == ByteBuffer {
        var fields = HTTPFields.serverSentEvents
        for field in headers {
            fields[field.name] = field.value
        }
        let stream = ServerSentEventStreamWriter(frames: frames, configuration: configuration)
        let requestBody = request.body
        return Response(
            status: .ok,
            headers: fields,
            body: ResponseBody { writer in
                let abort = closer
                do {
                    if configuration.endsWhenRequestSideCloses {
                        // The body is finished inside, while the connection is still watched: once the
                        // watch ends, hummingbird may close the connection.
                        try await requestBody.consumeWithInboundCloseHandler { _ in
                            try await abort.run {
                                try await stream.write(to: &writer, abort: abort)
                                try await writer.finish(nil)
                            }
                        } onInboundClosed: {
                            abort.fire(.clientClosed)
                        }
                    } else {
                        try await abort.run {
                            try await stream.write(to: &writer, abort: abort)
                            try await writer.finish(nil)
                        }
                    }
                } catch is CancellationError {
                    return  // the client left: nothing more to write or finish
                } catch is StoppedForGracefulShutdown {
                    try await writer.finish(nil)
                }
                // Any other error propagates, and hummingbird closes the connection.
            }
        )
    }
}

extension HTTPField.Name {
    /// `X-Accel-Buffering`, which tells nginx not to buffer a streaming response.
    public static var accelBuffering: Self { .init("X-Accel-Buffering")! }
    /// `Last-Event-ID`, which a reconnecting `EventSource` sends with the id of the last event it saw.
    public static var lastEventID: Self { .init("Last-Event-ID")! }
}
