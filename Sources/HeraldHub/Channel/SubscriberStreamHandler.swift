import NIOCore

/// Sits next to the socket of a live subscriber's connection: writes the stream's frames as HTTP/1.1
/// chunks of the response already begun, below the HTTP handlers, and tells the writer when the
/// connection drains after it held frames back.
///
/// Below the HTTP handlers, because a delivery then costs one write into the socket's buffer rather
/// than a pass through each of them. The framing matches the response's: its head was sent without
/// a `Content-Length`, which HTTP/1.1 streams chunked (hummingbird's HTTP/1 server does the same);
/// ``HTTP1Chunk`` makes the chunks.
final class SubscriberStreamHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var context: ChannelHandlerContext?
    private var responseEnded = false
    /// Called on the event loop when the connection becomes writable again.
    var onWritable: () -> Void = {}
    /// Called on the event loop the first time the connection becomes writable again, once: the
    /// client has shown that it reads what it is sent.
    var onFirstDrain: (() -> Void)?
    private var hasBeenUnwritable = false
    /// Set when nothing else watches the connection: called when the client leaves
    /// (`.clientClosed`) or the server asks its connections to wind down (`.hubShutdown`).
    var onConnectionEnding: ((SubscriberQueue.Ending) -> Void)?

    /// The connection's writability, kept from its events rather than asked of the channel on
    /// every write.
    private(set) var isWritable = false
    private var probe = PeerReadingProbe()

    /// Before a write: whether the client left unread what it was sent, as its TCP window told at
    /// the last reading, read again first if one is due.
    func clientIsBehindBeforeWriting() -> Bool {
        guard let context else { return probe.clientIsBehind }
        return probe.clientIsBehind(beforeWritingTo: context.channel)
    }

    /// Reads the client's window now; whether it is still behind.
    func checkClient() -> Bool {
        if let context { probe.check(context.channel) }
        return probe.clientIsBehind
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        isWritable = context.channel.isWritable
        probe.check(context.channel)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        isWritable = false
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        isWritable = context.channel.isWritable
        if !isWritable { hasBeenUnwritable = true }
        if isWritable, hasBeenUnwritable, let onFirstDrain {
            self.onFirstDrain = nil
            onFirstDrain()
        }
        if isWritable { onWritable() }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        onConnectionEnding?(.clientClosed)
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let onConnectionEnding {
            switch event {
            case ChannelEvent.inputClosed: onConnectionEnding(.clientClosed)
            case is ChannelShouldQuiesceEvent: onConnectionEnding(.hubShutdown)
            default: break
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// Writes `chunk`, an HTTP/1.1 chunk, and flushes.
    func writeChunk(_ chunk: ByteBuffer) {
        guard !responseEnded, let context else { return }
        context.writeAndFlush(wrapOutboundOut(chunk), promise: nil)
        probe.wrote(chunk.readableBytes)
    }

    /// Writes the last chunk, which ends the response, and closes the connection once it is sent.
    func endResponseAndClose() {
        guard !responseEnded, let context else { return }
        responseEnded = true
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(HTTP1Chunk.last)).whenComplete { _ in
            channel.close(promise: nil)
        }
    }
}
