import HeraldHub
import Synchronization

/// Bounds a wait on the database: the caller gets an answer within `limit`, whatever the database
/// does (a lost server may leave a query hanging until TCP gives up, minutes later).
///
/// The operation itself is cancelled at the deadline and left to finish in the background, so a
/// write that times out may still commit: its publisher was told it failed, never that it succeeded.
enum DatabaseDeadline {
    @discardableResult
    static func run<Value: Sendable>(
        within limit: Duration,
        _ what: String,
        _ operation: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        let race = Race<Value>()
        return try await withCheckedThrowingContinuation { continuation in
            race.start(continuation)
            let work = Task {
                do {
                    race.finish(with: .success(try await operation()))
                } catch {
                    race.finish(with: .failure(error))
                }
            }
            race.setTimer(
                Task {
                    guard (try? await Task.sleep(for: limit)) != nil else { return }
                    if race.finish(with: .failure(EventStoreError("PostgreSQL did not answer within \(limit) (\(what))"))) {
                        work.cancel()
                    }
                }
            )
        }
    }

    /// The operation and the timer: whichever finishes first answers the caller.
    private final class Race<Value: Sendable>: Sendable {
        private struct State {
            var continuation: CheckedContinuation<Value, any Error>?
            var timer: Task<Void, Never>?
            var finished = false
        }

        private let state = Mutex(State())

        func start(_ continuation: CheckedContinuation<Value, any Error>) {
            state.withLock { $0.continuation = continuation }
        }

        func setTimer(_ timer: Task<Void, Never>) {
            let finished = state.withLock { state -> Bool in
                state.timer = timer
                return state.finished
            }
            if finished { timer.cancel() }
        }

        /// Answers the caller unless the other side did; returns whether this call answered.
        @discardableResult
        func finish(with result: Result<Value, any Error>) -> Bool {
            let (continuation, timer) = state.withLock { state in
                state.finished = true
                defer { state.continuation = nil }
                return (state.continuation, state.timer)
            }
            timer?.cancel()
            continuation?.resume(with: result)
            return continuation != nil
        }
    }
}
