/// How much may wait to be written, for one subscriber or one event loop: a number of updates and
/// the bytes of their events. Whoever has more waiting has stopped keeping up.
struct BacklogLimits: Sendable, Equatable {
    let updates: Int
    let bytes: Int

    /// Whether a backlog of `count` updates, `total` bytes in all, is within the limits.
    func allow(updates count: Int, bytes total: Int) -> Bool {
        count <= updates && total <= bytes
    }
}
