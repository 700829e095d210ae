public import NIOCore

/// An update as the store keeps it: its place in the hub's order, what matching needs, and the
/// event-stream bytes every subscriber receives.
public struct StoredUpdate: Sendable {
    /// Increases with every update the store accepts; history and live delivery are ordered by it.
    public let sequence: Int64
    /// The update's id, the event's `id`.
    public let id: String
    /// The update's topics, canonical first.
    public let topics: [String]
    /// Whether only authorized subscribers may receive it.
    public let isPrivate: Bool
    /// The encoded event (`id:`, `event:`, `retry:`, `data:` lines and the blank line), shared by all
    /// subscribers.
    public let frame: ByteBuffer

    /// Creates a stored update.
    public init(sequence: Int64, id: String, topics: [String], isPrivate: Bool, frame: ByteBuffer) {
        self.sequence = sequence
        self.id = id
        self.topics = topics
        self.isPrivate = isPrivate
        self.frame = frame
    }
}
