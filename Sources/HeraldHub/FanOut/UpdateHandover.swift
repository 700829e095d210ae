import NIOCore
import Synchronization

/// The updates handed to one event loop to offer to its subscribers, gathered while the loop
/// is busy: a loop that falls behind the publishers takes several batches at once, so that each of
/// its subscribers gets them in one write, and it is asked to take them once, not once per batch.
final class UpdateHandover: Sendable {
    /// What ``hand(_:)`` did with the updates.
    enum Handed: Equatable {
        /// They wait with nothing before them: the loop must be asked to take them.
        case askTheLoop
        /// They wait after others the loop was already asked to take.
        case waitingWithOthers
        /// More than the limits allow were waiting: the loop has stopped taking them. Everything
        /// that waited was dropped; the loop's subscribers must be ended.
        case overflowed
    }

    private struct State {
        var updates: [LiveUpdate] = []
        var bytes = 0
        var loopWasAsked = false
    }

    private let limits: BacklogLimits
    private let state = Mutex(State())

    /// A handover holding at most `limits` of waiting updates (a subscriber's queue holds no more).
    init(limits: BacklogLimits) {
        self.limits = limits
    }

    /// Adds `updates` after those waiting.
    func hand(_ updates: [LiveUpdate]) -> Handed {
        let bytes = updates.reduce(0) { $0 + $1.frame.readableBytes }
        return state.withLock { state in
            // A batch the loop has nothing else to take with is always accepted: the limits are for
            // a loop that stopped taking, not for one large batch (which the batcher bounds).
            let fits = limits.allow(updates: state.updates.count + updates.count, bytes: state.bytes + bytes)
            guard fits || state.updates.isEmpty else {
                state.updates = []
                state.bytes = 0
                return .overflowed
            }
            state.updates += updates
            state.bytes += bytes
            guard !state.loopWasAsked else { return .waitingWithOthers }
            state.loopWasAsked = true
            return .askTheLoop
        }
    }

    /// On the loop, once asked: takes every waiting update, in the order they were handed over.
    func take() -> [LiveUpdate] {
        state.withLock { state in
            state.loopWasAsked = false
            let updates = state.updates
            state.updates = []
            state.bytes = 0
            return updates
        }
    }
}
