import Synchronization

/// The stored updates handed to one event loop to offer to its subscribers, gathered while the loop
/// is busy: a loop that falls behind the publishers takes several batches at once, so that each of
/// its subscribers gets them in one write, and it is asked to take them once, not once per batch.
final class UpdateHandover: Sendable {
    /// What ``hand(_:)`` did with the updates.
    enum Handed: Equatable {
        /// They wait with nothing before them: the loop must be asked to take them.
        case askTheLoop
        /// They wait after others the loop was already asked to take.
        case waitingWithOthers
        /// More than the limit were waiting: the loop has stopped taking them. Everything that
        /// waited was dropped; the loop's subscribers must be ended.
        case overflowed
    }

    private struct State {
        var updates: [StoredUpdate] = []
        var loopWasAsked = false
    }

    private let maximumUpdates: Int
    private let state = Mutex(State())

    /// A handover holding at most `maximumUpdates` waiting updates.
    init(maximumUpdates: Int) {
        self.maximumUpdates = maximumUpdates
    }

    /// Adds `updates` after those waiting.
    func hand(_ updates: [StoredUpdate]) -> Handed {
        state.withLock { state in
            guard state.updates.count + updates.count <= maximumUpdates else {
                state.updates = []
                return .overflowed
            }
            state.updates += updates
            guard !state.loopWasAsked else { return .waitingWithOthers }
            state.loopWasAsked = true
            return .askTheLoop
        }
    }

    /// On the loop, once asked: takes every waiting update, in the order they were handed over.
    func take() -> [StoredUpdate] {
        state.withLock { state in
            state.loopWasAsked = false
            let updates = state.updates
            state.updates = []
            return updates
        }
    }
}
