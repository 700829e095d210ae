import NIOCore

/// Sits next to the socket of a live subscriber's connection: writes the stream's frames as HTTP/1.1
/// chunks of the response already begun, below hummingbird's HTTP handlers, and tells the writer when
/// the connection drains after it held frames back.
///
/// Below the HTTP handlers, because a delivery then costs one write into the socket's buffer rather
/// than a pass through each of them. The framing matches the response's: hummingbird's HTTP/1 server
/// sends a streamed body chunked (its responses are HTTP/1.1 and carry no `Content-Length`), and the
/// hub checks that the pipeline has that encoder before going this way.
final class SubscriberStreamHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var context: ChannelHandlerContext?
    /// Called on the event loop when the connection becomes writable again.
    var onWritable: () -> Void = {}

    /// The connection's writability, kept from its events rather than asked of the channel on
    /// every write.
    private(set) var isWritable = false

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        isWritable = context.channel.isWritable
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        isWritable = false
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        isWritable = context.channel.isWritable
        if isWritable { onWritable() }
        context.fireChannelWritabilityChanged()
    }

    /// Writes `chunk`, an HTTP/1.1 chunk, and flushes.
    func writeChunk(_ chunk: ByteBuffer) {
        context?.writeAndFlush(wrapOutboundOut(chunk), promise: nil)
    }

    /// `payload` framed as one HTTP/1.1 chunk: its size in hexadecimal, CRLF, the payload, CRLF.
    static func chunk(of payload: ByteBuffer) -> ByteBuffer {
        var chunk = ByteBuffer()
        chunk.reserveCapacity(payload.readableBytes + 20)
        chunk.writeString(String(payload.readableBytes, radix: 16))
        chunk.writeStaticString("\r\n")
        chunk.writeImmutableBuffer(payload)
        chunk.writeStaticString("\r\n")
        return chunk
    }
}
