import NIOCore
import Prometheus

/// Writes a live subscriber's queued frames straight to its connection, on the connection's event
/// loop: a delivery costs a write, not the wake-up of a task.
///
/// The queue still bounds what waits: frames are taken only while the connection is writable, so a
/// client that stops reading leaves them queued until the queue overflows and the subscriber is
/// dropped as lagging. The writes are chunks of the response the stream's task began, which stays
/// suspended until the subscription ends and then finishes the response.
final class SubscriberChannelWriter: Sendable {
    let eventLoop: any EventLoop
    private let handler: NIOLoopBound<SubscriberStreamHandler>
    private let queue: SubscriberQueue
    /// Frames up to this sequence number were sent from history already.
    private let skipping: Int64
    private let bytesSent: Counter

    /// A writer through `handler`, which must be in the connection's pipeline; call on its event loop.
    init(handler: SubscriberStreamHandler, eventLoop: any EventLoop, queue: SubscriberQueue, skipping: Int64, bytesSent: Counter) {
        self.eventLoop = eventLoop
        self.handler = NIOLoopBound(handler, eventLoop: eventLoop)
        self.queue = queue
        self.skipping = skipping
        self.bytesSent = bytesSent
    }

    /// Called from any thread once frames are queued: writes them on the event loop.
    func scheduleWrite() {
        eventLoop.execute { self.writeQueuedFrames() }
    }

    /// On the event loop: writes every queued frame in one chunk, if the connection takes more
    /// (or, when the stream is ending, whatever it holds).
    func writeQueuedFrames(evenIfUnwritable: Bool = false) {
        let handler = handler.value
        guard evenIfUnwritable || handler.isWritable else {
            queue.writeDeferred()
            return
        }
        // An empty chunk would end the response's body: there is always an event or a comment.
        guard let (chunk, eventBytes) = queue.takeChunk(after: skipping), eventBytes > 0 else { return }
        bytesSent.increment(by: Int64(eventBytes))
        handler.writeChunk(chunk)
    }

    /// On the event loop, once the stream ended: lets go of the handler and the queue, which refer
    /// back to this writer, so that none of them outlives the subscription.
    func detach() {
        handler.value.onWritable = {}
        queue.stopWritingDirectly()
    }
}
