import ServerSentEvents
import TestSupport
import Testing

@testable import EventSourceClient

/// The hand-off between the connection and the consumer holds at most its limit.
@Suite struct EventBatchQueueTests {
    @Test func fullQueuePausesTheProducerUntilTheConsumerTakesABatch() async throws {
        let queue = EventBatchQueue(limit: 2)
        #expect(await queue.push([.event(ServerSentEvent(data: "1")), .event(ServerSentEvent(data: "2"))]))
        let secondAccepted = Signal()
        let producer = Task {
            let accepted = await queue.push([.event(ServerSentEvent(data: "3"))])
            secondAccepted.raise()
            return accepted
        }
        // The queue is full: the push stays pending however long we look.
        try await Task.sleep(for: .milliseconds(50))
        #expect(secondAccepted.instant == nil)
        let first = await queue.next()
        #expect(try first.get()?.map(\.eventData) == ["1", "2"])
        #expect(await producer.value)
        let second = await queue.next()
        #expect(try second.get()?.map(\.eventData) == ["3"])
    }

    @Test func finishDeliversQueuedBatchesThenTheEnd() async throws {
        let queue = EventBatchQueue(limit: 10)
        _ = await queue.push([.event(ServerSentEvent(data: "last"))])
        queue.finish(.failed(.streamEnded), discardingQueued: false)
        #expect(await queue.push([.event(ServerSentEvent(data: "too late"))]) == false)
        #expect(try await queue.next().get()?.map(\.eventData) == ["last"])
        await #expect(throws: EventSourceError.streamEnded) { try await queue.next().get() }
    }

    @Test func finishDiscardingDropsWhatIsQueuedAndReleasesAWaitingProducer() async throws {
        let queue = EventBatchQueue(limit: 1)
        _ = await queue.push([.event(ServerSentEvent(data: "queued"))])
        let producer = Task { await queue.push([.event(ServerSentEvent(data: "waiting"))]) }
        try await Task.sleep(for: .milliseconds(20))
        queue.finish(.finished, discardingQueued: true)
        #expect(await producer.value == false)
        #expect(try await queue.next().get() == nil)
    }
}

extension EventSourceMessage {
    /// The data of an event, `nil` for a comment.
    fileprivate var eventData: String? {
        if case .event(let event) = self { event.data } else { nil }
    }
}
