import NIOCore
import Synchronization

/// The hub's ``WriteCoalescer``s, one per event loop that serves subscribers.
final class WriteCoalescers: Sendable {
    private let window: Duration
    private let waitingLimits: BacklogLimits
    /// Keyed by the loop's identity; a coalescer keeps its loop alive, so no key is ever reused. A
    /// server has a handful of loops.
    private let coalescers = Mutex<[ObjectIdentifier: WriteCoalescer]>([:])

    /// Coalescers writing once per `window`, with at most `waitingLimits` of updates waiting for
    /// each loop.
    init(window: Duration, waitingLimits: BacklogLimits) {
        self.window = window
        self.waitingLimits = waitingLimits
    }

    /// The coalescer of `eventLoop`, made on first use.
    func coalescer(for eventLoop: any EventLoop) -> WriteCoalescer {
        coalescers.withLock { coalescers in
            let key = ObjectIdentifier(eventLoop)
            if let coalescer = coalescers[key] { return coalescer }
            let coalescer = WriteCoalescer(eventLoop: eventLoop, window: window, waitingLimits: waitingLimits)
            coalescers[key] = coalescer
            return coalescer
        }
    }
}
