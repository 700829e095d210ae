import NIOCore
import Synchronization

/// The number of connections the server has open, whatever their protocol: the demo page shows it,
/// and tests read it to see that many streams share one connection.
public final class ConnectionCounter: Sendable {
    private let count = Atomic<Int>(0)

    public init() {}

    /// The connections open now.
    public var open: Int { count.load(ordering: .relaxed) }

    /// Counts `channel`, a connection being set up, until it closes.
    func count(_ channel: any Channel) {
        count.add(1, ordering: .relaxed)
        // No handler in the pipeline, so no hop on every read: the close is all there is to watch.
        channel.closeFuture.whenComplete { _ in self.count.subtract(1, ordering: .relaxed) }
    }
}
