import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import ServerSentEvents

/// One connection of an event source: sends the request, checks the response by the spec's rules and
/// feeds the body through the parser into the queue until the body ends, breaks, or goes silent.
struct EventStreamConnection: Sendable {
    /// How a connection ended.
    enum Outcome: Sendable {
        /// HTTP 204: the server asks the client to stop.
        case stopped
        /// An error that must not be retried (bad status or type, oversized event, invalid URL).
        case failed(EventSourceError)
        /// The connection was lost for a reason that calls for reconnecting.
        case lost(EventSourceError)
        /// The event source was closed or its consumer went away.
        case cancelled
    }

    /// A finished connection: how it ended, what it leaves for the next one, and how long it was open.
    struct Result: Sendable {
        var outcome: Outcome
        /// The request for the next connection: after redirects, the final URL and method.
        var request: EventSourceRequest
        /// The parser, holding the last event ID and reconnection time for the next connection.
        var parser: ServerSentEventParser
        var openDuration: Duration?
    }

    let httpClient: HTTPClient
    let configuration: EventSource.Configuration
    let queue: EventBatchQueue
    /// Whether comment lines are queued beside the events (for ``EventSource/messages``).
    let reportsComments: Bool
    /// Called when the response is accepted, with the final URL.
    let didOpen: @Sendable (String) -> Void

    /// Runs one connection to its end; the read timeout, if any, is watched alongside.
    func run(request: EventSourceRequest, parser: ServerSentEventParser) async -> Result {
        guard let readTimeout = configuration.readTimeout else {
            return await read(request: request, parser: parser, activity: ReadActivity())
        }
        let activity = ReadActivity()
        return await withTaskGroup(of: Result?.self) { group in
            group.addTask { await read(request: request, parser: parser, activity: activity) }
            group.addTask {
                // Returns nil when the reader finished first and cancelled the watch.
                guard (try? await activity.waitForSilence(of: readTimeout)) != nil else { return nil }
                return Result(outcome: .lost(.readTimeout(readTimeout)), request: request, parser: parser)
            }
            var timedOut = false
            var readerResult: Result?
            while let result = await group.next() {
                group.cancelAll()
                guard let result else { continue }
                if case .lost(let reason) = result.outcome, reason.code == .readTimeout, readerResult == nil, !timedOut {
                    timedOut = true
                } else {
                    readerResult = result
                }
            }
            guard var result = readerResult else {
                return Result(outcome: .lost(.readTimeout(readTimeout)), request: request, parser: parser)
            }
            // The reader saw only the cancellation the watchdog caused.
            if timedOut, case .cancelled = result.outcome { result.outcome = .lost(.readTimeout(readTimeout)) }
            return result
        }
    }

    private func read(request: EventSourceRequest, parser: ServerSentEventParser, activity: ReadActivity) async -> Result {
        var result = Result(outcome: .cancelled, request: request, parser: parser)
        do {
            let response = try await httpClient.execute(makeHTTPRequest(request, lastEventID: parser.lastEventID), deadline: .distantFuture)
            activity.touch()
            result.request = request.following(response.history)
            let contentType = response.headers.first(name: "Content-Type")
            switch response.status.code {
            case 204:
                result.outcome = .stopped
                return result
            case 200 where MediaType.isEventStream(contentType):
                break
            case 200:
                let body = await errorBody(of: response)
                result.outcome = .failed(.unexpectedContentType(contentType: contentType, body: body))
                return result
            default:
                let body = await errorBody(of: response)
                result.outcome = .failed(.unexpectedStatus(status: Int(response.status.code), contentType: contentType, body: body))
                return result
            }
            let openedAt = ContinuousClock.now
            didOpen(result.request.url)
            result.outcome = await stream(response.body, into: &result.parser, activity: activity)
            result.openDuration = ContinuousClock.now - openedAt
        } catch {
            // Only the request can fail here: `stream` turns errors of the body into outcomes.
            result.parser.finish()
            result.outcome = outcome(of: error, url: request.url)
        }
        return result
    }

    /// Parses the body chunk by chunk, handing each chunk's events to the queue as one batch.
    private func stream(
        _ body: HTTPClientResponse.Body,
        into parser: inout ServerSentEventParser,
        activity: ReadActivity
    ) async -> Outcome {
        var batch: [EventSourceMessage] = []
        do {
            for try await chunk in body {
                activity.touch()
                var oversized: ServerSentEventParseError?
                chunk.withUnsafeReadableBytes { bytes in
                    // Comments are rare (heartbeats), so one call serves both kinds of consumer.
                    parser.parse(bytes, comment: { if reportsComments && oversized == nil { batch.append(.comment($0)) } }) { output in
                        guard oversized == nil else { return }
                        switch output {
                        case .success(let event): batch.append(.event(event))
                        case .failure(let error): oversized = error
                        }
                    }
                }
                if !batch.isEmpty {
                    activity.pause()
                    let accepted = await queue.push(batch)
                    activity.touch()
                    batch = []
                    guard accepted else {
                        parser.finish()
                        return .cancelled
                    }
                }
                if let oversized {
                    parser.finish()
                    return .failed(.eventTooLarge(oversized))
                }
            }
            parser.finish()
            return .lost(.streamEnded)
        } catch {
            parser.finish()
            return outcome(of: error, url: "")
        }
    }

    private func makeHTTPRequest(_ request: EventSourceRequest, lastEventID: String) -> HTTPClientRequest {
        var httpRequest = HTTPClientRequest(url: request.url)
        httpRequest.method = request.method
        httpRequest.headers = request.headers
        httpRequest.headers.replaceOrAdd(name: "Accept", value: "text/event-stream")
        httpRequest.headers.replaceOrAdd(name: "Cache-Control", value: "no-cache")
        if lastEventID.isEmpty {
            httpRequest.headers.remove(name: "Last-Event-ID")
        } else {
            httpRequest.headers.replaceOrAdd(name: "Last-Event-ID", value: lastEventID)
        }
        if let body = request.body { httpRequest.body = .bytes(body) }
        return httpRequest
    }

    /// The first `maxErrorBodyLength` bytes of an error response, as text.
    private func errorBody(of response: HTTPClientResponse) async -> String {
        var collected = ByteBuffer()
        let limit = configuration.maxErrorBodyLength
        do {
            for try await chunk in response.body {
                var chunk = chunk
                let take = min(chunk.readableBytes, limit - collected.readableBytes)
                if let slice = chunk.readSlice(length: take) { collected.writeImmutableBuffer(slice) }
                if collected.readableBytes >= limit { break }
            }
        } catch {
            // What arrived before the failure is still the most useful description of it.
        }
        return String(decoding: collected.readableBytesView, as: UTF8.self)
    }

    private func outcome(of error: any Error, url: String) -> Outcome {
        if Task.isCancelled || error is CancellationError { return .cancelled }
        if let error = error as? HTTPClientError {
            if error == .cancelled { return .cancelled }
            if error == .invalidURL || error == .emptyHost || error == .emptyScheme
                || String(describing: error).contains("unsupportedScheme")
            {
                return .failed(.invalidURL(url))
            }
        }
        return .lost(.network(description: String(describing: error)))
    }
}

extension EventSourceRequest {
    /// This request as redirects left it: later reconnections go straight to the final URL, with the
    /// method and headers the last redirect produced (a 303 turns a POST into a bodiless GET).
    func following(_ history: [HTTPClientRequestResponse]) -> EventSourceRequest {
        guard history.count > 1, let final = history.last?.request else { return self }
        var followed = self
        followed.url = final.url
        followed.headers = final.headers
        if final.method != method {
            followed.method = final.method
            followed.body = nil
        }
        return followed
    }
}
