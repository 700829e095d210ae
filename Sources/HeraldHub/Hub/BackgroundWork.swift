import Synchronization

/// Work the hub starts without waiting for it (the subscription events of subscribers that left),
/// tracked so that closing the hub waits for it before the store goes away.
final class BackgroundWork: Sendable {
    private struct State {
        var running = 0
        var closed = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// Runs `operation` in a new task, unless ``drain()`` was called.
    func start(_ operation: @escaping @Sendable () async -> Void) {
        let accepted = state.withLock { state -> Bool in
            guard !state.closed else { return false }
            state.running += 1
            return true
        }
        guard accepted else { return }
        Task {
            await operation()
            let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
                state.running -= 1
                guard state.running == 0 else { return [] }
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume() }
        }
    }

    /// Refuses new work and waits for what is running to finish.
    func drain() async {
        await withCheckedContinuation { continuation in
            let done = state.withLock { state -> Bool in
                state.closed = true
                if state.running == 0 { return true }
                state.waiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }
}
