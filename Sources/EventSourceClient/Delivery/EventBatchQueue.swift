import DequeModule
import Synchronization

/// Hands batches of parsed messages (events, and comments when asked for) from the connection task to
/// the consumer, pausing the connection while `limit` messages are waiting, so a slow consumer bounds
/// memory instead of growing it.
///
/// A batch is the messages of one network read: one hand-off per read, not per event.
final class EventBatchQueue: Sendable {
    /// What `next()` answers once no batch is waiting.
    enum End: Sendable {
        case finished
        case failed(EventSourceError)
    }

    private struct State {
        var batches: Deque<[EventSourceMessage]> = []
        var bufferedMessages = 0
        var end: End?
        var waitingConsumer: CheckedContinuation<Void, Never>?
        var waitingProducer: CheckedContinuation<Void, Never>?
    }

    private let limit: Int
    private let state = Mutex(State())

    init(limit: Int) {
        self.limit = limit
    }

    /// Queues `batch`, first waiting while the queue is full. Returns `false` once the queue has ended,
    /// when the producer should stop.
    func push(_ batch: [EventSourceMessage]) async -> Bool {
        while true {
            let outcome: (accepted: Bool?, consumer: CheckedContinuation<Void, Never>?) = state.withLock { state in
                if state.end != nil { return (false, nil) }
                guard state.bufferedMessages < limit else { return (nil, nil) }
                state.batches.append(batch)
                state.bufferedMessages += batch.count
                let consumer = state.waitingConsumer
                state.waitingConsumer = nil
                return (true, consumer)
            }
            outcome.consumer?.resume()
            if let accepted = outcome.accepted { return accepted }
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state in
                    if state.end != nil || state.bufferedMessages < limit { return true }
                    state.waitingProducer = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
    }

    /// The next batch, `nil` after a clean end, or the error the queue ended with.
    func next() async -> Result<[EventSourceMessage]?, EventSourceError> {
        while true {
            let outcome: (result: Result<[EventSourceMessage]?, EventSourceError>?, producer: CheckedContinuation<Void, Never>?) =
                state.withLock { state in
                    if let batch = state.batches.popFirst() {
                        state.bufferedMessages -= batch.count
                        let producer = state.bufferedMessages < limit ? state.waitingProducer : nil
                        if producer != nil { state.waitingProducer = nil }
                        return (.success(batch), producer)
                    }
                    switch state.end {
                    case .finished?: return (.success(nil), nil)
                    case .failed(let error)?: return (.failure(error), nil)
                    case nil: return (nil, nil)
                    }
                }
            outcome.producer?.resume()
            if let result = outcome.result { return result }
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state in
                    if state.end != nil || !state.batches.isEmpty { return true }
                    state.waitingConsumer = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
    }

    /// Ends the queue. Batches already queued are still delivered unless `discardingQueued`, as after
    /// `close()`. Only the first end counts.
    func finish(_ end: End, discardingQueued: Bool) {
        let waiting: (CheckedContinuation<Void, Never>?, CheckedContinuation<Void, Never>?) = state.withLock { state in
            if discardingQueued {
                state.batches.removeAll()
                state.bufferedMessages = 0
            }
            if state.end == nil { state.end = end }
            defer {
                state.waitingConsumer = nil
                state.waitingProducer = nil
            }
            return (state.waitingConsumer, state.waitingProducer)
        }
        waiting.0?.resume()
        waiting.1?.resume()
    }
}
