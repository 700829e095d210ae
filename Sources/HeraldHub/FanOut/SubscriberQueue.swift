import DequeModule
import NIOCore
import Synchronization

/// The updates waiting to be written to one subscriber, bounded in count and bytes.
///
/// The hub offers updates without waiting; a subscriber that falls further behind than the limits
/// is ended with ``Ending/lagging`` and its queue emptied, so one slow client never grows the hub's
/// memory or delays the others. It can resume from history with `Last-Event-ID`.
final class SubscriberQueue: Sendable {
    /// Why a subscriber's stream ended.
    enum Ending: Sendable, Equatable {
        /// It fell behind by more than the queue holds.
        case lagging
        /// Its token expired.
        case tokenExpired
        /// It reached the hub's write timeout, so that clients reconnect now and then.
        case writeTimeout
        /// The hub is shutting down.
        case hubShutdown
        /// The client closed its connection.
        case clientClosed
    }

    /// What became of an offered update.
    enum Offer: Equatable {
        case queued
        /// The queue was full: the subscriber is now ended with `.lagging`.
        case overflowed
        /// The subscriber had already ended.
        case ended
    }

    /// What ``next(after:)`` returns.
    enum Batch {
        /// Every queued frame, in order, in one buffer.
        case frames(ByteBuffer)
        case ended(Ending)
        /// The waiting task was cancelled.
        case cancelled
    }

    private struct Entry {
        let sequence: Int64
        let frame: ByteBuffer
        /// The frame as an HTTP/1.1 chunk, made once for every subscriber.
        let chunk: ByteBuffer
    }

    private struct State {
        var entries: Deque<Entry> = []
        var bytes = 0
        /// The waiting reader. Unsafe rather than checked (which allocates on every wait, once per
        /// delivery): it is resumed exactly once, by whoever takes it out of here under the lock.
        var waiter: UnsafeContinuation<Void, Never>?
        var ending: Ending?
        /// When frames were last taken for writing (monotonic), for heartbeats.
        var lastActivity = ContinuousClock.now
        /// Set once the subscriber is live: frames are then written by this writer, on the
        /// connection's event loop, and the waiting reader only waits for the ending.
        var writer: SubscriberChannelWriter?
        /// Whether the writer was asked to write and has not taken the frames yet, so that a burst of
        /// offers asks once. It stays set while the writer waits for its connection to drain, which
        /// wakes it.
        var writeScheduled = false
        /// Called if the queue ends before a writer takes over.
        var endHandler: (@Sendable (Ending) -> Void)?

        /// Queues `entry`; returns its bytes, for the hub-wide account.
        mutating func append(_ entry: Entry) -> Int {
            entries.append(entry)
            bytes += entry.frame.readableBytes
            return entry.frame.readableBytes
        }

        /// Forgets every queued entry; returns their bytes, to take out of the hub-wide account.
        mutating func removeAllEntries(keepingCapacity: Bool) -> Int {
            defer { bytes = 0 }
            entries.removeAll(keepingCapacity: keepingCapacity)
            return bytes
        }

        /// Ends the queue with `ending` unless it has ended; returns who must learn of it.
        mutating func end(_ ending: Ending) -> EndingWake {
            let waiter = self.waiter.take()
            guard self.ending == nil else { return EndingWake(waiter: waiter, writer: nil, endHandler: nil) }
            self.ending = ending
            return EndingWake(waiter: waiter, writer: writer, endHandler: endHandler.take())
        }
    }

    /// Who learns that the queue ended: the waiting task, the writer (which ends the stream itself),
    /// and the handler of a stream not live yet.
    private struct EndingWake {
        let waiter: UnsafeContinuation<Void, Never>?
        let writer: SubscriberChannelWriter?
        let endHandler: (@Sendable (Ending) -> Void)?

        func callAsFunction(_ ending: Ending) {
            waiter?.resume()
            writer.map { $0.coalescer.laggards.end($0) }
            endHandler?(ending)
        }
    }

    /// Who to wake after an offer: the waiting reader, or the writer.
    private enum Wake {
        case reader(UnsafeContinuation<Void, Never>)
        case writer(SubscriberChannelWriter)
        /// Only from ``offer(_:writes:)``: the update was not queued, the writer writes it now.
        case writerNow(SubscriberChannelWriter)

        func callAsFunction() {
            switch self {
            case .reader(let continuation): continuation.resume()
            case .writer(let writer), .writerNow(let writer): writer.scheduleWrite()
            }
        }
    }

    private let limits: BacklogLimits
    /// The hub-wide account this queue's bytes are counted in.
    private let budget: BacklogBudget?
    private let state = Mutex(State())
    private let pausedWriter = Atomic(false)

    /// Whether the writer waits for its client to catch up (``LaggardTurns``): a dispatch then offers
    /// to this queue after those whose writers write now. Read without the lock; a stale reading
    /// only changes the order of offers.
    var writerIsPaused: Bool {
        get { pausedWriter.load(ordering: .relaxed) }
        set { pausedWriter.store(newValue, ordering: .relaxed) }
    }

    init(maximumUpdates: Int, maximumBytes: Int, budget: BacklogBudget? = nil) {
        self.limits = BacklogLimits(updates: maximumUpdates, bytes: maximumBytes)
        self.budget = budget
    }

    deinit {
        // Whatever was never written leaves the hub-wide account with the queue.
        budget?.subtract(state.withLock { $0.bytes })
    }

    /// The bytes waiting to be written now.
    var queuedBytes: Int { state.withLock { $0.bytes } }

    /// Queues `update` for writing, without waiting; a writer that must write it is added to `writes`
    /// for the caller to schedule.
    func offer(_ update: LiveUpdate, writes: inout WokenWriters) -> Offer {
        let (offer, wake) = state.withLock { state -> (Offer, Wake?) in
            guard state.ending == nil else { return (.ended, nil) }
            // Nothing waits before it and the writer can write it now: it skips the queue.
            if state.entries.isEmpty, !state.writeScheduled, let writer = state.writer, writes.writesAtOnce(with: writer) {
                state.lastActivity = .now
                return (.queued, .writerNow(writer))
            }
            let size = update.frame.readableBytes
            if !limits.allow(updates: state.entries.count + 1, bytes: state.bytes + size) {
                state.ending = .lagging
                // Evaluated apart: `budget?.` would skip its argument when there is no budget.
                let freed = state.removeAllEntries(keepingCapacity: false)
                budget?.subtract(freed)
                // Whoever ends the stream learns of it: the waiting task, or else the writer.
                return (.overflowed, state.waiter.take().map(Wake.reader) ?? state.writer.map(Wake.writer))
            }
            let added = state.append(Entry(sequence: update.sequence, frame: update.frame, chunk: update.chunk))
            budget?.add(added)
            return (.queued, Self.wakeForNewFrames(&state))
        }
        switch wake {
        case .writer(let writer): writes.add(writer)
        case .writerNow(let writer): writer.write(update)
        case .reader(let continuation): continuation.resume()
        case nil: break
        }
        return offer
    }

    /// Queues a heartbeat comment (`frame`, and it as an HTTP/1.1 `chunk`) if nothing was written
    /// since `idleSince` and nothing waits.
    func offerHeartbeat(_ frame: ByteBuffer, chunk: ByteBuffer, ifIdleSince idleSince: ContinuousClock.Instant) {
        let wake = state.withLock { state -> Wake? in
            guard state.ending == nil, state.entries.isEmpty, state.lastActivity <= idleSince else { return nil }
            // Never dropped as already replayed: a heartbeat has no place in the update order.
            let added = state.append(Entry(sequence: .max, frame: frame, chunk: chunk))
            budget?.add(added)
            state.lastActivity = .now
            return Self.wakeForNewFrames(&state)
        }
        wake?()
    }

    private static func wakeForNewFrames(_ state: inout State) -> Wake? {
        guard let writer = state.writer else { return state.waiter.take().map(Wake.reader) }
        guard !state.writeScheduled else { return nil }
        state.writeScheduled = true
        return .writer(writer)
    }

    /// Hands the writing to `writer` from now on, which first writes what is already queued.
    func writeDirectly(with writer: SubscriberChannelWriter) {
        let wake = state.withLock { state -> Wake? in
            state.writer = writer
            state.endHandler = nil
            return state.entries.isEmpty && state.ending == nil ? nil : Self.wakeForNewFrames(&state)
        }
        wake?()
    }

    /// Forgets the writer, once the stream ended.
    func stopWritingDirectly() {
        state.withLock { $0.writer = nil }
    }

    /// Waits until the queue ends (frames go to the writer meanwhile); `nil` when the waiting task
    /// was cancelled.
    func ending() async -> Ending? {
        while true {
            if let ending = state.withLock({ $0.ending }) { return ending }
            if Task.isCancelled { return nil }
            await waitForWake(onFrames: false)
        }
    }

    /// Ends the subscriber as lagging and drops what it has queued, to bring the hub-wide backlog back
    /// under its bound; returns the bytes freed. It can resume from history.
    @discardableResult
    func shed() -> Int {
        let (freed, wake) = state.withLock { state in
            (state.removeAllEntries(keepingCapacity: false), state.end(.lagging))
        }
        budget?.subtract(freed)
        wake(.lagging)
        return freed
    }

    /// Ends the subscriber: what is queued is still written, then the stream ends with `ending`.
    /// The first ending wins.
    func end(_ ending: Ending) {
        state.withLock { $0.end(ending) }(ending)
    }

    /// Until a writer takes over (``writeDirectly(with:)``): calls `handler` if the queue ends
    /// meanwhile, at once if it has ended already. A stream still sending history to a client that
    /// stopped reading is ended this way when its deadline comes.
    func onEndBeforeWriter(_ handler: @escaping @Sendable (Ending) -> Void) {
        let ending = state.withLock { state -> Ending? in
            guard state.ending == nil else { return state.ending }
            state.endHandler = handler
            return nil
        }
        if let ending { handler(ending) }
    }

    /// Drops the handler given to ``onEndBeforeWriter(_:)``: for a stream that goes live with no
    /// writer, its task reading the queue instead.
    func dropEndHandler() {
        state.withLock { $0.endHandler = nil }
    }

    /// Whether the queue has ended (what it still holds can be taken).
    var hasEnded: Bool {
        state.withLock { $0.ending != nil }
    }

    /// Waits until something is queued or the queue ends, then takes every queued frame whose
    /// sequence is above `skipping` (frames already sent from history are dropped).
    func next(after skipping: Int64) async -> Batch {
        while true {
            if let batch = take(after: skipping) { return batch }
            if Task.isCancelled { return .cancelled }
            await waitForWake(onFrames: true)
        }
    }

    /// Suspends until the ending or cancellation wakes the waiting reader, or (`onFrames`) an offer.
    private func waitForWake(onFrames: Bool) async {
        await withTaskCancellationHandler {
            await withUnsafeContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    let framesForTheReader = onFrames && state.writer == nil && !state.entries.isEmpty
                    if framesForTheReader || state.ending != nil || Task.isCancelled { return true }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiter.take() }?.resume()
        }
    }

    /// Takes every queued frame whose sequence is above `skipping`, joined in one buffer; `.ended`
    /// once the queue ended with nothing left, `nil` when there is nothing yet.
    func take(after skipping: Int64) -> Batch? {
        switch takeEntries(after: skipping) {
        case (.none, let ending): ending.map { .ended($0) }
        case (.one(let entry), _): .frames(entry.frame)
        case (.many(let frames), _): .frames(frames)
        }
    }

    /// What a writer takes from the queue in one go.
    struct TakenChunk {
        /// The queued frames as one HTTP/1.1 chunk, with the size of the frames alone; `nil` when
        /// there was none.
        var frames: (chunk: ByteBuffer, eventBytes: Int)?
        /// Whether the queue has ended: nothing more will come after these frames.
        var hasEnded: Bool
    }

    /// Takes every queued frame whose sequence is above `skipping`, framed as one HTTP/1.1 chunk,
    /// and whether the queue has ended, under one lock.
    func takeChunk(after skipping: Int64) -> TakenChunk {
        let (taken, ending) = takeEntries(after: skipping)
        switch taken {
        case .none:
            return TakenChunk(frames: nil, hasEnded: ending != nil)
        case .one(let entry):
            return TakenChunk(
                frames: (entry.chunk, entry.frame.readableBytes),
                hasEnded: ending != nil
            )
        case .many(let frames):
            return TakenChunk(frames: (HTTP1Chunk.framing(frames), frames.readableBytes), hasEnded: ending != nil)
        }
    }

    private enum Taken {
        case none
        /// One frame, the usual case: its bytes as they are, shared with every subscriber.
        case one(Entry)
        case many(ByteBuffer)
    }

    /// Takes the eligible entries, and reads the queue's ending under the same lock.
    private func takeEntries(after skipping: Int64) -> (taken: Taken, ending: Ending?) {
        state.withLock { state -> (Taken, Ending?) in
            state.writeScheduled = false
            defer {
                let taken = state.removeAllEntries(keepingCapacity: true)
                budget?.subtract(taken)
            }
            // Every entry is checked, not only the first: a heartbeat may sit before an update
            // that was already sent from history.
            var eligible = state.entries.lazy.filter { $0.sequence > skipping }.makeIterator()
            guard let first = eligible.next() else { return (.none, state.ending) }
            state.lastActivity = .now
            guard let second = eligible.next() else { return (.one(first), state.ending) }
            var joined = ByteBuffer()
            joined.reserveCapacity(state.bytes)
            joined.writeImmutableBuffer(first.frame)
            joined.writeImmutableBuffer(second.frame)
            while let entry = eligible.next() { joined.writeImmutableBuffer(entry.frame) }
            return (.many(joined), state.ending)
        }
    }
}
