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
        /// Whether the messages include comment lines, as the first iteration chose.
        var reportsComments = false
        /// Set by `restart()`, cleared when a new connection starts: that connection is the restart.
        var restartRequested = false
        /// Cancels what the connection task awaits now (a connection or the delay before one), for
        /// `restart()`; `nil` between the two.
        var cancelCurrentWait: (@Sendable () -> Void)?
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
    func start(reportingComments: Bool) throws(EventSourceError) {
        let alreadyStarted = state.withLock { state in
            defer { state.started = true }
            if !state.started { state.reportsComments = reportingComments }
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

    /// Drops the connection and connects again without waiting; a reconnection delay under way is cut
    /// short. Before the first iteration and after the end, it does nothing.
    func restart() {
        let cancel: (@Sendable () -> Void)? = state.withLock { state in
            guard state.started, state.finalEvent == nil else { return nil }
            state.restartRequested = true
            return state.cancelCurrentWait
        }
        cancel?()
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
            reportsComments: state.withLock { $0.reportsComments },
            didOpen: { [weak self] url in self?.publish(.open(url: url)) }
        )
        var request = self.request
        var parser = ServerSentEventParser(configuration: configuration.parser, lastEventID: configuration.lastEventID)
        var backoff = ReconnectionBackoff(configuration: configuration)
        var random = SystemRandomNumberGenerator()
        while true {
            publish(.connecting(url: request.url, attempt: backoff.attempts))
            state.withLock { $0.restartRequested = false }
            let (current, startRequest, startParser) = (connection, request, parser)
            let result = await interruptibleByRestart { await current.run(request: startRequest, parser: startParser) }
            request = result.request
            parser = result.parser
            if Task.isCancelled { return end(nil, discardingQueued: true) }
            backoff.connectionEnded(openFor: result.openDuration)
            let reason: EventSourceError
            switch result.outcome {
            case .cancelled where takeRestartRequest():
                // The caller asked for a new connection: no delay, and no failed attempt for backoff.
                publish(.reconnecting(after: .zero, reason: .restarted))
                continue
            case .cancelled:
                return end(nil, discardingQueued: true)
            case .stopped:
                return end(nil, discardingQueued: false)
            case .failed(let error):
                return end(error, discardingQueued: false)
            case .lost(let error):
                reason = error
            }
            let reconnectionTime = parser.reconnectionTime.map { Duration.milliseconds($0) } ?? configuration.reconnectionTime
            guard let delay = backoff.nextDelay(reconnectionTime: reconnectionTime, using: &random) else {
                let attempts = backoff.attempts
                return end(.reconnectionAttemptsExhausted(attempts: attempts, lastReason: reason), discardingQueued: false)
            }
            publish(.reconnecting(after: delay, reason: reason))
            // A restart during the delay ends it early; closing ends the event source.
            await interruptibleByRestart { try? await Task.sleep(for: delay) }
            if Task.isCancelled { return end(nil, discardingQueued: true) }
        }
    }

    /// Runs `operation` in a task that `restart()` may cancel; cancelling the connection task cancels
    /// it too. A restart asked for before it began cancels it at once.
    private func interruptibleByRestart<Value: Sendable>(
        _ operation: @escaping @Sendable () async -> Value
    ) async -> Value {
        let task = Task { await operation() }
        let cancelAtOnce = state.withLock { state in
            state.cancelCurrentWait = { task.cancel() }
            return state.restartRequested
        }
        if cancelAtOnce { task.cancel() }
        let value = await withTaskCancellationHandler {
            await task.value
        } onCancel: {
            task.cancel()
        }
        state.withLock { $0.cancelCurrentWait = nil }
        return value
    }

    /// Whether a restart was asked for since the current connection started; clears the request.
    private func takeRestartRequest() -> Bool {
        state.withLock { state in
            defer { state.restartRequested = false }
            return state.restartRequested
        }
    }

    private func end(_ error: EventSourceError?, discardingQueued: Bool) {
        queue.finish(error.map { .failed($0) } ?? .finished, discardingQueued: discardingQueued)
        publish(.closed(error: error))
    }
}
