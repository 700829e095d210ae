import NIOCore
import Synchronization

/// The hub's ``WriteCoalescer``s, one per event loop that serves subscribers.
final class WriteCoalescers: Sendable {
    private let window: Duration
    /// Keyed by the loop's identity; a coalescer keeps its loop alive, so no key is ever reused. A
    /// server has a handful of loops.
    private let coalescers = Mutex<[ObjectIdentifier: WriteCoalescer]>([:])

    init(window: Duration) {
        self.window = window
    }

    /// The coalescer of `eventLoop`, made on first use.
    func coalescer(for eventLoop: any EventLoop) -> WriteCoalescer {
        coalescers.withLock { coalescers in
            let key = ObjectIdentifier(eventLoop)
            if let coalescer = coalescers[key] { return coalescer }
            let coalescer = WriteCoalescer(eventLoop: eventLoop, window: window)
            coalescers[key] = coalescer
            return coalescer
        }
    }
}
