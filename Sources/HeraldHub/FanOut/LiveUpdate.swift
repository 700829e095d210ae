import NIOCore

/// A stored update on its way to live subscribers: the update as the store keeps it, and its frame
/// as an HTTP/1.1 chunk, made once when the hub dispatches it and shared by every subscriber whose
/// connection the hub writes to directly.
///
/// The chunk lives here, not in ``StoredUpdate``: what the store keeps and replays carries no
/// transport framing, and subscribers on HTTP/2 or long polls take the frame alone.
struct LiveUpdate: Sendable {
    let stored: StoredUpdate
    /// `stored.frame` as one HTTP/1.1 chunk.
    let chunk: ByteBuffer

    init(_ stored: StoredUpdate) {
        self.stored = stored
        self.chunk = HTTP1Chunk.framing(stored.frame)
    }

    var sequence: Int64 { stored.sequence }

    /// The encoded event, the same bytes for every subscriber.
    var frame: ByteBuffer { stored.frame }
}
