import Prometheus
import NIOCore

/// A subscriber's stream, ready to become a response: the history to replay first, then live updates.
struct Subscription: Sendable {
    /// History to replay: updates with sequence numbers in `after…through`.
    struct Replay: Sendable {
        let after: Int64
        let through: Int64
    }

    let lease: SubscriptionLease
    let replay: Replay?
    /// The `Last-Event-ID` response header: the id before the first event sent, or `earliest`.
    let responseLastEventID: String?

    /// The encoded frames to write.
    var frames: SubscriptionFrames {
        SubscriptionFrames(lease: lease, replay: replay)
    }
}

/// The frames of one subscription: replayed history in pages, then batches of live updates.
struct SubscriptionFrames: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    /// The page size when reading history: bounds the memory one replay takes.
    static let historyPageSize = 256

    let lease: SubscriptionLease
    let replay: Subscription.Replay?

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(lease: lease, historyCursor: replay?.after, historyThrough: replay?.through ?? 0)
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        let lease: SubscriptionLease
        var historyCursor: Int64?
        let historyThrough: Int64

        mutating func next() async throws -> ByteBuffer? {
            let hub = lease.hub
            let subscriber = lease.subscriber
            while let cursor = historyCursor {
                let page = try await hub.store.updates(after: cursor, through: historyThrough, limit: SubscriptionFrames.historyPageSize)
                guard let last = page.last else {
                    historyCursor = nil
                    break
                }
                historyCursor = last.sequence
                var batch = ByteBuffer()
                for update in page where subscriber.wants(update) {
                    var frame = update.frame
                    batch.writeBuffer(&frame)
                }
                if batch.readableBytes > 0 {
                    hub.metrics.bytesSent.increment(by: Int64(batch.readableBytes))
                    return batch
                }
            }
            switch await subscriber.queue.next(after: historyThrough) {
            case .frames(let batch):
                hub.metrics.bytesSent.increment(by: Int64(batch.readableBytes))
                return batch
            case .ended(.lagging):
                lease.close()
                throw SubscriberLagging()
            case .ended, .cancelled:
                lease.close()
                return nil
            }
        }
    }
}

/// A subscriber fell further behind than its queue holds; its connection is closed, and it can
/// resume from history with `Last-Event-ID`.
struct SubscriberLagging: Error, CustomStringConvertible {
    var description: String { "the subscriber fell further behind than its queue holds" }
}
