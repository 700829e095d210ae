import AsyncHTTPClient
import ServerSentEvents
import Synchronization

/// The shared state of an ``EventSource`` and the task that runs its connections.
///
/// Separate from `EventSource` so the connection task does not keep the event source alive: when the
/// caller and the iterator let go of it, its `deinit` closes the connection.
final class EventSourceCore: Sendable {
    private struct State {
        var started = false
        var connectionTask: Task<Void, Never>?
        var readyState = EventSourceReadyState.connecting
        var url: String
        var finalEvent: EventSourceConnectionEvent?
        var observers: [Int: AsyncStream<EventSourceConnectionEvent>.Continuation] = [:]
        var nextObserverID = 0
    }

    let request: EventSourceRequest
    let configuration: EventSource.Configuration
    let queue: EventBatchQueue
    private let httpClient: HTTPClient
    private let state: Mutex<State>
    /// Set by `close()`; checked before each delivered event so none is delivered after it.
    private let closedByCaller = Atomic(false)

    init(request: EventSourceRequest, configuration: EventSource.Configuration, httpClient: HTTPClient) {
        self.request = request
        self.configuration = configuration
        self.httpClient = httpClient
        self.queue = EventBatchQueue(limit: configuration.maxBufferedEvents)
        self.state = Mutex(State(url: request.url))
    }

    var readyState: EventSourceReadyState { state.withLock { $0.readyState } }
    var url: String { state.withLock { $0.url } }
    var isClosedByCaller: Bool { closedByCaller.load(ordering: .relaxed) }

    /// Starts the connection task the first time; a second iteration is refused.
    func start() throws(EventSourceError) {
        let alreadyStarted = state.withLock { state in
            defer { state.started = true }
            return state.started
        }
        guard !alreadyStarted else { throw .alreadyIterated }
        let task = Task { await self.runConnections() }
        let closedMeanwhile = state.withLock { state in
            state.connectionTask = task
            return state.readyState == .closed
        }
        if closedMeanwhile { task.cancel() }
    }

    func close() {
        closedByCaller.store(true, ordering: .relaxed)
        let task = state.withLock { $0.connectionTask }
        task?.cancel()
        queue.finish(.finished, discardingQueued: true)
        publish(.closed(error: nil))
    }

    /// A new stream of connection changes, starting with the next one (or the final one, if closed).
    func connectionEvents() -> AsyncStream<EventSourceConnectionEvent> {
        let (stream, continuation) = AsyncStream.makeStream(
            of: EventSourceConnectionEvent.self,
            bufferingPolicy: .bufferingNewest(64)
        )
        let finalEvent: EventSourceConnectionEvent? = state.withLock { state in
            if let finalEvent = state.finalEvent { return finalEvent }
            let id = state.nextObserverID
            state.nextObserverID += 1
            state.observers[id] = continuation
            continuation.onTermination = { [weak self] _ in
                self?.state.withLock { _ = $0.observers.removeValue(forKey: id) }
            }
            return nil
        }
        if let finalEvent {
            continuation.yield(finalEvent)
            continuation.finish()
        }
        return stream
    }

    /// Records a change and tells every observer; after `.closed`, nothing more is published.
    private func publish(_ event: EventSourceConnectionEvent) {
        let observers: [AsyncStream<EventSourceConnectionEvent>.Continuation]? = state.withLock { state in
            guard state.finalEvent == nil else { return nil }
            state.readyState = event.readyState
            if case .open(let url) = event { state.url = url }
            let observers = Array(state.observers.values)
            if case .closed = event {
                state.finalEvent = event
                state.observers = [:]
            }
            return observers
        }
        guard let observers else { return }
        for observer in observers {
            observer.yield(event)
            if case .closed = event { observer.finish() }
        }
    }

    // MARK: - Connections

    private func runConnections() async {
        let connection = EventStreamConnection(
            httpClient: httpClient,
            configuration: configuration,
            queue: queue,
            didOpen: { [weak self] url in self?.publish(.open(url: url)) }
        )
        var request = self.request
        var parser = ServerSentEventParser(configuration: configuration.parser, lastEventID: configuration.lastEventID)
        var backoff = ReconnectionBackoff(configuration: configuration)
        var random = SystemRandomNumberGenerator()
        while true {
            publish(.connecting(url: request.url, attempt: backoff.attempts))
            let result = await connection.run(request: request, parser: parser)
            request = result.request
            parser = result.parser
            let reason: EventSourceError
            switch result.outcome {
            case .cancelled:
                return end(nil, discardingQueued: true)
            case .stopped:
                return end(nil, discardingQueued: false)
            case .failed(let error):
                return end(error, discardingQueued: false)
            case .lost(let error):
                reason = error
            }
            if Task.isCancelled { return end(nil, discardingQueued: true) }
            backoff.connectionEnded(openFor: result.openDuration)
            let reconnectionTime = parser.reconnectionTime.map { Duration.milliseconds($0) } ?? configuration.reconnectionTime
            guard let delay = backoff.nextDelay(reconnectionTime: reconnectionTime, using: &random) else {
                let attempts = backoff.attempts
                return end(.reconnectionAttemptsExhausted(attempts: attempts, lastReason: reason), discardingQueued: false)
            }
            publish(.reconnecting(after: delay, reason: reason))
            do {
                try await Task.sleep(for: delay)
            } catch {
                return end(nil, discardingQueued: true)
            }
        }
    }

    private func end(_ error: EventSourceError?, discardingQueued: Bool) {
        queue.finish(error.map { .failed($0) } ?? .finished, discardingQueued: discardingQueued)
        publish(.closed(error: error))
    }
}
