import NIOCore
import Synchronization

/// When the connection last received bytes, for the read timeout.
///
/// The reader stamps it on every chunk (one atomic store); a watchdog task compares it with the clock.
/// While the reader waits for the consumer to take events, the clock is paused: a slow consumer is
/// backpressure, not a silent server.
final class ReadActivity: Sendable {
    private static let paused: UInt64 = 0
    private let lastActivity: Atomic<UInt64>

    init() {
        lastActivity = Atomic(Self.now())
    }

    /// Records that bytes arrived (or a wait for the consumer ended).
    func touch() {
        lastActivity.store(Self.now(), ordering: .relaxed)
    }

    /// Stops the clock until the next `touch()`.
    func pause() {
        lastActivity.store(Self.paused, ordering: .relaxed)
    }

    /// Returns when nothing has arrived for `timeout`; throws `CancellationError` when cancelled first.
    func waitForSilence(of timeout: Duration) async throws {
        let timeoutNanoseconds = Self.nanoseconds(timeout)
        while true {
            let last = lastActivity.load(ordering: .relaxed)
            let now = Self.now()
            if last != Self.paused, now &- last >= timeoutNanoseconds { return }
            let elapsed = last == Self.paused ? 0 : now &- last
            try await Task.sleep(for: .nanoseconds(Int64(timeoutNanoseconds - elapsed)))
        }
    }

    private static func now() -> UInt64 {
        // Never 0, which means paused; uptime is far past 0 on any running machine anyway.
        max(1, NIODeadline.now().uptimeNanoseconds)
    }

    private static func nanoseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        return UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000)
    }
}
