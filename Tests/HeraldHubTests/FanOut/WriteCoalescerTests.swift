import NIOCore
import NIOEmbedded
import Testing

@testable import HeraldHub

@Suite struct WriteCoalescerTests {
    /// A live subscriber whose connection is an embedded channel, on an event loop whose clock the
    /// test moves.
    private struct LiveSubscriber {
        let channel: EmbeddedChannel
        let queue: SubscriberQueue
        let coalescer: WriteCoalescer

        init(on eventLoop: EmbeddedEventLoop, coalescer: WriteCoalescer, skipping: Int64 = 0) throws {
            self.coalescer = coalescer
            channel = EmbeddedChannel(loop: eventLoop)
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
            let handler = SubscriberStreamHandler()
            try channel.pipeline.syncOperations.addHandler(handler)
            queue = SubscriberQueue(maximumUpdates: 100, maximumBytes: 1 << 20)
            let writer = SubscriberChannelWriter(
                handler: handler,
                coalescer: coalescer,
                queue: queue,
                skipping: skipping,
                bytesSent: HubMetrics().bytesSent
            )
            // As a live subscription does: what waits is written when the connection drains.
            handler.onWritable = { writer.writeQueuedFrames() }
            queue.writeDirectly(with: writer)
            eventLoop.run()
        }

        /// Queues `text` as the hub's dispatch of one publish batch does.
        func publish(_ sequence: Int64, _ text: String) {
            let update = LiveUpdate(
                StoredUpdate(sequence: sequence, id: "\(sequence)", topics: ["t"], isPrivate: false, frame: ByteBuffer(string: text))
            )
            var writes = WokenWriters()
            _ = queue.offer(update, writes: &writes)
            writes.schedule()
        }

        /// The chunks written to the connection so far, one string each.
        func writtenChunks() throws -> [String] {
            var chunks: [String] = []
            while let chunk = try channel.readOutbound(as: ByteBuffer.self) { chunks.append(String(buffer: chunk)) }
            return chunks
        }
    }

    /// A subscriber on a loop with a 5 ms window, whose first update was just written.
    private func subscriberJustWritten() throws -> (EmbeddedEventLoop, LiveSubscriber) {
        let eventLoop = EmbeddedEventLoop()
        let subscriber = try LiveSubscriber(on: eventLoop, coalescer: WriteCoalescer(eventLoop: eventLoop, window: .milliseconds(5)))
        subscriber.publish(1, "a\n\n")
        eventLoop.run()
        #expect(try subscriber.writtenChunks() == ["3\r\na\n\n\r\n"])
        return (eventLoop, subscriber)
    }

    @Test func updateAfterAQuietWindowIsWrittenAtOnce() throws {
        let (eventLoop, subscriber) = try subscriberJustWritten()

        eventLoop.advanceTime(by: .milliseconds(6))
        subscriber.publish(2, "b\n\n")
        eventLoop.run()
        #expect(try subscriber.writtenChunks() == ["3\r\nb\n\n\r\n"])
    }

    /// A connection whose writes take `delay` of the loop's time, as a pass over many sockets does.
    private final class SlowSocket: ChannelOutboundHandler, Sendable {
        typealias OutboundIn = ByteBuffer
        let eventLoop: EmbeddedEventLoop
        let delay: TimeAmount

        init(eventLoop: EmbeddedEventLoop, delay: TimeAmount) {
            self.eventLoop = eventLoop
            self.delay = delay
        }

        func flush(context: ChannelHandlerContext) {
            eventLoop.advanceTime(by: delay)
            context.flush()
        }
    }

    /// After a pass of writes that took most of the window, updates offered right after it are
    /// written together, and at once: not each alone (as if the window were quiet since the pass
    /// began), and not a window later (the loop would idle while they wait).
    @Test func updatesRightAfterALongPassOfWritesAreWrittenTogetherWithoutWaiting() throws {
        let eventLoop = EmbeddedEventLoop()
        let subscriber = try LiveSubscriber(on: eventLoop, coalescer: WriteCoalescer(eventLoop: eventLoop, window: .milliseconds(5)))
        try subscriber.channel.pipeline.syncOperations.addHandler(SlowSocket(eventLoop: eventLoop, delay: .milliseconds(4)), position: .first)
        subscriber.publish(1, "a\n\n")
        eventLoop.run()
        #expect(try subscriber.writtenChunks() == ["3\r\na\n\n\r\n"])
        // 6 ms after that write began, 2 ms after it ended.
        eventLoop.advanceTime(by: .milliseconds(2))
        subscriber.publish(2, "b\n\n")
        subscriber.publish(3, "c\n\n")
        eventLoop.run()
        #expect(try subscriber.writtenChunks() == ["6\r\nb\n\nc\n\n\r\n"])
    }

    @Test func updatesWithinTheWindowAreWrittenTogetherWhenItEnds() throws {
        let (eventLoop, subscriber) = try subscriberJustWritten()

        eventLoop.advanceTime(by: .milliseconds(1))
        subscriber.publish(2, "b\n\n")
        subscriber.publish(3, "c\n\n")
        eventLoop.run()
        #expect(try subscriber.writtenChunks() == [])
        eventLoop.advanceTime(by: .milliseconds(3))
        #expect(try subscriber.writtenChunks() == [])
        eventLoop.advanceTime(by: .milliseconds(1))
        #expect(try subscriber.writtenChunks() == ["6\r\nb\n\nc\n\n\r\n"])
    }

    @Test func everySubscriberOfTheLoopIsWrittenAtTheSameFlush() throws {
        let eventLoop = EmbeddedEventLoop()
        let coalescer = WriteCoalescer(eventLoop: eventLoop, window: .milliseconds(5))
        let first = try LiveSubscriber(on: eventLoop, coalescer: coalescer)
        let second = try LiveSubscriber(on: eventLoop, coalescer: coalescer)
        first.publish(1, "a\n\n")
        eventLoop.run()
        #expect(try first.writtenChunks() == ["3\r\na\n\n\r\n"])

        // The second subscriber's first update comes within the loop's window: it waits too.
        second.publish(2, "b\n\n")
        first.publish(3, "c\n\n")
        eventLoop.run()
        #expect(try second.writtenChunks() == [])
        eventLoop.advanceTime(by: .milliseconds(5))
        #expect(try first.writtenChunks() == ["3\r\nc\n\n\r\n"])
        #expect(try second.writtenChunks() == ["3\r\nb\n\n\r\n"])
    }

    @Test func zeroWindowWritesEveryBatchAtOnce() throws {
        let eventLoop = EmbeddedEventLoop()
        let subscriber = try LiveSubscriber(on: eventLoop, coalescer: WriteCoalescer(eventLoop: eventLoop, window: .zero))
        subscriber.publish(1, "a\n\n")
        eventLoop.run()
        subscriber.publish(2, "b\n\n")
        eventLoop.run()
        #expect(try subscriber.writtenChunks() == ["3\r\na\n\n\r\n", "3\r\nb\n\n\r\n"])
    }

    /// Starts and ends a dispatch of `count` updates, as the hub does; whether it wrote as it offered.
    private func dispatch(_ count: Int, on coalescer: WriteCoalescer) -> Bool {
        let writes = coalescer.startDispatch(of: count)
        writes.schedule()
        return writes.writesAsWoken
    }

    @Test func loopWritesALoneUpdateAtOnceOnlyAfterAQuietWindow() throws {
        let eventLoop = EmbeddedEventLoop()
        let coalescer = WriteCoalescer(eventLoop: eventLoop, window: .milliseconds(5))
        #expect(dispatch(1, on: coalescer))
        // The window started: a second fan-out within it waits for the flush.
        eventLoop.advanceTime(by: .milliseconds(4))
        #expect(!dispatch(1, on: coalescer))
        eventLoop.advanceTime(by: .milliseconds(1))
        #expect(dispatch(1, on: coalescer))
    }

    @Test func loopNeverWritesTheUpdatesOfABatchAsTheyAreOffered() throws {
        let eventLoop = EmbeddedEventLoop()
        let coalescer = WriteCoalescer(eventLoop: eventLoop, window: .milliseconds(5))
        // Even after a quiet window: each subscriber is to get the batch in one write.
        #expect(!dispatch(2, on: coalescer))
        #expect(dispatch(1, on: coalescer))
    }

    /// Offers `text` as a loop that writes at once does (for a lone update after a quiet window).
    private func offerAtOnce(_ sequence: Int64, _ text: String, to subscriber: LiveSubscriber, on coalescer: WriteCoalescer) {
        let update = LiveUpdate(StoredUpdate(sequence: sequence, id: "\(sequence)", topics: ["t"], isPrivate: false, frame: ByteBuffer(string: text)))
        var writes = WokenWriters(writingAtOnceOn: coalescer)
        #expect(subscriber.queue.offer(update, writes: &writes) == .queued)
        writes.schedule()
    }

    @Test func writerOfTheLoopThatWritesAtOnceWritesAsItIsOffered() throws {
        let eventLoop = EmbeddedEventLoop()
        let coalescer = WriteCoalescer(eventLoop: eventLoop, window: .milliseconds(5))
        let subscriber = try LiveSubscriber(on: eventLoop, coalescer: coalescer)
        offerAtOnce(1, "a\n\n", to: subscriber, on: coalescer)
        // Written before any task of the loop runs.
        #expect(try subscriber.writtenChunks() == ["3\r\na\n\n\r\n"])
    }

    @Test func updateForAConnectionThatTakesNoMoreWaitsUntilItDrains() throws {
        let eventLoop = EmbeddedEventLoop()
        let coalescer = WriteCoalescer(eventLoop: eventLoop, window: .zero)
        let subscriber = try LiveSubscriber(on: eventLoop, coalescer: coalescer)
        subscriber.channel.isWritable = false
        subscriber.channel.pipeline.fireChannelWritabilityChanged()

        offerAtOnce(1, "a\n\n", to: subscriber, on: coalescer)
        offerAtOnce(2, "b\n\n", to: subscriber, on: coalescer)
        eventLoop.run()
        #expect(try subscriber.writtenChunks() == [])
        subscriber.channel.isWritable = true
        subscriber.channel.pipeline.fireChannelWritabilityChanged()
        eventLoop.run()
        #expect(try subscriber.writtenChunks() == ["6\r\na\n\nb\n\n\r\n"])
    }

    @Test func updateAlreadySentFromHistoryIsNotWrittenAgainAtOnce() throws {
        let eventLoop = EmbeddedEventLoop()
        let coalescer = WriteCoalescer(eventLoop: eventLoop, window: .zero)
        let subscriber = try LiveSubscriber(on: eventLoop, coalescer: coalescer, skipping: 5)
        offerAtOnce(5, "a\n\n", to: subscriber, on: coalescer)
        offerAtOnce(6, "b\n\n", to: subscriber, on: coalescer)
        #expect(try subscriber.writtenChunks() == ["3\r\nb\n\n\r\n"])
    }

    @Test func updateOfferedWhileOthersWaitIsWrittenAfterThem() throws {
        let (eventLoop, subscriber) = try subscriberJustWritten()
        // Within the window: queued, for the flush at its end.
        eventLoop.advanceTime(by: .milliseconds(1))
        subscriber.publish(2, "b\n\n")
        offerAtOnce(3, "c\n\n", to: subscriber, on: subscriber.coalescer)
        #expect(try subscriber.writtenChunks() == [])
        eventLoop.advanceTime(by: .milliseconds(4))
        #expect(try subscriber.writtenChunks() == ["6\r\nb\n\nc\n\n\r\n"])
    }
}
