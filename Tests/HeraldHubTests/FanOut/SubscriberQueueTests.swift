import NIOCore
import Testing

@testable import HeraldHub

extension SubscriberQueue {
    /// Offers `update` as the hub's dispatch does: these queues have no writer, so nothing is scheduled.
    fileprivate func offer(_ update: LiveUpdate) -> Offer {
        var writes = WokenWriters()
        defer { writes.schedule() }
        return offer(update, writes: &writes)
    }

    /// Offers a heartbeat comment as the hub's sweep does; by default, whatever was written last.
    fileprivate func offerHeartbeat(ifIdleSince idleSince: ContinuousClock.Instant = .now + .seconds(1)) {
        let frame = ByteBuffer(string: ":\n")
        offerHeartbeat(frame, chunk: HTTP1Chunk.framing(frame), ifIdleSince: idleSince)
    }
}

@Suite struct SubscriberQueueTests {
    private func update(_ sequence: Int64, _ text: String) -> LiveUpdate {
        LiveUpdate(StoredUpdate(sequence: sequence, id: "\(sequence)", topics: ["t"], isPrivate: false, frame: ByteBuffer(string: text)))
    }

    private func address(of buffer: ByteBuffer) -> UInt {
        buffer.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
    }

    private func frames(_ batch: SubscriberQueue.Batch) -> String? {
        if case .frames(let buffer) = batch { return String(buffer: buffer) }
        return nil
    }

    @Test func queuedFramesAreTakenInOrderAsOneBuffer() async {
        let queue = SubscriberQueue(maximumUpdates: 10, maximumBytes: 1 << 20)
        #expect(queue.offer(update(1, "a")) == .queued)
        #expect(queue.offer(update(2, "b")) == .queued)
        #expect(queue.offer(update(3, "c")) == .queued)
        #expect(frames(await queue.next(after: 0)) == "abc")
    }

    @Test func updatesAlreadyReplayedAreSkippedEvenBehindAHeartbeat() async {
        let queue = SubscriberQueue(maximumUpdates: 10, maximumBytes: 1 << 20)
        queue.offerHeartbeat()
        #expect(queue.offer(update(5, "replayed")) == .queued)
        #expect(queue.offer(update(6, "live")) == .queued)
        #expect(frames(await queue.next(after: 5)) == ":\nlive")
    }

    @Test func framesTakenForAConnectionAreOneHTTPChunk() {
        let queue = SubscriberQueue(maximumUpdates: 10, maximumBytes: 1 << 20)
        // One frame: the chunk the hub made for it, shared by every subscriber, is taken as it is.
        let single = update(1, "data: x\n\n")
        _ = queue.offer(single)
        let taken = queue.takeChunk(after: 0).frames
        #expect(taken.map { String(buffer: $0.chunk) } == "9\r\ndata: x\n\n\r\n")
        // The very bytes, not a copy of them.
        #expect(taken.map { address(of: $0.chunk) } == address(of: single.chunk))
        #expect(taken?.eventBytes == 9)
        // Several: joined in one chunk, its size in hexadecimal (0x1a = 26 bytes).
        queue.offerHeartbeat()
        _ = queue.offer(update(2, "data: replayed already\n\n"))
        _ = queue.offer(update(3, "data: abcdefghijklmnop\n\n"))
        let joined = queue.takeChunk(after: 2)
        #expect(joined.frames.map { String(buffer: $0.chunk) } == "1a\r\n:\ndata: abcdefghijklmnop\n\n\r\n")
        #expect(joined.frames?.eventBytes == 26)
        #expect(!joined.hasEnded)
        #expect(queue.takeChunk(after: 2).frames == nil)
        // The ending is read with the frames: what a writer ending the stream needs to know.
        _ = queue.offer(update(4, "data: last\n\n"))
        queue.end(.tokenExpired)
        let last = queue.takeChunk(after: 2)
        #expect(last.frames?.eventBytes == 12)
        #expect(last.hasEnded)
    }

    @Test func overflowEndsTheSubscriberAsLaggingAndEmptiesItsQueue() async {
        let queue = SubscriberQueue(maximumUpdates: 2, maximumBytes: 1 << 20)
        #expect(queue.offer(update(1, "a")) == .queued)
        #expect(queue.offer(update(2, "b")) == .queued)
        #expect(queue.offer(update(3, "c")) == .overflowed)
        #expect(queue.offer(update(4, "d")) == .ended)
        guard case .ended(.lagging) = await queue.next(after: 0) else {
            Issue.record("a lagging subscriber's queue must end, not deliver what it held")
            return
        }
    }

    @Test func byteLimitCountsToo() {
        let queue = SubscriberQueue(maximumUpdates: 100, maximumBytes: 10)
        #expect(queue.offer(update(1, "123456")) == .queued)
        #expect(queue.offer(update(2, "123456")) == .overflowed)
    }

    @Test func heartbeatIsOnlySentToAnIdleSubscriber() async {
        let queue = SubscriberQueue(maximumUpdates: 10, maximumBytes: 1 << 20)
        // Frames were just taken (at creation): not idle since a moment ago.
        queue.offerHeartbeat(ifIdleSince: .now - .seconds(60))
        #expect(queue.offer(update(1, "a")) == .queued)
        #expect(frames(await queue.next(after: 0)) == "a")
    }

    @Test func theHubWideBudgetCountsWhatIsQueuedUntilItIsTakenShedOrReleased() async {
        let budget = BacklogBudget(limit: 10)
        do {
            let queue = SubscriberQueue(maximumUpdates: 10, maximumBytes: 1 << 20, budget: budget)
            #expect(queue.offer(update(1, "abc")) == .queued)
            #expect(queue.offer(update(2, "de")) == .queued)
            #expect(budget.bytes == 5)
            _ = queue.takeChunk(after: 0)
            #expect(budget.bytes == 0)
            #expect(queue.offer(update(3, "fgh")) == .queued)
            #expect(queue.shed() == 3)
            #expect(budget.bytes == 0)
            guard case .ended(.lagging) = await queue.next(after: 0) else {
                Issue.record("a shed subscriber must end as lagging")
                return
            }
            let released = SubscriberQueue(maximumUpdates: 10, maximumBytes: 1 << 20, budget: budget)
            #expect(released.offer(update(4, "ijkl")) == .queued)
            #expect(budget.bytes == 4)
        }
        // The released queue's bytes left the account with it.
        #expect(budget.bytes == 0)
    }

    @Test func sheddingStartsOncePastTheBoundAndOneAtATime() {
        let budget = BacklogBudget(limit: 100)
        budget.add(100)
        #expect(!budget.startShedding())
        budget.add(1)
        #expect(budget.startShedding())
        #expect(!budget.startShedding())
        budget.finishedShedding()
        #expect(budget.startShedding())
        #expect(budget.sheddingTarget == 80)
    }
}
