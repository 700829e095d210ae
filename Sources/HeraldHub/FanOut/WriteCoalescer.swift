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
final class WriteCoalescer: Sendable {
    let eventLoop: any EventLoop
    /// The updates waiting for this loop to offer them to its subscribers.
    let handover: UpdateHandover
    private let window: TimeAmount
    private let state: NIOLoopBoundBox<State>

    private struct State: Sendable {
        /// The writers to run at the next flush; each is here at most once, as its queue asks for one
        /// write until the write takes its frames.
        var waiting: [SubscriberChannelWriter] = []
        var flushIsScheduled = false
        /// When the loop last wrote a batch; `nil` before the first.
        var lastFlush: NIODeadline?
    }

    /// A coalescer for `eventLoop`; a `window` of zero writes every batch at once. At most
    /// `waitingLimits` of updates wait for the loop to take them.
    init(eventLoop: any EventLoop, window: Duration, waitingLimits: BacklogLimits = BacklogLimits(updates: 10_000, bytes: 16 << 20)) {
        self.eventLoop = eventLoop
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
    /// If so, the window starts now.
    private func startWritingNow() -> Bool {
        guard !state.value.flushIsScheduled else { return false }
        let now = eventLoop.now
        if let lastFlush = state.value.lastFlush, now < lastFlush + window { return false }
        state.value.lastFlush = now
        return true
    }

    private func enqueue(_ writers: [SubscriberChannelWriter]) {
        if state.value.flushIsScheduled {
            state.value.waiting += writers
            return
        }
        let now = eventLoop.now
        guard let lastFlush = state.value.lastFlush, now < lastFlush + window else {
            state.value.lastFlush = now
            for writer in writers { writer.writeQueuedFrames() }
            return
        }
        state.value.waiting = writers
        state.value.flushIsScheduled = true
        eventLoop.scheduleTask(deadline: lastFlush + window) { self.flush() }
    }

    private func flush() {
        let writers = state.value.waiting
        state.value.waiting = []
        state.value.flushIsScheduled = false
        state.value.lastFlush = eventLoop.now
        for writer in writers { writer.writeQueuedFrames() }
    }
}
