import Synchronization

/// Wakes one waiting task, or the next one to wait: rings are not counted, only whether there was
/// one since the last wait. A timer that fires just as a ring ends the wait may leave one ring
/// over, which only makes the next wait return at once.
final class Doorbell: Sendable {
    private struct State {
        var rung = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    func ring() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.rung = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns at the next ring (at once if it rang since the last wait), after `limit`, or when the
    /// task is cancelled.
    func wait(upTo limit: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                // Cancelled when a ring ended the wait first: then it must not ring for the next one.
                guard (try? await Task.sleep(for: limit)) != nil else { return }
                self.ring()
            }
            await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    let ringNow = state.withLock { state -> Bool in
                        if state.rung {
                            state.rung = false
                            return true
                        }
                        state.waiter = continuation
                        return false
                    }
                    if ringNow { continuation.resume() }
                }
            } onCancel: {
                self.ring()
            }
            group.cancelAll()
        }
    }
}
