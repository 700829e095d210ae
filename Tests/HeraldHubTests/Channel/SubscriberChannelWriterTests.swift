import NIOCore
import NIOPosix
import Testing

@testable import HeraldHub

@Suite struct SubscriberChannelWriterTests {
    /// Holds a reference weakly, to see whether anything else still holds the object.
    private final class WeakReference<Object: AnyObject>: @unchecked Sendable {
        weak var object: Object?
        init(_ object: Object) { self.object = object }
    }

    @Test func detachedWriterIsReleasedWithItsHandlerAndQueue() async throws {
        let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
        let bytesSent = HubMetrics().bytesSent
        let references = try await eventLoop.submit { () -> (WeakReference<SubscriberChannelWriter>, WeakReference<SubscriberQueue>) in
            let queue = SubscriberQueue(maximumUpdates: 10, maximumBytes: 1 << 20)
            let handler = SubscriberStreamHandler()
            let coalescer = WriteCoalescer(eventLoop: eventLoop, window: .zero)
            let writer = SubscriberChannelWriter(handler: handler, coalescer: coalescer, queue: queue, skipping: 0, bytesSent: bytesSent)
            // Wired as the hub wires them: the handler and the queue refer to the writer, and back.
            handler.onWritable = { writer.writeQueuedFrames() }
            queue.writeDirectly(with: writer)
            writer.detach()
            return (WeakReference(writer), WeakReference(queue))
        }.get()
        #expect(references.0.object == nil)
        #expect(references.1.object == nil)
    }
}
