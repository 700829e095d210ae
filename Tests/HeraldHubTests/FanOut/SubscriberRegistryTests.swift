import NIOCore
import NIOEmbedded
import Testing

@testable import HeraldHub

@Suite struct SubscriberRegistryTests {
    private func subscriber(topic: String, on coalescer: WriteCoalescer?) -> Subscriber {
        Subscriber(
            id: "urn:uuid:\(topic)",
            selectors: [TopicSelector(topic)],
            authorizedSelectors: [],
            payload: nil,
            queue: SubscriberQueue(maximumUpdates: 10, maximumBytes: 1 << 16),
            coalescer: coalescer
        )
    }

    private func update(_ sequence: Int64, topic: String) -> LiveUpdate {
        LiveUpdate(
            StoredUpdate(sequence: sequence, id: "\(sequence)", topics: [topic], isPrivate: false, frame: ByteBuffer(string: "data: \(sequence)\n\n"))
        )
    }

    @Test func eachEventLoopIsOfferedOnlyItsOwnSubscribers() {
        let registry = SubscriberRegistry()
        let firstLoop = WriteCoalescer(eventLoop: EmbeddedEventLoop(), window: .zero)
        let secondLoop = WriteCoalescer(eventLoop: EmbeddedEventLoop(), window: .zero)
        let onFirst = subscriber(topic: "t", on: firstLoop)
        let onSecond = subscriber(topic: "t", on: secondLoop)
        let withoutConnection = subscriber(topic: "t", on: nil)
        for subscriber in [onFirst, onSecond, withoutConnection] { registry.add(subscriber) }

        var writes = WokenWriters()
        #expect(registry.dispatch(update(1, topic: "t"), toSubscribersOf: firstLoop, writes: &writes).delivered == 1)
        #expect(registry.dispatch(update(1, topic: "t"), toSubscribersOf: nil, writes: &writes).delivered == 1)
        #expect(onFirst.queue.take(after: 0) != nil)
        #expect(onSecond.queue.take(after: 0) == nil)
        #expect(withoutConnection.queue.take(after: 0) != nil)
    }

    @Test func anEventLoopIsDispatchedToWhileItHasSubscribers() {
        let registry = SubscriberRegistry()
        let loop = WriteCoalescer(eventLoop: EmbeddedEventLoop(), window: .zero)
        let first = subscriber(topic: "a", on: loop)
        let second = subscriber(topic: "b", on: loop)
        #expect(registry.coalescers.isEmpty)

        registry.add(first)
        registry.add(second)
        #expect(registry.coalescers.map(ObjectIdentifier.init) == [ObjectIdentifier(loop)])
        registry.remove(first)
        #expect(registry.coalescers.count == 1)
        registry.remove(second)
        #expect(registry.coalescers.isEmpty)
        // Removing twice changes nothing.
        registry.remove(second)
        #expect(registry.count == 0)

        var writes = WokenWriters()
        #expect(registry.dispatch(update(1, topic: "b"), toSubscribersOf: loop, writes: &writes).delivered == 0)
    }

    @Test func subscribersWithoutAConnectionAreNotTiedToAnEventLoop() {
        let registry = SubscriberRegistry()
        registry.add(subscriber(topic: "t", on: nil))
        #expect(registry.coalescers.isEmpty)
        #expect(registry.count == 1)
    }

    @Test func subscribersOfAnEventLoopAreListedOnceEach() {
        let registry = SubscriberRegistry()
        let loop = WriteCoalescer(eventLoop: EmbeddedEventLoop(), window: .zero)
        let twoTopics = Subscriber(
            id: "urn:uuid:both",
            selectors: [TopicSelector("a"), TopicSelector("b")],
            authorizedSelectors: [],
            payload: nil,
            queue: SubscriberQueue(maximumUpdates: 10, maximumBytes: 1 << 16),
            coalescer: loop
        )
        let template = subscriber(topic: "{any}", on: loop)
        registry.add(twoTopics)
        registry.add(template)
        registry.add(subscriber(topic: "a", on: nil))
        #expect(Set(registry.subscribers(of: loop).map(\.id)) == ["urn:uuid:both", "urn:uuid:{any}"])
        #expect(registry.subscribers(of: loop).count == 2)
    }
}
