import NIOCore

/// Paces the live writes to one event loop's subscribers: under a stream of updates, each subscriber
/// is written at most once per window, with everything queued for it in one write. It alone decides
/// whether a published update is written now or later (``startDispatch(of:)``, ``write(_:)``); a
/// subscriber's queue only keeps the order, and its writer only waits for a connection that takes
/// no more.
///
/// A delivery's cost is mostly its system call, not its bytes, so writing the updates of a burst
/// together costs a fraction of writing them one by one. An update arriving after a quiet window is
/// written at once: only updates that follow one another within the window wait, and for at most the
/// window.
///
/// A writer whose client leaves what it is sent unread (``PeerReadingProbe``) is not written with
/// the others: it waits in ``laggards`` until its client catches up.
final class WriteCoalescer: Sendable {
    let eventLoop: any EventLoop
    /// The loop's work for subscribers that wait for the others.
    let laggards: LaggardTurns
    /// The updates waiting for this loop to offer them to its subscribers.
    let handover: UpdateHandover
    private let window: TimeAmount
    private let state: NIOLoopBoundBox<State>

    private struct State: Sendable {
        /// The writers to run at the next flush; each is here at most once, as its queue asks for one
        /// write until the write takes its frames.
        var waiting: [SubscriberChannelWriter] = []
        var flushIsScheduled = false
        /// When the loop last began writing a batch, and when it finished; `nil` before the first.
        var lastFlushStart: NIODeadline?
        var lastFlushEnd: NIODeadline?

        /// Whether the loop wrote nothing in the last window, so an update may be written at once.
        ///
        /// The quiet window runs from when the last writes *ended*: a pass over many subscribers can
        /// take longer than the window, and a loop that spends its time writing (many subscribers, a
        /// steady stream) must not find every next update "after a quiet window" and write it alone,
        /// a system call per update and subscriber, just when it can least afford them. A flush is
        /// due a window after the last writes *began*: after a long pass it is due at once, with
        /// everything that arrived during it, and the loop never idles while updates wait.
        func isQuiet(at now: NIODeadline, window: TimeAmount) -> Bool {
            guard let lastFlushEnd else { return true }
            return now >= lastFlushEnd + window
        }
    }

    /// A coalescer for `eventLoop`; a `window` of zero writes every batch at once. At most
    /// `waitingLimits` of updates wait for the loop to take them.
    init(eventLoop: any EventLoop, window: Duration, waitingLimits: BacklogLimits = BacklogLimits(updates: 10_000, bytes: 16 << 20)) {
        self.eventLoop = eventLoop
        self.laggards = LaggardTurns(eventLoop: eventLoop)
        self.handover = UpdateHandover(limits: waitingLimits)
        self.window = TimeAmount(window)
        self.state = .makeBoxSendingValue(State(), as: State.self, eventLoop: eventLoop)
    }

    /// From any thread: has `writers`, all on this loop, write their queued frames: now, if the loop
    /// wrote nothing in the last window, otherwise when the window ends.
    func write(_ writers: [SubscriberChannelWriter]) {
        if eventLoop.inEventLoop {
            enqueue(writers)
        } else {
            eventLoop.execute { self.enqueue(writers) }
        }
    }

    /// On the event loop, as it begins offering `updateCount` updates to its subscribers: the writers
    /// the offers wake, and whether they write as they are woken.
    ///
    /// A lone update after a quiet window is written to each subscriber as it is offered, so the
    /// first subscribers do not wait for the offers to the last. The updates of a batch are all
    /// offered first, so that each subscriber gets them in one write; and within a window, writes
    /// wait for its end.
    func startDispatch(of updateCount: Int) -> WokenWriters {
        WokenWriters(writingAtOnceOn: updateCount == 1 && startWritingNow() ? self : nil)
    }

    /// On the event loop: whether the loop may write now, having written nothing in the last window.
    /// If so, its writes start now.
    private func startWritingNow() -> Bool {
        let now = eventLoop.now
        guard !state.value.flushIsScheduled, state.value.isQuiet(at: now, window: window) else { return false }
        state.value.lastFlushStart = now
        return true
    }

    private func enqueue(_ writers: [SubscriberChannelWriter]) {
        if state.value.flushIsScheduled {
            state.value.waiting += writers
            return
        }
        let now = eventLoop.now
        if state.value.isQuiet(at: now, window: window) {
            writeNow(writers)
            return
        }
        state.value.waiting = writers
        state.value.flushIsScheduled = true
        eventLoop.scheduleTask(deadline: (state.value.lastFlushStart ?? now) + window) { self.flush() }
    }

    private func flush() {
        let writers = state.value.waiting
        state.value.waiting = []
        state.value.flushIsScheduled = false
        writeNow(writers)
    }

    /// Has `writers` write, noting when the writes began and ended; those whose clients are behind
    /// on reading wait until they catch up.
    private func writeNow(_ writers: [SubscriberChannelWriter]) {
        state.value.lastFlushStart = eventLoop.now
        for writer in writers {
            if writer.clientIsBehind {
                laggards.pause(writer)
            } else {
                writer.writeQueuedFrames()
            }
        }
        state.value.lastFlushEnd = eventLoop.now
    }

    /// On the event loop, when a dispatch that wrote as it offered (``startDispatch(of:)``) is done.
    func finishedWritingAtOnce() {
        state.value.lastFlushEnd = eventLoop.now
    }
}
