import Hummingbird
import NIOCore

/// A subscribe request answered once, for clients that cannot keep a stream open (no `EventSource`,
/// or a proxy that holds a streamed response back): `GET /.well-known/mercure?topic=…&lastEventID=…&longPoll=1`.
///
/// The answer is a complete `text/event-stream` response, so a client reads it with the parser it
/// reads streams with, and the same ids, topics, authorization and private-update rules apply:
/// - the updates after `lastEventID` the subscriber may see, a page of history at most, at once;
/// - else the first live updates published within ``HubConfiguration/longPollTimeout``;
/// - else no event.
///
/// The next request's `lastEventID` is the id of the last event received, or, with none, the
/// response's `Last-Event-ID` header (sent on every answer). Without `lastEventID` the hub answers at
/// once with no event and the newest id in the header: the cursor to start polling from.
struct LongPoll: Sendable {
    /// The query parameter asking for a long poll.
    static let parameter = "longPoll"

    let subscription: Subscription
    let timeout: Duration

    /// The answer's body, and the cursor for the next poll.
    struct Answer {
        var body = ByteBuffer()
        var lastEventID: String?
    }

    /// Waits for the answer, then ends the subscription.
    func answer() async throws -> Answer {
        defer { subscription.lease.close() }
        guard let replay = subscription.replay else {
            // No cursor given: nothing to send yet, only where to start.
            return Answer(lastEventID: try await subscription.lease.hub.lastEventID())
        }
        var answer = Answer(lastEventID: replay.throughID ?? "earliest")
        if try await readHistory(replay, into: &answer) { return answer }
        if case .frames(let frames) = await nextLiveFrames(after: replay.through) {
            answer.body = frames
            // The events carry their ids; the header keeps the cursor of an answer without one.
            answer.lastEventID = nil
        }
        return answer
    }

    /// The first page of history after the cursor with events for this subscriber; `true` if it found one.
    private func readHistory(_ replay: Subscription.Replay, into answer: inout Answer) async throws -> Bool {
        let hub = subscription.lease.hub
        let subscriber = subscription.lease.subscriber
        var cursor = replay.after
        while cursor < replay.through {
            let page = try await hub.store.updates(
                after: cursor,
                through: replay.through,
                limit: SubscriptionFrames.historyPageSize,
                maximumBytes: SubscriptionFrames.historyPageBytes
            )
            guard let last = page.last else { return false }
            cursor = last.sequence
            for update in page where subscriber.wants(update) {
                var frame = update.frame
                answer.body.writeBuffer(&frame)
                answer.lastEventID = update.id
            }
            if answer.body.readableBytes > 0 { return true }
        }
        return false
    }

    /// The live frames queued first, or nothing once the timeout passes or the subscription ends.
    private func nextLiveFrames(after skipping: Int64) async -> SubscriberQueue.Batch {
        let queue = subscription.lease.subscriber.queue
        let timeout = self.timeout
        return await withTaskGroup(of: SubscriberQueue.Batch.self) { group in
            group.addTask { await queue.next(after: skipping) }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return .cancelled
            }
            let first = await group.next() ?? .cancelled
            group.cancelAll()
            return first
        }
    }
}
