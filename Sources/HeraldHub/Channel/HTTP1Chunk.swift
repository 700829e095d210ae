import NIOCore

/// HTTP/1.1's chunked transfer coding, the one place Herald frames bytes as chunks: a subscriber's
/// response goes without a `Content-Length`, so on HTTP/1.1 its body is sent as chunks, and the
/// hub writes those itself below Hummingbird's HTTP handlers (see ``SubscriberStreamHandler``).
///
/// A chunk is its payload's size in hexadecimal, CRLF, the payload, CRLF; a chunk of size zero
/// ends the body.
enum HTTP1Chunk {
    /// `payload` framed as one chunk, in one buffer.
    static func framing(_ payload: ByteBuffer) -> ByteBuffer {
        var chunk = ByteBuffer()
        chunk.reserveCapacity(payload.readableBytes + 20)
        chunk.writeString(headText(size: payload.readableBytes))
        chunk.writeImmutableBuffer(payload)
        chunk.writeImmutableBuffer(tail)
        return chunk
    }

    /// What goes before a payload of `size` bytes. With ``tail``, frames a large payload written
    /// apart, without copying it into a chunk.
    static func head(size: Int) -> ByteBuffer {
        ByteBuffer(string: headText(size: size))
    }

    private static func headText(size: Int) -> String {
        String(size, radix: 16) + "\r\n"
    }

    /// What goes after a chunk's payload.
    static let tail = ByteBuffer(string: "\r\n")

    /// The last chunk, which ends the body (with no trailer fields).
    static let last = ByteBuffer(string: "0\r\n\r\n")
}
