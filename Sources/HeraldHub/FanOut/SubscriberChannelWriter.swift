import NIOCore
import NIOHTTPTypes
import Prometheus

/// Writes a live subscriber's queued frames straight to its connection, on the connection's event
/// loop: a delivery costs a write, not the wake-up of a task.
///
/// The queue still bounds what waits: frames are taken only while the connection is writable, so a
/// client that stops reading leaves them queued until the queue overflows and the subscriber is
/// dropped as lagging. The writes are body parts of the response the stream's task began, which
/// stays suspended until the subscription ends and then finishes the response.
final class SubscriberChannelWriter: Sendable {
    let channel: any Channel
    private let queue: SubscriberQueue
    /// Frames up to this sequence number were sent from history already.
    private let skipping: Int64
    private let bytesSent: Counter

    init(channel: any Channel, queue: SubscriberQueue, skipping: Int64, bytesSent: Counter) {
        self.channel = channel
        self.queue = queue
        self.skipping = skipping
        self.bytesSent = bytesSent
    }

    /// Called from any thread once frames are queued: writes them on the event loop.
    func scheduleWrite() {
        channel.eventLoop.execute { self.writeQueuedFrames() }
    }

    /// On the event loop: writes every queued frame as one body part, if the connection takes more
    /// (or, when the stream is ending, whatever it holds).
    func writeQueuedFrames(evenIfUnwritable: Bool = false) {
        channel.eventLoop.preconditionInEventLoop()
        guard evenIfUnwritable || channel.isWritable else {
            queue.writeDeferred()
            return
        }
        guard case .frames(let batch) = queue.take(after: skipping) else { return }
        bytesSent.increment(by: Int64(batch.readableBytes))
        channel.writeAndFlush(HTTPResponsePart.body(batch), promise: nil)
    }
}

/// Resumes a subscriber's writes when its connection drains, after frames were held back because
/// the client was not reading fast enough.
final class SubscriberWritabilityHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = Any

    private let writer: SubscriberChannelWriter

    init(writer: SubscriberChannelWriter) {
        self.writer = writer
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { writer.writeQueuedFrames() }
        context.fireChannelWritabilityChanged()
    }
}
