import NIOCore
import Prometheus

/// Writes a live subscriber's queued frames straight to its connection, on the connection's event
/// loop: a delivery costs a write, not the wake-up of a task.
///
/// The queue still bounds what waits: frames are taken only while the connection is writable, so a
/// client that stops reading leaves them queued until the queue overflows and the subscriber is
/// dropped as lagging.
final class SubscriberChannelWriter: Sendable {
    /// Who ends the response once the queue has ended.
    enum EndOfStream: Sendable {
        /// The task that began the response waits for the queue's ending and finishes the response.
        case byTheStreamTask
        /// The writer does, and closes the connection: no task waits for a stream served this way.
        /// The lease is closed then, unregistering the subscriber.
        case byTheWriter(SubscriptionLease)
    }

    /// Paces the writes of updates, shared by the loop's writers.
    let coalescer: WriteCoalescer
    private let handler: NIOLoopBound<SubscriberStreamHandler>
    private let queue: SubscriberQueue
    /// Frames up to this sequence number were sent from history already.
    private let skipping: Int64
    private let bytesSent: Counter
    private let endOfStream: EndOfStream

    /// A writer through `handler`, which must be in the connection's pipeline; call on the event loop
    /// of `coalescer`.
    init(
        handler: SubscriberStreamHandler,
        coalescer: WriteCoalescer,
        queue: SubscriberQueue,
        skipping: Int64,
        bytesSent: Counter,
        endOfStream: EndOfStream = .byTheStreamTask
    ) {
        self.coalescer = coalescer
        self.handler = NIOLoopBound(handler, eventLoop: coalescer.eventLoop)
        self.queue = queue
        self.skipping = skipping
        self.bytesSent = bytesSent
        self.endOfStream = endOfStream
    }

    /// Called from any thread once frames are queued, or the queue ended: writes on the event loop,
    /// at once (published updates go through the ``coalescer`` instead).
    func scheduleWrite() {
        coalescer.eventLoop.execute { self.writeQueuedFrames() }
    }

    /// On the event loop: writes every queued frame in one chunk, if the connection takes more
    /// (or, when the stream is ending, whatever it holds). A writer that ends the stream ends it
    /// once the queue has ended.
    func writeQueuedFrames(evenIfUnwritable: Bool = false) {
        let handler = handler.value
        // What is still queued when the stream ends is bounded by the queue: written even to a
        // connection that is not writable. Otherwise the frames wait, and the queue does not ask
        // again: the connection draining does (`onWritable`). A client that stopped reading then
        // costs each publish an append to its queue, not a wake-up of its writer.
        guard evenIfUnwritable || handler.isWritable || (endsTheStream && queue.hasEnded) else { return }
        let taken = queue.takeChunk(after: skipping)
        // An empty chunk would end the response's body: there is always an event or a comment.
        if let (chunk, eventBytes) = taken.frames, eventBytes > 0 {
            bytesSent.increment(by: Int64(eventBytes))
            handler.writeChunk(chunk)
        }
        if case .byTheWriter(let lease) = endOfStream, taken.hasEnded {
            handler.endResponseAndClose()
            detach()
            lease.close()
        }
    }

    /// On the event loop: whether the connection takes more now.
    var connectionIsWritable: Bool {
        handler.value.isWritable
    }

    /// On the event loop, before a write: whether the client left unread what it was sent, at the
    /// last reading of its window, read again if due (``PeerReadingProbe``); such a writer waits
    /// until it catches up (``LaggardTurns``).
    var clientIsBehind: Bool {
        handler.value.clientIsBehindBeforeWriting()
    }

    /// On the event loop: reads the client's window now, and tells whether it is still behind.
    func checkWhetherClientIsBehind() -> Bool {
        handler.value.checkClient()
    }

    /// Whether the writer waits among ``LaggardTurns``' paused writers; set and cleared by them, on
    /// the event loop, so that it waits there once. Kept by the queue, where a dispatch sees it.
    var isPaused: Bool {
        get { queue.writerIsPaused }
        set { queue.writerIsPaused = newValue }
    }

    /// Whether the subscriber's queue has ended.
    var streamHasEnded: Bool {
        queue.hasEnded
    }

    /// On the event loop, for an update offered while nothing was queued and the connection was
    /// writable: writes it, unless it was sent from history already.
    func write(_ update: LiveUpdate) {
        guard update.sequence > skipping else { return }
        bytesSent.increment(by: Int64(update.frame.readableBytes))
        handler.value.writeChunk(update.chunk)
    }

    private var endsTheStream: Bool {
        if case .byTheWriter = endOfStream { true } else { false }
    }

    /// On the event loop, once the stream ended: lets go of the handler and the queue, which refer
    /// back to this writer, so that none of them outlives the subscription.
    func detach() {
        let handler = handler.value
        handler.onWritable = {}
        handler.onConnectionEnding = nil
        queue.stopWritingDirectly()
    }
}
