import ServerSentEvents

/// Events made on a timer, the Swift form of the seeds' `while (true) { echo …; sleep(n); }`.
///
/// Pull-driven: the next tick is waited for only when the response asks for an event, so a slow
/// client slows the ticker rather than queueing events. Cancellation (the client left) ends it and
/// is recorded in ``DemoActivity``.
struct TickingEvents: AsyncSequence, Sendable {
    typealias Element = ServerSentEvent

    let stream: DemoActivity.Stream
    let activity: DemoActivity
    let interval: Duration
    let firstTick: Int
    /// The events of one tick; none is fine (the ticker waits for the next).
    let eventsAtTick: @Sendable (Int) -> [ServerSentEvent]

    func makeAsyncIterator() -> Iterator {
        activity.opened(stream)
        return Iterator(ticker: self, tick: firstTick)
    }

    struct Iterator: AsyncIteratorProtocol {
        let ticker: TickingEvents
        var tick: Int
        var pending: [ServerSentEvent] = []
        var ended = false

        mutating func next() async -> ServerSentEvent? {
            while pending.isEmpty {
                if ended { return nil }
                do {
                    try await Task.sleep(for: ticker.interval)
                } catch {
                    ended = true
                    ticker.activity.closed(ticker.stream)
                    return nil
                }
                pending = ticker.eventsAtTick(tick).reversed()
                tick += 1
            }
            return pending.removeLast()
        }
    }
}
