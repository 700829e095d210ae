/// How much may wait to be written, for one subscriber or one event loop: a number of updates and
/// the bytes of their events. Whoever has more waiting has stopped keeping up.
public struct BacklogLimits: Sendable, Hashable {
    /// The most updates that may wait.
    public var updates: Int
    /// The most bytes of events that may wait.
    public var bytes: Int

    /// Limits of `updates` updates and `bytes` bytes, whichever comes first.
    public init(updates: Int, bytes: Int) {
        self.updates = updates
        self.bytes = bytes
    }

    /// Whether a backlog of `count` updates, `total` bytes in all, is within the limits.
    func allow(updates count: Int, bytes total: Int) -> Bool {
        count <= updates && total <= bytes
    }
}
